import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@ln/kernel/application/ports/clock.port';
import { READ_CACHE, type ReadCache } from '@ln/kernel/application/ports/read-cache.port';
import { computeInsights } from '../../domain/insights';
import { localDayAndHour } from '../../domain/local-time';
import { LEARNING_HISTORY, type LearningHistory } from '../ports/learning-history.port';
import { LEARNING_OWNERS, type LearningOwners } from '../ports/owner-clock.port';
import { GetInsightsQuery } from './get-insights.query';

/**
 * Served from the projection's grouped counts through the cache (invalidated by the projection),
 * never from raw tasks. A hit reads nothing else: the key names the current UTC hour, so an entry
 * is refilled at least hourly and the current streak follows the user's local midnight within
 * the hour without a write.
 */
@QueryHandler(GetInsightsQuery)
export class GetInsightsHandler implements IQueryHandler<GetInsightsQuery> {
  constructor(
    @Inject(LEARNING_HISTORY) private readonly history: LearningHistory,
    @Inject(LEARNING_OWNERS) private readonly owners: LearningOwners,
    @Inject(READ_CACHE) private readonly cache: ReadCache,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ userId, from, to }: GetInsightsQuery): Promise<string> {
    const now = this.clock.now().toISOString();
    return this.cache.read(userId, `insights:${from ?? ''}:${to ?? ''}:${now.slice(0, 13)}`, async () => {
      const timezone = (await this.owners.timezoneOf(userId)) ?? 'UTC';
      const today = localDayAndHour(now, timezone).day;
      const [cells, population] = await Promise.all([this.history.cells(userId, { from, to }), this.history.population()]);
      return JSON.stringify({ from: from ?? null, to: to ?? null, today, ...computeInsights({ cells, population, today }) });
    });
  }
}
