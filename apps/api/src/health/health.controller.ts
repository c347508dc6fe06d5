import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { READINESS_PROBES, type ReadinessProbe } from '@ln/kernel/application/ports/readiness.port';
import type { FastifyReply } from 'fastify';
import { Public } from '../http/auth.guard';
import { checkReadiness } from './readiness';

/**
 * The public probes, for a load balancer: liveness says the process serves HTTP at all; readiness
 * says every dependency of the current mode answers, so it routes only to replicas that can do
 * their work. Terse on purpose: which dependency is down, where it lives and why is on the ops
 * port (`OpsServer`, METRICS_PORT), never on the public one.
 */
@ApiExcludeController()
@Public()
@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[]) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const { ok } = await checkReadiness(this.probes);
    if (!ok) void reply.code(503).header('retry-after', '5');
    return { status: ok ? 'ok' : 'unavailable' };
  }
}
