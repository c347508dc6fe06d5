// What was acknowledged vs what is in PostgreSQL, exactly, per user.
import { dayOf } from './workload.mjs';

const TASK_EVENTS = "aggregate_type = 'task'";

/** ['a','a','b'] -> 'a x2, b' */
function runs(items) {
  const out = [];
  for (const it of items) {
    const last = out[out.length - 1];
    if (last && last.it === it) last.n += 1;
    else out.push({ it, n: 1 });
  }
  return out.map((r) => (r.n > 1 ? `${r.it} x${r.n}` : r.it)).join(', ');
}

function p99(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)];
}

/**
 * Events of these users, in outbox order. `started_ms` is created_at (now() of the writing
 * transaction, i.e. its start): outbox rows are updated by the relay, so their xmin no longer
 * names the transaction that wrote them.
 */
async function loadEvents(db, userIds) {
  const { rows } = await db.query(
    `SELECT position, event_type, aggregate_id, user_id, aggregate_version, event->'payload' AS payload,
            extract(epoch FROM created_at) * 1000 AS started_ms
       FROM outbox WHERE user_id = ANY($1::uuid[]) AND ${TASK_EVENTS} ORDER BY position`,
    [userIds],
  );
  return rows.map((r) => ({ ...r, position: Number(r.position), started_ms: Number(r.started_ms) }));
}

/** True once every acknowledged op of these clients has its effect committed or its command decided. */
export async function allAckedVisible(db, clients) {
  const userIds = clients.map((c) => c.userId);
  const events = await loadEvents(db, userIds);
  const keys = new Set(events.map((e) => effectKey(e)).filter(Boolean));
  const { rows } = await db.query(`SELECT command_id FROM processed_commands WHERE user_id = ANY($1::uuid[])`, [userIds]);
  const decided = new Set(rows.map((r) => r.command_id));
  for (const c of clients) {
    for (const op of c.ops) {
      if (op.outcome !== 'acked' && op.outcome !== 'resolved') continue;
      if (!keys.has(opKey(c, op)) && !(op.commandId && decided.has(op.commandId))) return false;
    }
  }
  return true;
}

function opKey(client, op) {
  switch (op.kind) {
    case 'create':
      return `c:${op.taskId}`;
    case 'patch':
      return `e:${client.counterId}:${op.title}`;
    case 'postpone':
      return `p:${client.counterId}:${op.date}`;
  }
}

function effectKey(e) {
  switch (e.event_type) {
    case 'task.created.v1':
      return `c:${e.aggregate_id}`;
    case 'task.edited.v1':
      return e.payload?.changes?.title !== undefined ? `e:${e.aggregate_id}:${e.payload.changes.title}` : null;
    case 'task.postponed.v1':
      return `p:${e.aggregate_id}:${e.payload?.scheduledDate}`;
    default:
      return null;
  }
}

/**
 * @returns per-scenario figures and the list of problems found.
 */
export async function verify(db, clients, { queued }) {
  const userIds = clients.map((c) => c.userId);
  const events = await loadEvents(db, userIds);
  const { rows: tasks } = await db.query(`SELECT id, owner_id, title, version, deferrals, scheduled_date::text AS scheduled_date FROM tasks WHERE owner_id = ANY($1::uuid[])`, [userIds]);
  const { rows: commands } = await db.query(
    // Inbox rows are never updated: xmin is the applying transaction, whose commit time
    // track_commit_timestamp records exactly.
    `SELECT command_id, user_id, type, status, problem, extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000 AS committed_ms
       FROM processed_commands WHERE user_id = ANY($1::uuid[])`,
    [userIds],
  );
  const commandById = new Map(commands.map((c) => [c.command_id, c]));
  const taskById = new Map(tasks.map((t) => [t.id, t]));
  const problems = [];
  const out = {
    users: clients.length,
    accepted: 0,
    resolvedInDoubt: 0,
    unresolved: 0,
    lost: 0,
    lostRejectedAfter202: 0,
    duplicated: 0,
    orderViolations: 0,
    orderViolationsByUser: {},
    unexplainedEffects: 0,
    stateMismatches: 0,
    rejectedCommands: commands.filter((c) => c.status === 'rejected').length,
    appliedCommands: commands.filter((c) => c.status === 'applied').length,
    unavailableThenApplied: 0,
    ackStatuses: {},
    lags: [],
    lagsMissing: 0,
    longestOpMs: 0,
    retriedOps: [],
  };

  const byUser = new Map(userIds.map((u) => [u, []]));
  for (const e of events) byUser.get(e.user_id)?.push(e);

  for (const c of clients) {
    const evs = byUser.get(c.userId) ?? [];
    // effect key -> events
    const effects = new Map();
    for (const e of evs) {
      const key = effectKey(e);
      if (!key) {
        out.unexplainedEffects += 1;
        problems.push(`user ${c.index}: event ${e.event_type} on ${e.aggregate_id} (position ${e.position}) matches no operation`);
        continue;
      }
      if (!effects.has(key)) effects.set(key, []);
      effects.get(key).push(e);
    }
    const opByKey = new Map(c.ops.map((op) => [opKey(c, op), op]));
    for (const key of effects.keys()) {
      if (!opByKey.has(key)) {
        out.unexplainedEffects += 1;
        problems.push(`user ${c.index}: effect ${key} matches no operation sent`);
      }
    }

    for (const op of c.ops) {
      const found = effects.get(opKey(c, op)) ?? [];
      if (op.outcome === 'acked') {
        out.accepted += 1;
        out.ackStatuses[op.ackStatus] = (out.ackStatuses[op.ackStatus] ?? 0) + 1;
      } else if (op.outcome === 'resolved') {
        out.resolvedInDoubt += 1;
      } else {
        out.unresolved += 1;
      }
      const promised = op.outcome === 'acked' || op.outcome === 'resolved';
      const done = op.ackAt ?? op.resolvedAt;
      if (done) out.longestOpMs = Math.max(out.longestOpMs, done - op.firstSentAt);
      if (op.ambiguous && out.retriedOps.length < 40) {
        out.retriedOps.push({
          user: c.index,
          k: op.k,
          kind: op.kind,
          outcome: op.outcome,
          ackStatus: op.ackStatus,
          tookMs: done ? done - op.firstSentAt : null,
          effects: found.length,
          attempts: runs(op.attempts.map((a) => `${a.result}${a.code ? ` ${a.code}` : ''}`)),
        });
      }
      if (promised && found.length === 0) {
        out.lost += 1;
        const cmd = op.commandId ? commandById.get(op.commandId) : undefined;
        // Not silent (GET /v1/commands/{id} says rejected), but the client did nothing wrong.
        if (cmd?.status === 'rejected') out.lostRejectedAfter202 += 1;
        problems.push(
          `LOST user ${c.index} op ${op.k} ${op.kind} (${op.outcome} ${op.ackStatus ?? ''} at ${new Date(op.ackAt ?? op.resolvedAt).toISOString()}, command ${op.commandId ?? '-'}: ${cmd ? `${cmd.status} ${JSON.stringify(cmd.problem)}` : 'not in processed_commands'}; attempts ${JSON.stringify(op.attempts)})`,
        );
      }
      if (found.length > 1) {
        out.duplicated += 1;
        problems.push(`DUPLICATED user ${c.index} op ${op.k} ${op.kind}: ${found.length} events at positions ${found.map((e) => e.position).join(',')}`);
      }
      if (!promised && found.length > 0 && op.attempts.every((a) => typeof a.result === 'number' && a.result < 500 && a.result !== 408)) {
        // Only refused answers, no ambiguity, and yet applied.
        problems.push(`user ${c.index} op ${op.k} ${op.kind}: refused (${JSON.stringify(op.attempts)}) but applied`);
        out.unexplainedEffects += 1;
      }
      // Persistence lag: acknowledged -> committed. Queued: the commit timestamp of the command's
      // inbox row. Sync: the write committed before the answer; the start of its transaction is
      // what the outbox keeps, so the figure is negative (answer after commit).
      if (op.outcome === 'acked' && found.length >= 1) {
        const cmd = op.commandId ? commandById.get(op.commandId) : undefined;
        const committed = cmd?.committed_ms != null ? Number(cmd.committed_ms) : queued ? null : found[0].started_ms;
        if (committed !== null) out.lags.push(committed - op.ackAt);
        else out.lagsMissing += 1;
      }
      // Queued path: an acknowledged command whose command came back rejected while the effect is
      // there was applied by an earlier attempt. Fine after an ambiguous attempt (the answer was
      // lost); after only 503s it means a 503'd command was applied anyway.
      if (queued && op.outcome === 'acked' && op.commandId) {
        const cmd = commandById.get(op.commandId);
        if (cmd?.status === 'rejected' && found.length >= 1) {
          const sawNetwork = op.attempts.some((a) => typeof a.result !== 'number');
          if (!sawNetwork) {
            out.unavailableThenApplied += 1;
            problems.push(
              `user ${c.index} op ${op.k} ${op.kind}: acked command ${op.commandId} rejected (${JSON.stringify(cmd.problem)}) yet the effect exists, and no earlier attempt was cut off: an earlier 5xx'd attempt was applied (attempts ${JSON.stringify(op.attempts)})`,
            );
          }
        }
      }
    }

    // Order: in outbox order, the op numbers of this user's effects only go up.
    const kOf = new Map(c.ops.map((op) => [opKey(c, op), op.k]));
    let max = -1;
    let violations = 0;
    for (const e of evs) {
      const k = kOf.get(effectKey(e));
      if (k === undefined) continue;
      if (k < max) {
        violations += 1;
        problems.push(`ORDER user ${c.index}: op ${k} (${e.event_type}, position ${e.position}) committed after op ${max}`);
      }
      max = Math.max(max, k);
    }
    // The counter's versions: 1..n, each once, in outbox order.
    const counterEvents = evs.filter((e) => e.aggregate_id === c.counterId);
    counterEvents.forEach((e, i) => {
      if (e.aggregate_version !== i + 1) {
        violations += 1;
        problems.push(`ORDER user ${c.index}: counter event ${i + 1} (position ${e.position}) has version ${e.aggregate_version}`);
      }
    });
    out.orderViolations += violations;
    if (violations) out.orderViolationsByUser[c.index] = violations;

    // Final state agrees with the events.
    const counter = taskById.get(c.counterId);
    const edits = counterEvents.filter((e) => e.event_type === 'task.edited.v1');
    const postpones = counterEvents.filter((e) => e.event_type === 'task.postponed.v1');
    const expect = {
      version: counterEvents.length,
      title: edits.length ? edits[edits.length - 1].payload.changes.title : `u${c.index} counter`,
      deferrals: postpones.length,
      scheduled_date: postpones.length ? postpones[postpones.length - 1].payload.scheduledDate : dayOf(0),
    };
    if (!counter) {
      if (c.ops[0]?.outcome === 'acked') {
        out.stateMismatches += 1;
        problems.push(`user ${c.index}: counter task missing`);
      }
    } else {
      for (const [f, v] of Object.entries(expect)) {
        if (counter[f] !== v) {
          out.stateMismatches += 1;
          problems.push(`user ${c.index}: counter ${f} is ${counter[f]}, its events say ${v}`);
        }
      }
    }
    for (const op of c.ops) {
      if (op.kind === 'create' && op.k > 0 && (op.outcome === 'acked' || op.outcome === 'resolved')) {
        const t = taskById.get(op.taskId);
        if (!t || t.title !== op.body.title || t.owner_id !== c.userId) {
          out.stateMismatches += 1;
          problems.push(`user ${c.index}: created task ${op.taskId} (op ${op.k}) is ${t ? JSON.stringify(t) : 'missing'}`);
        }
      }
    }
  }

  out.lagMaxMs = out.lags.length ? Math.max(...out.lags) : null;
  out.lagP99Ms = p99(out.lags);
  out.lagP50Ms = out.lags.length ? [...out.lags].sort((a, b) => a - b)[Math.floor(out.lags.length / 2)] : null;
  // When writes landed, for recovery times: inbox commits (queued) and outbox transactions.
  out.commitTimes = [...commands.map((c) => (c.committed_ms == null ? null : Number(c.committed_ms))), ...events.map((e) => e.started_ms)].filter((t) => t !== null);
  delete out.lags;
  return { figures: out, problems };
}
