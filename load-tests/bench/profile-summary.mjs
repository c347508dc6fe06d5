// Summarises a V8 .cpuprofile (from BENCH_PROFILE_DIR): busy self time by package or source
// folder, and the hottest functions. Usage: node load-tests/bench/profile-summary.mjs FILE [TOP]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.mjs FILE.cpuprofile [TOP]');
const TOP = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const IDLE = new Set(['(idle)', '(program)']);
const where = (url) => {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 6).split('/').slice(0, 3).join('/');
  return url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url;
};
let busy = 0;
const groups = new Map();
const fns = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  const name = n.callFrame.functionName || '(anonymous)';
  if (IDLE.has(name)) continue;
  busy += us;
  const g = name === '(garbage collector)' ? '(gc)' : where(n.callFrame.url);
  groups.set(g, (groups.get(g) ?? 0) + us);
  const key = `${name} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
console.log(`busy ${(busy / 1e6).toFixed(2)} s of ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s`);
console.log('\nself time by package / folder');
for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(us)}  ${g}`);
console.log('\nhottest functions (self)');
for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(us)}  ${f}`);
