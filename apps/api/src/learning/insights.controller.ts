import { Controller, Get, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GetInsightsQuery } from '@ln/learning/application/get-insights/get-insights.query';
import type { FastifyReply } from 'fastify';
import { type Caller, CurrentCaller } from '../http/auth.guard';
import { ApiProblems } from '../http/openapi';
import { validated } from '../http/validation';
import { INSIGHTS_EXAMPLE, InsightsQueryParams, InsightsResponse } from './insights.schemas';

@ApiTags('insights')
@ApiBearerAuth()
@Controller('v1/insights')
export class InsightsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({
    summary: 'Your patterns: completion by hour, weekday, size, tag and load; failure reasons; overcommitment; estimate calibration; streaks',
    description:
      'From your own outcomes (tasks done, failed or dropped), by the day they were closed, `from`..`to` inclusive (at most 2 years; all time without them). ' +
      'Rates are smoothed toward the population; every figure carries its sample size; a pattern is stated only when the evidence clears the documented thresholds.',
  })
  @ApiResponse({ status: 200, description: 'Your insights', standardSchema: InsightsResponse, example: INSIGHTS_EXAMPLE })
  @ApiProblems(400, 401, 503)
  async get(@CurrentCaller() caller: Caller, @Query(validated(InsightsQueryParams)) q: InsightsQueryParams, @Res({ passthrough: true }) reply: FastifyReply) {
    const json = await this.queries.execute(new GetInsightsQuery(caller.userId, q.from, q.to));
    // The cached string is the response body: no parse, no re-serialisation.
    void reply.type('application/json');
    return json;
  }
}
