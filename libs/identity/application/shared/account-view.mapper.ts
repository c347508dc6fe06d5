import type { User } from '../../domain/user.aggregate';
import type { AccountView } from '../ports/account-reader.port';

/** Whitelists what leaves the application about an account. */
export function toAccountView(user: User): AccountView {
  return {
    id: user.id,
    email: user.email,
    timezone: user.timezone,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
