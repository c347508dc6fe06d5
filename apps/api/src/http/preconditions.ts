import { VersionMismatch } from '@ln/tasks/domain/task.errors';

/**
 * The version a write is conditioned on, from If-Match. Our ETags are the task's version in
 * quotes; `*` (any current version) and an absent header impose nothing. A header that names no
 * version of ours can never match, which is a 412 like any other mismatch.
 */
export function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const m = /^\s*"(\d{1,9})"\s*$/.exec(ifMatch);
  if (!m) throw new VersionMismatch(-1, -1);
  return Number(m[1]);
}
