export * from './shared/domain-event';
export * from './shared/aggregate-root';
export * from './shared/domain-error';
export * from './user/email.value-object';
export * from './user/timezone.value-object';
export * from './user/user.aggregate';
export * from './user/user.events';
export * from './user/user.errors';
