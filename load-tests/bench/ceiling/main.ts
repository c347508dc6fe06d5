// The ceilings the write targets are measured against (issue 4): a minimal Nest app on Fastify
// with the product's JWT check (fast-jwt, cached by token) and one POST route that does exactly
// one thing before answering: nothing (CEILING=none), one INSERT through a pg Pool (insert), or
// one persistent publish on a confirm channel to a durable quorum queue, awaiting the confirm
// (publish). No validation library, no CQRS, no domain: what is left of the product's write once
// everything that is ours is taken away. Built by `npm run bench` into dist-bench/.
import 'reflect-metadata';
import { Body, CanActivate, Controller, ExecutionContext, HttpCode, Injectable, Module, Post, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import amqp from 'amqplib';
import { createVerifier } from 'fast-jwt';
import pg from 'pg';
import { randomUUID } from 'node:crypto';

const MODE = process.env.CEILING ?? 'none';
const verify = createVerifier({ key: process.env.JWT_SECRET!, algorithms: ['HS256'], cache: 10_000, cacheKeyBuilder: (t: string) => t });
const pad = 'x'.repeat(Math.max(0, Number(process.env.POST_BODY_BYTES ?? 500) - 57));

let pool: pg.Pool | undefined;
let channel: amqp.ConfirmChannel | undefined;
const QUEUE = process.env.CEILING_QUEUE ?? 'ln.bench.ceiling';

@Injectable()
class JwtGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string>; userId?: string }>();
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return false;
    req.userId = (verify(m[1]) as { sub: string }).sub;
    return true;
  }
}

@Controller('v1/tasks')
@UseGuards(JwtGuard)
class CeilingController {
  @Post()
  @HttpCode(201)
  async create(@Body() body: { title: string }, @Req() req: { userId: string }) {
    const id = randomUUID();
    if (MODE === 'insert') {
      await pool!.query('INSERT INTO ceiling_tasks (id, owner_id, title, created_at) VALUES ($1, $2, $3, now())', [id, req.userId, body.title]);
    } else if (MODE === 'publish') {
      const payload = Buffer.from(JSON.stringify({ id, userId: req.userId, body }));
      await new Promise<void>((resolve, reject) =>
        channel!.publish('', QUEUE, payload, { persistent: true, contentType: 'application/json' }, (err) => (err ? reject(err) : resolve())),
      );
    }
    return { id, pad };
  }
}

@Module({ controllers: [CeilingController], providers: [JwtGuard] })
class CeilingModule {}

async function main() {
  if (MODE === 'insert') {
    pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
    await pool.query('CREATE TABLE IF NOT EXISTS ceiling_tasks (id uuid PRIMARY KEY, owner_id uuid NOT NULL, title text NOT NULL, created_at timestamptz NOT NULL)');
  } else if (MODE === 'publish') {
    const conn = await amqp.connect(process.env.AMQP_URL!);
    channel = await conn.createConfirmChannel();
    await channel.assertQueue(QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  }
  const app = await NestFactory.create<NestFastifyApplication>(CeilingModule, new FastifyAdapter(), { logger: false });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write(' ready: \n');
}
// Exit through process.exit so that --cpu-prof (BENCH_PROFILE_DIR) writes its profile.
process.on('SIGTERM', () => process.exit(0));
void main();
