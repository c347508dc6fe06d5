import { coachContext } from '@ln/coach/coach.module';
import { identityContext } from '@ln/identity/identity.module';
import type { BoundedContext } from '@ln/kernel/kernel.module';
import { learningContext } from '@ln/learning/learning.module';
import { liveContext } from '@ln/live/live.module';
import { tasksContext } from '@ln/tasks/tasks.module';

/**
 * The bounded contexts this deployment runs. Adding a context is adding its folder under libs/
 * and one line here (docs/architecture.md walks through it).
 */
export const CONTEXTS: readonly BoundedContext[] = [identityContext, tasksContext, learningContext, coachContext, liveContext];

/** Every context's TypeORM entity schemas (for tools and tests that open the database themselves). */
export const CONTEXT_ENTITIES = CONTEXTS.flatMap((c) => c.entities ?? []);

/** Every context's own migrations (the kernel's founding chain is always applied). */
export const CONTEXT_MIGRATIONS = CONTEXTS.flatMap((c) => c.migrations ?? []);
