import 'reflect-metadata';
import { ConfigError, loadConfig } from '@ln/config/config';
import { createApp } from './bootstrap';

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
  const app = await createApp(config);
  const port = config.role === 'worker' ? config.http.metricsPort : config.http.port;
  await app.listen({ port, host: config.http.host });
  const shown = config.http.host === '0.0.0.0' ? 'localhost' : config.http.host;
  const mode = [config.database.kind, config.cache.kind, config.transport.kind].join(' + ');
  const where =
    config.role === 'worker'
      ? `worker health on http://${shown}:${port}/health/ready`
      : `API on http://${shown}:${port}/v1 — Swagger UI: http://${shown}:${port}/docs`;
  process.stdout.write(`Life Navigation (${config.role}; ${mode}) ready: ${where}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
