import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@ln/config/config';
import { OpsServer } from '@app/api';
import { createApp } from './bootstrap';
import { applyV8MemoryFlags, createEmbeddedDatabaseApart } from './embedded-memory';
import { armShutdownDeadline } from './shutdown-deadline';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  // A first embedded start creates the database in a child process, whose initdb peak goes with it.
  if (config.database.kind === 'pglite' && (await createEmbeddedDatabaseApart(config.database.dataDir))) {
    process.stdout.write(`created the embedded database in ${config.database.dataDir} (in a separate process)\n`);
  }
  // Before the database opens, so PGlite's WebAssembly is compiled under them.
  applyV8MemoryFlags(config);
  const app = await createApp(config);
  // Nest runs the shutdown hooks on SIGTERM/SIGINT (createApp); this bounds how long they may take.
  armShutdownDeadline({
    signals: ['SIGTERM', 'SIGINT'],
    timeoutMs: config.shutdownTimeoutMs,
    onTimeout: (signal, ms) => {
      new Logger('Shutdown').fatal(`shutdown after ${signal} did not finish within ${ms} ms (SHUTDOWN_TIMEOUT_MS); exiting with status 1`);
      // process.exit runs pino's exit handler, which writes out the buffered lines.
      process.exit(1);
    },
  });
  const { host, port, metricsPort } = config.http;
  // The worker serves no HTTP of its own: only the operations port.
  if (config.role === 'worker') await app.init();
  else await app.listen({ port, host });
  await app.get(OpsServer).listen(metricsPort, host);
  const shown = host === '0.0.0.0' ? 'localhost' : host;
  const mode = [config.database.kind, config.cache.kind, config.transport.kind].join(' + ');
  const ops = `metrics and health on http://${shown}:${metricsPort}`;
  const where =
    config.role === 'worker'
      ? `worker health on http://${shown}:${metricsPort}/health/ready (${ops})`
      : `API on http://${shown}:${port}/v1 — Swagger UI: http://${shown}:${port}/docs — ${ops}`;
  process.stdout.write(`Life Navigation (${config.role}; ${mode}) ready: ${where}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
