// The yardstick: a bare Fastify server answering GET with a fixed JSON body of a given size.
import Fastify from 'fastify';

const size = Number(process.env.BODY_BYTES ?? 1000);
const body = JSON.stringify({ items: [{ pad: 'x'.repeat(Math.max(0, size - 22)) }], n: 0 }).slice(0, size);
const app = Fastify({ logger: false });
app.get('/v1/tasks', (_req, reply) => {
  reply.type('application/json').send(body);
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');
