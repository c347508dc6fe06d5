import { rmSync } from 'node:fs';
import path from 'node:path';
import { PGLITE_TEMPLATE_ENV } from './services';

/** Removes what global-setup.ts made for the run: the embedded template database. */
export default function globalTeardown(): void {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  if (template) rmSync(path.dirname(template), { recursive: true, force: true });
}
