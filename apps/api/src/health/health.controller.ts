import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { READINESS_PROBES, type ReadinessProbe } from '@ln/kernel/application/ports/readiness.port';
import type { FastifyReply } from 'fastify';
import { Public } from '../http/auth.guard';

/**
 * Liveness says the process serves HTTP at all; readiness says every dependency of the current
 * mode answers, so a load balancer only routes to replicas that can do their work.
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
    const results = await Promise.all(
      this.probes.map(async (p) => {
        try {
          await p.check();
          return [p.name, { status: 'up' }] as const;
        } catch (error) {
          return [p.name, { status: 'down', error: (error as Error).message }] as const;
        }
      }),
    );
    const ok = results.every(([, r]) => r.status === 'up');
    if (!ok) void reply.code(503).header('retry-after', '5');
    return { status: ok ? 'ok' : 'unavailable', checks: Object.fromEntries(results) };
  }
}
