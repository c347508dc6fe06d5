// The worker app's entry point: what the composition root (apps/server) may use of it.
export { WorkerModule } from './worker.module';
export { EVENT_CONSUMERS } from './event-consumers';
export { EventLogPruningService } from './event-log-pruning.service';
