export * from './topic-pattern';
export * from './in-process-event-transport.adapter';
export * from './rabbitmq-event-transport.adapter';
export * from './outbox-relay';
