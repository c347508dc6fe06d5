import { z } from 'zod';

/** A real calendar day (2026-02-30 is refused), years 1970-9999. */
const day = z.iso
  .date()
  .refine((d) => d >= '1970-01-01', 'must be on or after 1970-01-01')
  .meta({ description: 'A day in your own timezone, YYYY-MM-DD', example: '2026-11-01' });

const MAX_RANGE_DAYS = 731;

export const InsightsQueryParams = z
  .strictObject({
    from: day.optional(),
    to: day.optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
    if (q.from && q.to && (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 >= MAX_RANGE_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'the range may span at most 2 years' });
    }
  });
// Inline, not a component: the OpenAPI document then lists `from` and `to` by name (see ListTasksQueryParams).
export type InsightsQueryParams = z.infer<typeof InsightsQueryParams>;

const rate = z
  .object({
    key: z.string(),
    label: z.string().meta({ example: '61-90 min' }),
    done: z.int(),
    failed: z.int(),
    samples: z.int().meta({ description: 'done + failed: what the rate rests on' }),
    observedRate: z.number().nullable().meta({ description: 'done / samples' }),
    rate: z.number().meta({ description: 'Smoothed toward the population rate for the same group (5 pseudo-outcomes)', example: 0.42 }),
  })
  .meta({ id: 'GroupRate' });

export const InsightsResponse = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    today: z.string().meta({ description: 'Your local day when this was computed' }),
    completion: z.object({
      overall: rate,
      byHour: z.array(rate),
      byWeekday: z.array(rate),
      bySize: z.array(rate),
      byTag: z.array(rate),
      byDeferrals: z.array(rate),
      byLoad: z.array(rate),
    }),
    failureReasons: z.array(z.object({ reason: z.string(), count: z.int(), share: z.number() })),
    overcommitment: z.object({
      capacity: z.number().nullable().meta({ description: 'Tasks you finish on a day you finish anything (median)' }),
      plannedDays: z.int(),
      averageScheduled: z.number().nullable(),
      averageFinished: z.number().nullable(),
      daysOverCapacity: z.array(z.object({ day: z.string(), scheduled: z.int(), finished: z.int() })),
      daysOverCapacityCount: z.int(),
    }),
    calibration: z.object({
      overall: z.object({ samples: z.int(), ratio: z.number().nullable().meta({ description: 'actual / estimated minutes' }) }),
      byTag: z.array(z.object({ tag: z.string(), samples: z.int(), ratio: z.number() })),
    }),
    streaks: z.object({ current: z.int(), best: z.int() }),
    patterns: z.array(
      z
        .object({
          dimension: z.string(),
          key: z.string(),
          statement: z.string().meta({ example: 'estimated 61-90 min: 2 of 9 done; other tasks: 17 of 24 done' }),
          rate: z.number(),
          othersRate: z.number(),
          samples: z.int(),
          otherSamples: z.int(),
          z: z.number(),
        })
        .meta({ description: 'Stated only when the difference clears the evidence thresholds (docs/learning.md)' }),
    ),
  })
  .meta({ id: 'Insights' });
