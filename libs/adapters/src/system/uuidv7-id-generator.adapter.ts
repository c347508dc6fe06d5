import { v7 } from 'uuid';
import type { IdGenerator } from '@ln/application';

export class UuidV7IdGenerator implements IdGenerator {
  next(): string {
    return v7();
  }
}
