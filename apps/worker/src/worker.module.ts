import { Module } from '@nestjs/common';

/**
 * The worker role: consumers of the event pipeline (the outbox relay, queued writes and the
 * learning stages arrive with their issues). It serves no public HTTP; only health and metrics.
 */
@Module({})
export class WorkerModule {}
