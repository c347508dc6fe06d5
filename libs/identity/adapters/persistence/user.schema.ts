import { EntitySchema } from 'typeorm';

/** Row shape of `users`; the domain User never sees TypeORM (mapping lives in the repository). */
export interface UserRow {
  id: string;
  email: string;
  passwordHash: string;
  timezone: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const UserSchema = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'uuid', primary: true },
    email: { type: 'text' },
    passwordHash: { type: 'text', name: 'password_hash' },
    timezone: { type: 'text' },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
  indices: [{ name: 'users_email_key', columns: ['email'], unique: true }],
});
