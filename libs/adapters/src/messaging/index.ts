export * from './topic-pattern';
export * from './in-process-event-transport.adapter';
export * from './rabbitmq-event-transport.adapter';
export * from './outbox-relay';
export * from './in-process-command-queue.adapter';
export * from './rabbitmq-command-queue.adapter';
export * from './rabbitmq-link';
