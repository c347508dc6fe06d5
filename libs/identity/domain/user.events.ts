/**
 * Wire names of the user's events; the suffix is the contract version. A version's payload only
 * ever gains optional fields.
 * - `user.registered.v1`: `{ timezone: string, email?: string }`. `email` was filled until ADR 20
 *   and is not any more (no consumer needs it; an address does not belong on the event bus).
 * - `user.timezone-changed.v1`: `{ from: string, to: string }`.
 */
export const UserEvents = {
  Registered: 'user.registered.v1',
  TimezoneChanged: 'user.timezone-changed.v1',
} as const;
