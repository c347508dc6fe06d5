import { InvalidValue, rejectNul } from '@ln/kernel/domain/domain-error.base';

/** The limits of a task's details: the domain enforces them, the HTTP schemas and the API docs repeat them from here. */
export const TASK_LIMITS = {
  titleMax: 500,
  notesMax: 10_000,
  tagsMax: 20,
  tagMax: 50,
  estimateMin: 1,
  estimateMax: 1440,
  /** The minutes a completed task actually took, as its owner reports them: the same day-long range as the estimate. */
  actualMinutesMin: 1,
  actualMinutesMax: 1440,
  priorityMin: 1,
  priorityMax: 4,
  maxDepth: 2,
} as const;

/** 1 is the most important, 4 the least (the default). */
export type Priority = 1 | 2 | 3 | 4;
export const DEFAULT_PRIORITY: Priority = TASK_LIMITS.priorityMax;

export function parseTitle(raw: string): string {
  const title = typeof raw === 'string' ? raw.trim() : '';
  if (title.length === 0 || title.length > TASK_LIMITS.titleMax) {
    throw new InvalidValue('invalid_title', 'title', `must be 1 to ${TASK_LIMITS.titleMax} characters`);
  }
  rejectNul(title, 'title');
  return title;
}

export function parseNotes(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined || raw === '') return null;
  if (typeof raw !== 'string' || raw.length > TASK_LIMITS.notesMax) {
    throw new InvalidValue('invalid_notes', 'notes', `must be at most ${TASK_LIMITS.notesMax} characters`);
  }
  rejectNul(raw, 'notes');
  return raw;
}

/** Tags are trimmed, compared case-insensitively and kept once each, in the order given. */
export function parseTags(raw: readonly string[] | null | undefined): string[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length > TASK_LIMITS.tagsMax) {
    throw new InvalidValue('invalid_tags', 'tags', `must be at most ${TASK_LIMITS.tagsMax} tags`);
  }
  const seen = new Set<string>();
  const tags: string[] = [];
  raw.forEach((t, i) => {
    const tag = typeof t === 'string' ? t.trim() : '';
    if (tag.length === 0 || tag.length > TASK_LIMITS.tagMax) {
      throw new InvalidValue('invalid_tags', `tags.${i}`, `must be 1 to ${TASK_LIMITS.tagMax} characters`);
    }
    rejectNul(tag, `tags.${i}`);
    const key = tag.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      tags.push(tag);
    }
  });
  return tags;
}

export function parseEstimate(raw: number | null | undefined): number | null {
  if (raw === null || raw === undefined) return null;
  if (!Number.isInteger(raw) || raw < TASK_LIMITS.estimateMin || raw > TASK_LIMITS.estimateMax) {
    throw new InvalidValue('invalid_estimate', 'estimateMinutes', `must be a whole number of minutes from ${TASK_LIMITS.estimateMin} to ${TASK_LIMITS.estimateMax}`);
  }
  return raw;
}

/** The minutes a task actually took (given on completion); absent is null. */
export function parseActualMinutes(raw: number | null | undefined): number | null {
  if (raw === null || raw === undefined) return null;
  if (!Number.isInteger(raw) || raw < TASK_LIMITS.actualMinutesMin || raw > TASK_LIMITS.actualMinutesMax) {
    throw new InvalidValue(
      'invalid_actual_minutes',
      'actualMinutes',
      `must be a whole number of minutes from ${TASK_LIMITS.actualMinutesMin} to ${TASK_LIMITS.actualMinutesMax}`,
    );
  }
  return raw;
}

export function parsePriority(raw: number | null | undefined): Priority {
  if (raw === null || raw === undefined) return DEFAULT_PRIORITY;
  if (!Number.isInteger(raw) || raw < TASK_LIMITS.priorityMin || raw > TASK_LIMITS.priorityMax) {
    throw new InvalidValue('invalid_priority', 'priority', `must be ${TASK_LIMITS.priorityMin} (most important) to ${TASK_LIMITS.priorityMax}`);
  }
  return raw as Priority;
}
