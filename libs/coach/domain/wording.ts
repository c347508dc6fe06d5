/**
 * Whether a task's wording says what to do. A title that names a thing ("Taxes", "Website")
 * rather than an action, one too short to say what done looks like, or one so long it is several
 * tasks, and a task without an estimate, are the usual signs of a task nobody can start.
 * Structural: read from the task itself, no statistics needed.
 */

/**
 * Common English imperative verbs a task title starts with. A title whose first word is not here
 * is treated as starting with a noun-like word (verb-less). Lower case; compared after dropping
 * punctuation.
 */
export const IMPERATIVE_VERBS: ReadonlySet<string> = new Set([
  'add', 'answer', 'apply', 'arrange', 'ask', 'assemble', 'attend', 'back', 'bake', 'book', 'build', 'buy', 'calculate',
  'call', 'cancel', 'change', 'check', 'choose', 'clean', 'clear', 'close', 'code', 'collect', 'compare', 'complete',
  'compose', 'configure', 'confirm', 'contact', 'cook', 'copy', 'create', 'debug', 'decide', 'declutter', 'define',
  'delete', 'deliver', 'deploy', 'design', 'develop', 'do', 'download', 'draft', 'draw', 'drop', 'dust', 'edit', 'email',
  'e-mail', 'empty', 'enroll', 'estimate', 'exercise', 'explain', 'export', 'file', 'fill', 'finish', 'fix', 'follow',
  'gather', 'get', 'give', 'go', 'hang', 'help', 'implement', 'import', 'install', 'invite', 'iron', 'join', 'learn',
  'list', 'look', 'mail', 'make', 'meet', 'message', 'migrate', 'mop', 'move', 'note', 'order', 'organise', 'organize',
  'outline', 'pack', 'paint', 'pay', 'phone', 'pick', 'plan', 'practice', 'practise', 'prepare', 'print', 'proofread',
  'publish', 'put', 'read', 'rebuild', 'record', 'refactor', 'register', 'remove', 'renew', 'repair', 'replace', 'reply',
  'report', 'request', 'research', 'reserve', 'return', 'review', 'revise', 'rewrite', 'ring', 'run', 'schedule', 'scan',
  'sell', 'send', 'set', 'setup', 'share', 'ship', 'shop', 'sign', 'sort', 'start', 'study', 'submit', 'summarise',
  'summarize', 'take', 'talk', 'test', 'text', 'tidy', 'translate', 'try', 'unpack', 'update', 'upload',
  'vacuum', 'visit', 'wash', 'watch', 'water', 'write',
]);

/** Leading words that precede the verb without being one ("please call", "need to write"). */
const LEADING_FILLERS: ReadonlySet<string> = new Set(['please', 'to', 'must', 'should', 'need', 'needs', 'finally', 'quickly', 'todo', 'then']);

/** Under 3 words or 12 characters a title rarely says what done looks like. */
export const SHORT_TITLE = { minWords: 3, minChars: 12 } as const;
/** Over 12 words a title is usually several tasks or a note, not a next action. */
export const LONG_TITLE_WORDS = 12;

/** The words of a title, lower case, without punctuation (letters, digits, inner hyphens and apostrophes). */
export function wordsOf(title: string): string[] {
  return (title.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? []).slice(0, 200);
}

/** The first word that is not a filler ("please", "need to"), or null for a title without words. */
export function leadingWord(title: string): string | null {
  const words = wordsOf(title);
  return words.find((w) => !LEADING_FILLERS.has(w)) ?? null;
}

export function startsWithVerb(title: string): boolean {
  const first = leadingWord(title);
  return first !== null && IMPERATIVE_VERBS.has(first);
}

export interface Vagueness {
  readonly verbless: boolean;
  readonly tooShort: boolean;
  readonly tooLong: boolean;
  readonly noEstimate: boolean;
}

export function vaguenessOf(title: string, estimateMinutes: number | null): Vagueness {
  const words = wordsOf(title);
  return {
    verbless: !startsWithVerb(title),
    tooShort: words.length < SHORT_TITLE.minWords || title.trim().length < SHORT_TITLE.minChars,
    tooLong: words.length > LONG_TITLE_WORDS,
    noEstimate: estimateMinutes === null || !(estimateMinutes > 0),
  };
}

export function signsOf(v: Vagueness): number {
  return [v.verbless, v.tooShort, v.tooLong, v.noEstimate].filter(Boolean).length;
}

/** What is vague about it, in plain words (no user text). */
export function describeVagueness(v: Vagueness): string {
  const parts = [
    v.verbless ? 'the title does not start with an action (a verb)' : null,
    v.tooShort ? 'the title is very short' : null,
    v.tooLong ? 'the title is very long (several tasks in one?)' : null,
    v.noEstimate ? 'it has no estimate' : null,
  ].filter((p): p is string => p !== null);
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
