import { AsyncLocalStorage } from 'node:async_hooks';
import type { TaskPlan } from './task-plan';

/**
 * What a task command runs inside when it is not an ordinary synchronous write:
 * - `now`: the instant the command was accepted. A queued command is stamped with the api's time,
 *   in the api's plan and again in the worker, so the resource the 202 announced is the resource
 *   the worker stores (same timestamps, same version).
 * - `plan`: the api is only planning the command (queued path): reads come from the cache and the
 *   pending overlay, and nothing is written.
 */
export interface CommandScope {
  readonly now?: Date;
  readonly plan?: TaskPlan;
  /** Timezones already read in this worker batch (one read per user per batch). */
  readonly timezones?: Map<string, Promise<string>>;
}

export const commandScope = new AsyncLocalStorage<CommandScope>();
