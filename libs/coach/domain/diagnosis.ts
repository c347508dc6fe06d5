/**
 * Why a task failed (or keeps being postponed), most likely cause first: what the user said,
 * weighed with their own history. A cause read from the history is claimed only when its
 * comparison clears the thresholds the learning context states patterns with
 * (`evidence.thresholds`, docs/learning.md), a low priority and a tag included; the stated reason
 * and the structural causes (vague wording, postponed N times) need no statistics. Pure and
 * deterministic.
 */
import type { AvoidedSlots, Cause, CauseKind, CoachEvidence, Counts, TaskToCoach } from './coaching.types';
import { confidenceOf, populationBaseRate, roundConfidence } from './evidence';
import { isLocalDay, weekdayOf } from './local-calendar';
import { type Finding, type Split, deferralSplits, hourSplits, loadSplits, prioritySplits, sizeSplits, strongestFinding, weekdaySplits } from './outcome-groups';
import { describeVagueness, signsOf, vaguenessOf } from './wording';

/** The failure reasons a user can state, as causes. */
export const STATED_REASON_KINDS: Readonly<Record<string, CauseKind>> = {
  too_big: 'too_big',
  unclear: 'vague',
  blocked: 'blocked',
  deprioritized: 'low_priority',
  no_time: 'no_time',
  low_energy: 'low_energy',
  forgot: 'forgot',
  interrupted: 'interrupted',
  other: 'other',
};

const STATED_WORDS: Readonly<Record<string, string>> = {
  too_big: 'You said it was too big',
  unclear: 'You said it was unclear',
  blocked: 'You said it was blocked',
  deprioritized: 'You said it was no longer a priority',
  no_time: 'You said there was no time for it',
  low_energy: 'You said you had no energy for it',
  forgot: 'You said you forgot it',
  interrupted: 'You said you were interrupted',
  other: 'You gave another reason',
};

/**
 * How sure the causes are before the data speak. The user's own word is the strongest single
 * signal (0.7): only a large, well-sampled difference in their history (confidence up to 0.95)
 * ranks above it. "Other" says little of what to change (0.4).
 */
export const CONFIDENCE = {
  stated: 0.7,
  statedOther: 0.4,
  /** The trigger itself: postponed again and again, with no reason given. */
  postponedTrigger: 0.6,
  /** A failed task postponed `REPEATED_POSTPONEMENTS` times (+0.05 a further time, at most 0.45). */
  postponedRepeated: 0.3,
  postponedRepeatedMax: 0.45,
  /** Vague wording: 0.1 + 0.15 a sign (no verb, too short or long, no estimate), at most 0.55. */
  vagueBase: 0.1,
  vaguePerSign: 0.15,
  vagueMax: 0.55,
  /** Part of a second, agreeing cause's confidence that closes the gap to 1 (see `agreeing`). */
  agreement: 0.6,
  /** Part of the share of the user's failures given this same reason that closes the gap to 1. */
  habit: 0.3,
} as const;

/** Postponed this many times, a failed task's postponements are a cause by themselves. */
export const REPEATED_POSTPONEMENTS = 2;

/** A stated reason the data can back up with a cause of another kind. */
const AGREEING_KINDS: Readonly<Partial<Record<CauseKind, readonly CauseKind[]>>> = {
  no_time: ['overloaded_day'],
  interrupted: ['overloaded_day'],
  low_energy: ['wrong_time', 'overloaded_day'],
};

/** Between equally confident causes: the stated one, then this order (what most changes the plan first). */
const KIND_ORDER: readonly CauseKind[] = [
  'blocked',
  'vague',
  'too_big',
  'overloaded_day',
  'wrong_time',
  'wrong_weekday',
  'postponed',
  'low_priority',
  'tag',
  'no_time',
  'low_energy',
  'interrupted',
  'forgot',
  'other',
];

/** Ranks the likely causes of a task's failure (or postponement), most likely first. */
export function diagnose(task: TaskToCoach, evidence: CoachEvidence): Cause[] {
  const causes = new Map<CauseKind, Cause>();
  const add = (cause: Cause | null) => {
    if (!cause) return;
    const same = causes.get(cause.kind);
    causes.set(cause.kind, same ? mergeCauses(same, cause) : cause);
  };
  for (const cause of causesFromHistory(task, evidence)) add(cause);
  for (const cause of structuralCauses(task)) add(cause);
  const stated = statedCause(task, evidence);
  if (stated) {
    add(stated);
    const merged = causes.get(stated.kind)!;
    const agreeing = (AGREEING_KINDS[stated.kind] ?? []).map((k) => causes.get(k)?.confidence ?? 0);
    causes.set(stated.kind, { ...merged, confidence: agreeing.reduce(raisedBy, merged.confidence) });
  }
  return [...causes.values()].map((c) => heedingFeedback(c, evidence)).sort(byLikelihood);
}

/** Plans turned down before a cause is trusted less: at least this many, and more than were accepted. */
const FEEDBACK_MIN_REJECTED = 2;

/**
 * A cause the user keeps turning plans down for is trusted less (#11: a rejection is an outcome):
 * its confidence scaled by (accepted + 1) / (rejected + 1) once they rejected at least two plans
 * built on it and more than they accepted, and the explanation says so. What the user states now
 * is never discounted.
 */
function heedingFeedback(cause: Cause, evidence: CoachEvidence): Cause {
  const f = evidence.planFeedback?.[cause.kind];
  if (!f || cause.stated || f.rejected < FEEDBACK_MIN_REJECTED || f.rejected <= f.accepted) return cause;
  const plans = f.accepted + f.rejected;
  return {
    ...cause,
    confidence: roundConfidence(cause.confidence * ((f.accepted + 1) / (f.rejected + 1))),
    explanation: `${cause.explanation} (though you turned down ${f.rejected} of the ${plans} plans built on it)`,
  };
}

function byLikelihood(a: Cause, b: Cause): number {
  return b.confidence - a.confidence || Number(b.stated) - Number(a.stated) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
}

/** `base` raised by a second cause that points the same way, never past 0.97. */
function raisedBy(base: number, other: number): number {
  return roundConfidence(base + (1 - base) * other * CONFIDENCE.agreement);
}

/**
 * Two findings of the same kind (the user said it and the data show it): one cause, more confident.
 * Only kinds without time windows meet here (too big, vague, postponed, low priority): the kinds
 * that carry `avoid` (wrong time, wrong weekday, overloaded day) come from the history alone, once
 * each, so a merge has no windows to join.
 */
function mergeCauses(a: Cause, b: Cause): Cause {
  const [first, second] = a.confidence >= b.confidence ? [a, b] : [b, a];
  const stated = a.stated ? a : b.stated ? b : null;
  const explanation = stated ? [stated, stated === a ? b : a] : [first, second];
  return {
    kind: a.kind,
    confidence: raisedBy(first.confidence, second.confidence),
    stated: a.stated || b.stated,
    explanation: explanation.map((c) => c.explanation).join('. '),
    evidence: a.evidence ?? b.evidence,
  };
}

// ------------------------------------------------------------------ the stated reason

/** The reason the user gave, as a cause; none when the trigger is a postponement (nothing was said). */
export function statedCause(task: TaskToCoach, evidence: CoachEvidence): Cause | null {
  if (task.trigger === 'postponed' || task.reason === null) return null;
  const reason = STATED_REASON_KINDS[task.reason] ? task.reason : 'other';
  const kind = STATED_REASON_KINDS[reason]!;
  const base = reason === 'other' ? CONFIDENCE.statedOther : CONFIDENCE.stated;
  const habit = habitualShare(reason, evidence);
  const confidence = habit ? roundConfidence(base + (1 - base) * habit.share * CONFIDENCE.habit) : base;
  const habitText = habit ? `, as for ${habit.count} of your ${habit.failed} failed tasks` : '';
  return { kind, confidence, stated: true, explanation: `${STATED_WORDS[reason]}${habitText}`, evidence: null };
}

/** How often the user gave this reason before, once they have failed enough tasks for it to mean something. */
function habitualShare(reason: string, evidence: CoachEvidence): { share: number; count: number; failed: number } | null {
  const failed = evidence.user.all.failed;
  const count = evidence.user.reason[reason] ?? 0;
  if (failed < evidence.thresholds.minSamples || count < 2) return null;
  return { share: Math.min(1, count / failed), count, failed };
}

// ------------------------------------------------------------------ structural causes

/** Causes read from the task alone: vague wording, repeated postponement. */
export function structuralCauses(task: TaskToCoach): Cause[] {
  return [vagueWording(task), postponedAgain(task)].filter((c): c is Cause => c !== null);
}

function vagueWording(task: TaskToCoach): Cause | null {
  const v = vaguenessOf(task.title, task.estimateMinutes);
  const signs = signsOf(v);
  if (signs === 0) return null;
  const confidence = roundConfidence(Math.min(CONFIDENCE.vagueMax, CONFIDENCE.vagueBase + CONFIDENCE.vaguePerSign * signs));
  return { kind: 'vague', confidence, stated: false, explanation: capitalize(describeVagueness(v)), evidence: null };
}

function postponedAgain(task: TaskToCoach): Cause | null {
  const times = Math.max(0, Math.floor(task.deferrals));
  const timesText = `${times} time${times === 1 ? '' : 's'}`;
  if (task.trigger === 'postponed') {
    return { kind: 'postponed', confidence: CONFIDENCE.postponedTrigger, stated: false, explanation: `Postponed ${timesText} without being done`, evidence: null };
  }
  if (times < REPEATED_POSTPONEMENTS) return null;
  const confidence = roundConfidence(Math.min(CONFIDENCE.postponedRepeatedMax, CONFIDENCE.postponedRepeated + 0.05 * (times - REPEATED_POSTPONEMENTS)));
  return { kind: 'postponed', confidence, stated: false, explanation: `Postponed ${timesText} before it failed`, evidence: null };
}


// ------------------------------------------------------------------ causes from the user's history

/**
 * The comparisons of the user's outcomes that hold the task, each claimed only when the task's
 * side does worse and clears the thresholds: its size and larger, its hours, its weekday, its
 * day's load, its postponements.
 */
export function causesFromHistory(task: TaskToCoach, evidence: CoachEvidence): Cause[] {
  const { user, thresholds } = evidence;
  const prior = populationBaseRate(evidence.population);
  const finding = (splits: readonly Split[], counts: Readonly<Record<string, Counts>>) => strongestFinding(splits, counts, prior, thresholds);
  const causes: Cause[] = [];
  const estimate = task.estimateMinutes;
  if (estimate !== null && estimate > 0) {
    const f = finding(sizeSplits(estimate), user.size);
    if (f) causes.push(fromFinding('too_big', f, evidence));
  }
  if (task.localHour !== null && Number.isInteger(task.localHour) && task.localHour >= 0 && task.localHour <= 23) {
    const f = finding(hourSplits(task.localHour), user.hour);
    if (f) causes.push(fromFinding('wrong_time', f, evidence, { hours: f.split.groupKeys.map(Number), weekdays: [], loadFrom: null }));
  }
  const day = task.scheduledDate !== null && isLocalDay(task.scheduledDate) ? task.scheduledDate : null;
  if (day) {
    const f = finding(weekdaySplits(weekdayOf(day)), user.weekday);
    if (f) causes.push(fromFinding('wrong_weekday', f, evidence, { hours: [], weekdays: f.split.groupKeys.map(Number), loadFrom: null }));
  }
  const load = task.dayLoad ?? (day ? evidence.dayLoads[day] : undefined) ?? null;
  if (load !== null && load >= 2) {
    const f = finding(loadSplits(load, user.load), user.load);
    if (f) causes.push(overloadedDay(f, load, evidence));
  }
  if (task.deferrals >= 1) {
    const f = finding(deferralSplits(task.deferrals), user.deferrals);
    if (f) causes.push(fromFinding('postponed', f, evidence));
  }
  // A low priority is a cause only where this user's own low-priority tasks fail: most tasks keep
  // the default (4), so the number alone says nothing.
  if (user.priority && task.priority >= 2) {
    const f = finding(prioritySplits(task.priority), user.priority);
    if (f) causes.push(fromFinding('low_priority', f, evidence));
  }
  const tagged = user.tag ? tagFinding(task.tags, user.tag, user.all, finding) : null;
  if (tagged) causes.push(fromFinding('tag', tagged, evidence));
  return causes;
}

/**
 * The task's tag whose tasks this user fails most clearly against the rest of their tasks:
 * "tasks tagged "admin": 2 of 12 done; other tasks: 25 of 30".
 */
function tagFinding(
  tags: readonly string[],
  byTag: Readonly<Record<string, Counts>>,
  all: Counts,
  finding: (splits: readonly Split[], counts: Readonly<Record<string, Counts>>) => Finding | null,
): Finding | null {
  const counts: Record<string, Counts> = Object.create(null);
  const splits: Split[] = [];
  for (const tag of [...new Set(tags.map((t) => t.toLowerCase()))].sort()) {
    if (!Object.hasOwn(byTag, tag)) continue;
    const own = byTag[tag]!;
    counts[`in:${tag}`] = own;
    counts[`out:${tag}`] = { done: Math.max(0, all.done - own.done), failed: Math.max(0, all.failed - own.failed) };
    splits.push({ groupKeys: [`in:${tag}`], restKeys: [`out:${tag}`], groupLabel: `tasks tagged "${tag}"`, restLabel: 'other tasks' });
  }
  return splits.length ? finding(splits, counts) : null;
}

/** "tasks over 90 min: 2 of 9 done; 90 min or less: 17 of 24" */
export function describeFinding(f: Finding): string {
  const { group, rest } = f.comparison;
  return `${f.split.groupLabel}: ${group.done} of ${group.done + group.failed} done; ${f.split.restLabel}: ${rest.done} of ${rest.done + rest.failed}`;
}

function fromFinding(kind: CauseKind, f: Finding, evidence: CoachEvidence, avoid?: AvoidedSlots, lead?: string): Cause {
  const numbers = describeFinding(f);
  return {
    kind,
    confidence: confidenceOf(f.comparison, evidence.thresholds),
    stated: false,
    explanation: capitalize(lead ? `${lead}; ${numbers}` : numbers),
    evidence: {
      group: { label: f.split.groupLabel, done: f.comparison.group.done, samples: f.comparison.group.done + f.comparison.group.failed },
      rest: { label: f.split.restLabel, done: f.comparison.rest.done, samples: f.comparison.rest.done + f.comparison.rest.failed },
    },
    ...(avoid ? { avoid } : {}),
  };
}

function overloadedDay(f: Finding, load: number, evidence: CoachEvidence): Cause {
  const capacity = evidence.capacity;
  const usual = capacity === null ? '' : load > capacity ? `, more than the ${formatCount(capacity)} you usually finish` : ` (you usually finish ${formatCount(capacity)})`;
  const lead = `${load} tasks were scheduled that day${usual}`;
  return fromFinding('overloaded_day', f, evidence, { hours: [], weekdays: [], loadFrom: f.split.loadFrom ?? load }, lead);
}

function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function capitalize(text: string): string {
  return text.length ? text[0]!.toUpperCase() + text.slice(1) : text;
}
