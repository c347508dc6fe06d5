import type { Clock } from '@ln/application';

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}
