/** Wire names of the user's events; the suffix is the contract version. */
export const UserEvents = {
  Registered: 'user.registered.v1',
  TimezoneChanged: 'user.timezone-changed.v1',
} as const;
