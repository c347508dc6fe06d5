import { z } from 'zod';

const email = z.string().trim().min(3).max(254).meta({ format: 'email', example: 'ada@example.com' });
// Upper bound keeps argon2's input (and a login flood's CPU) bounded.
const password = z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters');
const timezone = z.string().min(1).max(64).meta({ description: 'IANA time zone name', example: 'Europe/Berlin' });

export const RegisterRequest = z
  .strictObject({ email, password, timezone: timezone.optional() })
  .meta({ id: 'RegisterRequest' });

export const LoginRequest = z.strictObject({ email, password: z.string().min(1).max(128) }).meta({ id: 'LoginRequest' });

const refreshToken = z.string().min(16).max(256);
export const RefreshRequest = z.strictObject({ refreshToken }).meta({ id: 'RefreshRequest' });
// The body itself is optional: a logout with no body (and no Content-Type) ends every session.
// `.optional()` before `.meta()`, as for the other optional bodies: the component is then the schema
// itself, not a one-member allOf around it.
export const LogoutRequest = z
  .strictObject({ refreshToken: refreshToken.optional() })
  .optional()
  .meta({ id: 'LogoutRequest', description: 'With a refresh token, ends that login; without (or with no body at all), ends every session of the user.' });

export const SessionResponse = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().meta({ description: 'access token lifetime in seconds' }),
    tokenType: z.literal('Bearer'),
  })
  .meta({ id: 'Session' });

export const AccountResponse = z
  .object({
    id: z.uuid(),
    email: z.string(),
    timezone: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Account' });

export const UpdateMeRequest = z
  .strictObject({ timezone })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' })
  .meta({ id: 'UpdateMeRequest' });

export type RegisterRequest = z.infer<typeof RegisterRequest>;
export type LoginRequest = z.infer<typeof LoginRequest>;
export type RefreshRequest = z.infer<typeof RefreshRequest>;
export type LogoutRequest = z.infer<typeof LogoutRequest>;
export type UpdateMeRequest = z.infer<typeof UpdateMeRequest>;

// Response examples for the OpenAPI document, typed by the schemas they illustrate.
export const ACCOUNT_EXAMPLE = {
  id: '019a2b3c-1a2b-7c3d-8e4f-5a6b7c8d9e0f',
  email: 'ada@example.com',
  timezone: 'Europe/Berlin',
  createdAt: '2026-11-20T09:00:00.000Z',
  updatedAt: '2026-11-20T09:00:00.000Z',
} satisfies z.output<typeof AccountResponse>;

export const SESSION_EXAMPLE = {
  accessToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIwMTlhMmIzYyJ9.c2lnbmF0dXJl',
  refreshToken: '9vJwyRXcoikNsX8Srx2ZPs4d2LX-22fq4PmTPGjKV04',
  expiresIn: 900,
  tokenType: 'Bearer',
} satisfies z.output<typeof SessionResponse>;
