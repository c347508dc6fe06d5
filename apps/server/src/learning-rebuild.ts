import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { RebuildHistory } from '@ln/learning/application/rebuild-history/rebuild-history.service';
import { KernelModule } from '@ln/kernel/kernel.module';
import { ConfigError, loadConfig } from '@ln/config/config';
import { CONTEXTS } from './contexts';

/**
 * `npm run learning:rebuild`: rebuilds the learning context's projection from the tasks' current
 * state (through the task context's history facade). Stop the workers first: events projected
 * while it runs could be counted twice.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  @Module({ imports: [KernelModule.forRoot(config, CONTEXTS), ...CONTEXTS.map((c) => c.module)] })
  class RebuildModule {}
  Logger.overrideLogger(['error', 'warn']);
  const app = await NestFactory.createApplicationContext(RebuildModule, { abortOnError: false });
  try {
    const started = Date.now();
    const { tasks, users } = await app.get(RebuildHistory).rebuildAll();
    process.stdout.write(`rebuilt the learning history from ${tasks} tasks of ${users} users in ${Date.now() - started} ms\n`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});
