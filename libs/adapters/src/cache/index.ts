export * from './memory-cache.adapter';
export * from './memory-attempt-counter.adapter';
export * from './redis-client.factory';
export * from './redis-cache.adapter';
export * from './redis-attempt-counter.adapter';
export * from './memory-read-cache.adapter';
export * from './redis-read-cache.adapter';
