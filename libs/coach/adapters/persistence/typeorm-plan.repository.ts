import { ConcurrentModification } from '@ln/kernel/application/application.errors';
import type { Database } from '@ln/kernel/adapters/persistence/database';
import { appendToOutbox } from '@ln/kernel/adapters/persistence/outbox.writer';
import { rowsOf } from '@ln/kernel/adapters/persistence/rows';
import type { DomainEvent } from '@ln/kernel/domain/domain-event.base';
import type { PlanRepository } from '../../application/ports/plan.repository.port';
import { Plan, type PlanState } from '../../domain/plan.aggregate';
import { isUuid } from '@ln/kernel/domain/uuid';

interface PlanRow {
  id: string;
  user_id: string;
  task_id: string;
  trigger: PlanState['trigger'];
  status: PlanState['status'];
  diagnosis: unknown;
  steps: unknown;
  fits: boolean;
  advice: string | null;
  reliable_minutes: number | null;
  original_probability: number | string | null;
  plan_probability: number | string | null;
  generated_by: string | null;
  feedback: string | null;
  created_at: Date | string;
  decided_at: Date | string | null;
  version: number;
}

const COLUMNS = `id, user_id, task_id, trigger, status, diagnosis, steps, fits, advice, reliable_minutes, original_probability,
  plan_probability, generated_by, feedback, created_at, decided_at, version`;

/** jsonb as the drivers return it: parsed (pg) or as text (PGlite through some paths). */
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
const real = (v: number | string | null) => (v === null ? null : Math.round(Number(v) * 100) / 100);

function toPlan(r: PlanRow): Plan {
  return Plan.restore({
    id: r.id,
    userId: r.user_id,
    taskId: r.task_id,
    trigger: r.trigger,
    status: r.status,
    diagnosis: json(r.diagnosis),
    steps: json(r.steps),
    fits: r.fits,
    advice: r.advice,
    reliableMinutes: r.reliable_minutes,
    originalProbability: real(r.original_probability),
    planProbability: real(r.plan_probability),
    generatedBy: r.generated_by,
    feedback: r.feedback,
    createdAt: iso(r.created_at)!,
    decidedAt: iso(r.decided_at),
    version: r.version,
  });
}


/**
 * Plain SQL on either engine. A save is an insert for a new plan (version 1) or an update that
 * checks the version it was read at; its events go to the outbox in the same transaction.
 */
export class TypeOrmPlanRepository implements PlanRepository {
  /** The version each loaded plan had, to check on save (kept per instance, like a session). */
  private readonly loaded = new WeakMap<Plan, number>();

  constructor(private readonly db: Database) {}

  async save(plan: Plan, events: readonly DomainEvent[] = []): Promise<void> {
    const s = plan.state;
    const params = [
      s.id, s.userId, s.taskId, s.trigger, s.status, JSON.stringify(s.diagnosis), JSON.stringify(s.steps), s.fits, s.advice, s.reliableMinutes,
      s.originalProbability, s.planProbability, s.generatedBy, s.feedback, s.createdAt, s.decidedAt, s.version,
    ];
    await this.db.transaction(async (m) => {
      const was = this.loaded.get(plan);
      if (was === undefined) {
        await m.query(`INSERT INTO coach_plans (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`, params);
      } else {
        const updated = rowsOf<{ id: string }>(
          await m.query(
            `UPDATE coach_plans SET status = $3, diagnosis = $4::jsonb, steps = $5::jsonb, fits = $6, advice = $7, reliable_minutes = $8,
                    original_probability = $9, plan_probability = $10, generated_by = $11, feedback = $12, decided_at = $13, version = $14
              WHERE id = $1 AND user_id = $2 AND version = $15 RETURNING id`,
            [
              s.id, s.userId, s.status, JSON.stringify(s.diagnosis), JSON.stringify(s.steps), s.fits, s.advice, s.reliableMinutes,
              s.originalProbability, s.planProbability, s.generatedBy, s.feedback, s.decidedAt, s.version, was,
            ],
          ),
        );
        if (updated.length === 0) throw new ConcurrentModification('plan');
      }
      await appendToOutbox(m, events);
    });
    this.loaded.set(plan, s.version);
  }

  async get(userId: string, planId: string): Promise<Plan | null> {
    if (!isUuid(planId)) return null;
    const rows = rowsOf<PlanRow>(await this.db.run((m) => m.query(`SELECT ${COLUMNS} FROM coach_plans WHERE id = $1 AND user_id = $2`, [planId, userId])));
    return rows[0] ? this.remember(toPlan(rows[0])) : null;
  }

  async forTask(userId: string, taskId: string, limit: number): Promise<Plan[]> {
    if (!isUuid(taskId)) return [];
    const rows = rowsOf<PlanRow>(
      await this.db.run((m) => m.query(`SELECT ${COLUMNS} FROM coach_plans WHERE user_id = $1 AND task_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`, [userId, taskId, limit])),
    );
    return rows.map((r) => this.remember(toPlan(r)));
  }

  async openForTask(userId: string, taskId: string): Promise<Plan[]> {
    const rows = rowsOf<PlanRow>(
      await this.db.run((m) => m.query(`SELECT ${COLUMNS} FROM coach_plans WHERE user_id = $1 AND task_id = $2 AND status IN ('pending', 'proposed')`, [userId, taskId])),
    );
    return rows.map((r) => this.remember(toPlan(r)));
  }

  async requestedSince(userId: string, since: string): Promise<number> {
    const rows = rowsOf<{ n: number | string }>(
      await this.db.run((m) => m.query(`SELECT count(*) AS n FROM coach_plans WHERE user_id = $1 AND trigger = 'requested' AND created_at >= $2::timestamptz`, [userId, since])),
    );
    return Number(rows[0]?.n ?? 0);
  }

  private remember(plan: Plan): Plan {
    this.loaded.set(plan, plan.state.version);
    return plan;
  }
}
