import { z } from 'zod';

/** A real calendar day (2026-02-30 is refused), years 1970-9999. */
const day = z.iso
  .date()
  .refine((d) => d >= '1970-01-01', 'must be on or after 1970-01-01')
  // No `example`: Swagger UI's "Try it out" would send it as a filter (see ListTasksQueryParams).
  .meta({ description: 'A day in your own timezone, YYYY-MM-DD, e.g. 2026-11-01' });

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

const rateExample = (key: string, label: string, done: number, failed: number, rate: number) => ({
  key,
  label,
  done,
  failed,
  samples: done + failed,
  observedRate: Math.round((done / (done + failed)) * 100) / 100,
  rate,
});

/** Response example for the OpenAPI document, typed by the schema it illustrates. */
export const INSIGHTS_EXAMPLE = {
  from: '2026-11-01',
  to: '2026-11-30',
  today: '2026-11-27',
  completion: {
    overall: rateExample('all', 'all tasks', 19, 14, 0.58),
    byHour: [rateExample('9', '09:00-10:00', 6, 1, 0.79)],
    byWeekday: [rateExample('4', 'Friday', 2, 5, 0.38)],
    bySize: [rateExample('le90', '61-90 min', 2, 7, 0.31)],
    byTag: [rateExample('work', '#work', 11, 9, 0.55)],
    byDeferrals: [rateExample('0', 'never postponed', 15, 6, 0.7)],
    byLoad: [rateExample('5+', '5 or more tasks scheduled that day', 3, 8, 0.33)],
  },
  failureReasons: [
    { reason: 'too_big', count: 6, share: 0.43 },
    { reason: 'no_time', count: 5, share: 0.36 },
  ],
  overcommitment: {
    capacity: 3,
    plannedDays: 18,
    averageScheduled: 4.2,
    averageFinished: 2.6,
    daysOverCapacity: [{ day: '2026-11-13', scheduled: 7, finished: 2 }],
    daysOverCapacityCount: 1,
  },
  calibration: { overall: { samples: 12, ratio: 1.4 }, byTag: [{ tag: 'work', samples: 8, ratio: 1.6 }] },
  streaks: { current: 2, best: 5 },
  patterns: [
    {
      dimension: 'size',
      key: 'le90',
      statement: 'estimated 61-90 min: 2 of 9 done; other tasks: 17 of 24 done',
      rate: 0.31,
      othersRate: 0.69,
      samples: 9,
      otherSamples: 24,
      z: -2.4,
    },
  ],
} satisfies z.output<typeof InsightsResponse>;
