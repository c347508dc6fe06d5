/**
 * The built-in wording of a plan's steps: templates by the kind of task (guessed from its title's
 * words) and the most likely cause. The task's own title appears only quoted and truncated, as
 * data: nothing in it is read as an instruction (its words only pick among these templates), so
 * no title changes a plan's shape.
 */
import type { Cause, TaskToCoach } from './coaching.types';
import { type OpeningStep, openingIsWork, openingStepFor } from './opening-step';
import { leadingWord, wordsOf } from './wording';

export const TASK_KINDS = ['writing', 'reading', 'cleaning', 'calling', 'building', 'generic'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Longest step title. */
export const MAX_TITLE_LENGTH = 200;
/** Longest part of the task's title quoted in a step's title. */
export const QUOTED_TITLE_LENGTH = 60;

/** Words that say what kind of work a task is: its first verb first, then any word of its title. */
const KIND_WORDS: Readonly<Record<Exclude<TaskKind, 'generic'>, { readonly verbs: readonly string[]; readonly nouns: readonly string[] }>> = {
  writing: {
    verbs: ['write', 'draft', 'edit', 'rewrite', 'proofread', 'compose', 'outline', 'summarize', 'summarise', 'blog', 'document', 'translate'],
    nouns: ['essay', 'article', 'report', 'blog', 'post', 'letter', 'chapter', 'thesis', 'paper', 'proposal', 'newsletter', 'draft', 'cv', 'resume', 'speech'],
  },
  reading: {
    verbs: ['read', 'study', 'learn', 'research', 'watch', 'practice', 'practise', 'revise', 'review', 'memorize', 'memorise'],
    nouns: ['book', 'course', 'lesson', 'lecture', 'exam', 'homework', 'tutorial', 'paper', 'podcast', 'documentation', 'docs'],
  },
  cleaning: {
    verbs: ['clean', 'tidy', 'organize', 'organise', 'sort', 'declutter', 'wash', 'vacuum', 'mop', 'dust', 'pack', 'unpack', 'iron', 'file', 'arrange', 'empty'],
    nouns: ['kitchen', 'garage', 'closet', 'wardrobe', 'laundry', 'dishes', 'desk', 'room', 'bathroom', 'inbox', 'attic', 'basement', 'fridge'],
  },
  calling: {
    verbs: ['call', 'phone', 'ring', 'email', 'e-mail', 'mail', 'text', 'message', 'reply', 'contact', 'ask', 'invite', 'follow'],
    nouns: ['call', 'email', 'e-mail', 'emails', 'phone', 'reply', 'dentist', 'doctor', 'appointment', 'meeting', 'landlord', 'bank'],
  },
  building: {
    verbs: ['build', 'code', 'implement', 'fix', 'refactor', 'deploy', 'debug', 'develop', 'program', 'install', 'configure', 'setup', 'set', 'repair', 'assemble', 'migrate', 'test'],
    nouns: ['app', 'website', 'site', 'bug', 'feature', 'api', 'script', 'server', 'prototype', 'release', 'pipeline', 'furniture', 'shelf', 'bike'],
  },
};

/** The kind of work a task is, from its title: its first verb, else any telling word, else generic. */
export function taskKindOf(title: string): TaskKind {
  const kinds = Object.keys(KIND_WORDS) as Exclude<TaskKind, 'generic'>[];
  const first = leadingWord(title);
  const byVerb = kinds.find((k) => first !== null && KIND_WORDS[k].verbs.includes(first));
  if (byVerb) return byVerb;
  const words = wordsOf(title);
  return kinds.find((k) => words.some((w) => KIND_WORDS[k].nouns.includes(w) || KIND_WORDS[k].verbs.includes(w))) ?? 'generic';
}

/** How each kind of work is sliced, in words. */
const SLICES: Readonly<Record<TaskKind, { readonly hint: string | null; readonly next: string; readonly last: string }>> = {
  writing: { hint: 'a rough outline', next: 'write the next section of', last: 'finish and proofread' },
  reading: { hint: 'the first section only', next: 'work through the next part of', last: 'finish and note what you learned from' },
  cleaning: { hint: 'one area only', next: 'do the next area of', last: 'finish and put away the rest of' },
  calling: { hint: 'note what to ask, then the first call or message', next: 'make the next call or write the next message for', last: 'wrap up and note the outcome of' },
  building: { hint: 'the smallest piece that works', next: 'build the next piece of', last: 'finish, test and wrap up' },
  generic: { hint: null, next: 'do the next slice of', last: 'finish' },
};

/** The task's title as data in a step's title: one line, no double quotes, at most `QUOTED_TITLE_LENGTH` characters, quoted. */
export function quoteTitle(title: string): string {
  const clean = oneLine(title).replace(/"/g, "'");
  if (clean.length === 0) return 'this task';
  if (clean.length <= QUOTED_TITLE_LENGTH) return `"${clean}"`;
  const cut = clean.slice(0, QUOTED_TITLE_LENGTH - 1);
  const atWord = cut.lastIndexOf(' ');
  return `"${(atWord >= QUOTED_TITLE_LENGTH / 2 ? cut.slice(0, atWord) : cut).trimEnd()}…"`;
}

/** Text as one clean line: control and format characters (line breaks, bidi overrides) become spaces, runs of space one. */
function oneLine(text: string): string {
  return text.replace(/[\p{C}\p{Zl}\p{Zp}]/gu, ' ').replace(/\s+/g, ' ').trim();
}

/** A step title as stored: one line, never empty (`fallback` then), at most `MAX_TITLE_LENGTH` characters. */
export function safeStepTitle(raw: unknown, fallback: string): string {
  const clean = typeof raw === 'string' ? oneLine(raw) : '';
  const title = clean.length > 0 ? clean : oneLine(fallback) || 'Next step';
  return title.length <= MAX_TITLE_LENGTH ? title : `${title.slice(0, MAX_TITLE_LENGTH - 1).trimEnd()}…`;
}

function openingTitle(opening: 'unblock' | 'define' | 'decide', quoted: string): string {
  switch (opening) {
    case 'unblock':
      return `Find out what unblocks ${quoted}: who or what it waits for, and ask`;
    case 'define':
      return `Write down what done means for ${quoted}, and its first action`;
    case 'decide':
      return `Decide on ${quoted}: keep it and reschedule it for later, or drop it`;
  }
}

/**
 * The title of part `part` of `parts` of the work. The first part answers the cause when it opens
 * the plan; after a step before the work (unblock, define, decide) it simply starts the work.
 */
function partTitle(kind: TaskKind, part: number, parts: number, opening: OpeningStep, quoted: string): string {
  const slices = SLICES[kind];
  const hint = slices.hint ? ` (${slices.hint})` : '';
  const text =
    part === 1
      ? opening === 'first_slice'
        ? `do the first concrete slice of ${quoted}${hint}`
        : opening === 'short_slice'
          ? `start ${quoted} with a short first slice${hint}`
          : parts === 1
            ? `do ${quoted}`
            : `start ${quoted}${hint}`
      : part === parts
        ? `${slices.last} ${quoted}`
        : `${slices.next} ${quoted}`;
  return parts > 1 ? `Part ${part} of ${parts}: ${text}` : text[0]!.toUpperCase() + text.slice(1);
}

/**
 * The built-in wording source: `count` step titles for a task of `kind` whose most likely cause is
 * `cause`. The first answers the cause (a step before the work for blocked, vague and
 * low-priority tasks; else the first slice); the work's slices are numbered "Part 2 of 4: ...".
 */
export function builtInTitles(kind: string, count: number, task: TaskToCoach, cause: Cause | undefined): string[] {
  const taskKind: TaskKind = (TASK_KINDS as readonly string[]).includes(kind) ? (kind as TaskKind) : 'generic';
  const quoted = quoteTitle(task.title);
  const opening = openingStepFor(cause);
  const n = Math.max(0, Math.floor(count));
  const titles: string[] = [];
  if (n > 0 && !openingIsWork(opening)) titles.push(openingTitle(opening as 'unblock' | 'define' | 'decide', quoted));
  const parts = n - titles.length;
  for (let part = 1; part <= parts; part += 1) titles.push(partTitle(taskKind, part, parts, opening, quoted));
  return titles.map((t) => safeStepTitle(t, 'Next step'));
}
