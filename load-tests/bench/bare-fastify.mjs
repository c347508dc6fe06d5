// The yardstick: a bare Fastify server answering GET with a fixed JSON body of a given size, and
// POST (a JSON body parsed, answered 201 with a fixed JSON body of a given size: no auth, no
// validation, no storage).
import Fastify from 'fastify';

const pad = (size) => JSON.stringify({ items: [{ pad: 'x'.repeat(Math.max(0, size - 22)) }], n: 0 }).slice(0, size);
const body = pad(Number(process.env.BODY_BYTES ?? 1000));
const created = JSON.stringify({ id: '0190b4c2-0000-7000-8000-000000000000', pad: 'x'.repeat(Math.max(0, Number(process.env.POST_BODY_BYTES ?? 500) - 57)) });
const app = Fastify({ logger: false });
app.get('/v1/tasks', (_req, reply) => {
  reply.type('application/json').send(body);
});
app.post('/v1/tasks', (req, reply) => {
  if (typeof req.body?.title !== 'string') return reply.code(400).send({ error: 'title' });
  reply.code(201).type('application/json').send(created);
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');
