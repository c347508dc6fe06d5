export * from './argon2-password-hasher.adapter';
export * from './fast-jwt-access-tokens.adapter';
export * from './jwt-secret.file';
