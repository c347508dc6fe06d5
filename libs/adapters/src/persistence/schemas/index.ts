import { OutboxSchema } from './outbox.schema';
import { RefreshTokenSchema } from './refresh-token.schema';
import { UserSchema } from './user.schema';

export * from './outbox.schema';
export * from './refresh-token.schema';
export * from './user.schema';

export const ENTITY_SCHEMAS = [UserSchema, RefreshTokenSchema, OutboxSchema];
