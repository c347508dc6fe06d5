import { Module } from '@nestjs/common';
import { OutboxRelayService } from './outbox-relay.service';

/**
 * The worker role: the event pipeline. Today it relays the outbox to the event transport; the
 * queued-write consumers and the learning stages join it with their issues. It serves no public
 * HTTP, only health on the metrics port.
 */
@Module({ providers: [OutboxRelayService] })
export class WorkerModule {}
