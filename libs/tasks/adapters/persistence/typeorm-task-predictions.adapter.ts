import type { Database } from '@ln/kernel/adapters/persistence/database';
import type { TaskPrediction, TaskPredictions } from '../../application/ports/task-predictions.port';

/** Plain SQL on either engine: one upsert for the predictions, one delete for the withdrawn ones. */
export class TypeOrmTaskPredictions implements TaskPredictions {
  constructor(private readonly db: Database) {}

  async record(ownerId: string, modelVersion: number, predictions: readonly TaskPrediction[], removed: readonly string[]): Promise<void> {
    await this.db.run(async (m) => {
      if (predictions.length > 0) {
        // Joined with the owner's tasks: a prediction never lands on another user's task.
        await m.query(
          `INSERT INTO task_predictions (task_id, owner_id, probability, factors, model_version)
           SELECT t.id, t.owner_id, s.p, s.f, $2::int
             FROM unnest($3::uuid[], $4::real[], $5::jsonb[]) AS s(id, p, f)
             JOIN tasks t ON t.id = s.id AND t.owner_id = $1::uuid
           ON CONFLICT (task_id) DO UPDATE SET probability = EXCLUDED.probability, factors = EXCLUDED.factors, model_version = EXCLUDED.model_version
            WHERE task_predictions.model_version < EXCLUDED.model_version`,
          [
            ownerId,
            modelVersion,
            predictions.map((p) => p.taskId),
            predictions.map((p) => p.successProbability),
            predictions.map((p) => JSON.stringify(p.factors)),
          ],
        );
      }
      if (removed.length > 0) {
        await m.query(`DELETE FROM task_predictions WHERE owner_id = $1 AND task_id = ANY($2::uuid[]) AND model_version < $3`, [ownerId, removed, modelVersion]);
      }
    });
  }
}
