import type { ReadinessProbe } from '@ln/kernel/application/ports/readiness.port';

export interface Readiness {
  readonly ok: boolean;
  /** Per dependency: up, or down with the reason (host:port, the driver's message). Private: the ops port only. */
  readonly checks: Record<string, { status: 'up' } | { status: 'down'; error: string }>;
}

/** Runs every probe of the mode at once; ready when all answer. */
export async function checkReadiness(probes: readonly ReadinessProbe[]): Promise<Readiness> {
  const results = await Promise.all(
    probes.map(async (p) => {
      try {
        await p.check();
        return [p.name, { status: 'up' as const }] as const;
      } catch (error) {
        return [p.name, { status: 'down' as const, error: error instanceof Error ? error.message : String(error) }] as const;
      }
    }),
  );
  return { ok: results.every(([, r]) => r.status === 'up'), checks: Object.fromEntries(results) };
}
