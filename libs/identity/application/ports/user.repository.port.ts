import type { User } from '../../domain/user.aggregate';

export const USER_REPOSITORY = Symbol('UserRepository');

export interface UserRepository {
  findById(id: string): Promise<User | null>;
  findByEmail(email: string): Promise<User | null>;
  /**
   * Inserts or updates the user (optimistically, on its version) and writes the events it
   * recorded to the outbox in the same transaction. Throws EmailAlreadyRegistered on a
   * duplicate email, ConcurrentModification on a stale version.
   */
  save(user: User): Promise<void>;
}
