import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { type TestApp, startTestApp } from '../support/app';

/**
 * A client generated from the live document works (issue 14): openapi-typescript turns /docs-json
 * into types, examples/client/list-tasks.ts (openapi-fetch with those types) type-checks against
 * them under strict settings, including the calls it expects the types to refuse, and runs against
 * the API. The types are generated here on every run, into a temporary folder, rather than kept in
 * the repository: the document is made from the code, so a committed copy would be a second source
 * to regenerate on every change of the API, and a conflict between branches that both change it.
 */

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples/client/list-tasks.ts');
// Its command line, as a user runs it (its CommonJS build requires an ES module, which jest's loader cannot).
const OPENAPI_TS = path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');

/** The example's exports, as this suite uses them (it is loaded by path: its `./schema` exists only where the types were generated). */
interface Task {
  id: string;
  title: string;
  version: number;
}
interface Example {
  ApiProblem: new (...args: never[]) => Error;
  logIn(baseUrl: string, email: string, password: string): Promise<unknown>;
  listOpenWorkTasks(api: unknown, title: string): Promise<{ created: Task; etag: string | null; open: Task[] }>;
  complete(api: unknown, task: Task, actualMinutes: number): Promise<Task>;
}

describe('a client generated with openapi-typescript [embedded]', () => {
  let t: TestApp;
  let baseUrl: string;
  let dir: string;
  let types: string;

  beforeAll(async () => {
    t = await startTestApp('embedded');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    dir = mkdtempSync(path.join(os.tmpdir(), 'ln-openapi-client-'));
    writeFileSync(path.join(dir, 'openapi.json'), await (await fetch(`${baseUrl}/docs-json`)).text());
    await promisify(execFile)(process.execPath, [OPENAPI_TS, path.join(dir, 'openapi.json'), '--output', path.join(dir, 'schema.d.ts')], {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off' },
    });
    types = readFileSync(path.join(dir, 'schema.d.ts'), 'utf8');
    copyFileSync(EXAMPLE, path.join(dir, 'list-tasks.ts'));
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('generates the types of every route, with the list filters named and typed', () => {
    expect(types).toContain('"/v1/tasks": {');
    expect(types).toMatch(/status\?: \("open" \| "done" \| "failed" \| "dropped"\)\[\];/);
    expect(types).toMatch(/limit\?: number;/);
    expect(types).not.toContain('"undefined"');
  });

  it('the example script type-checks against them (strict), and what it expects refused is refused', () => {
    const program = ts.createProgram([path.join(dir, 'list-tasks.ts')], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: [],
      // The copy sits outside the repository: the client library is the repository's.
      paths: { 'openapi-fetch': [path.join(ROOT, 'node_modules/openapi-fetch/dist/index.d.cts')] },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ` : '';
      return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  });

  it('the example runs against the API: logs in, creates, lists with a filter, completes with If-Match', async () => {
    // Its only import of ./schema is a type import, erased when it runs.
    const { ApiProblem, complete, listOpenWorkTasks, logIn } = (await import(EXAMPLE)) as Example;
    const email = 'client@example.com';
    const register = await fetch(`${baseUrl}/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'long enough pw' }) });
    expect(register.status).toBe(201);
    await expect(logIn(baseUrl, email, 'wrong password')).rejects.toThrow(ApiProblem);
    const api = await logIn(baseUrl, email, 'long enough pw');

    const first = await listOpenWorkTasks(api, 'First');
    expect(first.etag).toBe(`"${first.created.version}"`);
    const done = await complete(api, first.created, 40);
    expect(done).toMatchObject({ id: first.created.id, status: 'done', actualMinutes: 40 });
    const second = await listOpenWorkTasks(api, 'Second');
    expect(second.open.map((task) => task.title)).toEqual(['Second']);
    await expect(complete(api, first.created, 40)).rejects.toMatchObject({ problem: { status: 412, code: 'version_mismatch' } });
  });
});
