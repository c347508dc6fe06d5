import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DecidePlan } from '@ln/coach/application/decide-plan/decide-plan.service';
import { ReadPlans } from '@ln/coach/application/read-plans/read-plans.service';
import { RequestPlan } from '@ln/coach/application/request-plan/request-plan.service';
import type { FastifyReply } from 'fastify';
import { type Caller, CurrentCaller } from '../http/auth.guard';
import { ApiProblems } from '../http/openapi';
import { validated } from '../http/validation';
import { TaskIdParam } from '../tasks/task.schemas';
import { PENDING_PLAN_EXAMPLE, PLAN_EXAMPLE, PLAN_LIST_EXAMPLE, PlanIdParam, PlanListResponse, PlanResponse, RejectPlanRequest, planView } from './plans.schemas';
import { TaskToCoachNotFound } from '@ln/coach/application/read-plans/read-plans.service';
import { PlanNotFound, PlanNotOpen, PlanNotReady, TooManyPlanRequests } from '@ln/coach/domain/plan.aggregate';
import { ConcurrentModification } from '@ln/kernel/application/application.errors';

/** Plans are made by the worker (on a failure, a third postponement, or a request); the api reads and decides them. */
@ApiTags('coach')
@ApiBearerAuth()
@Controller('v1')
export class PlansController {
  constructor(
    private readonly reads: ReadPlans,
    private readonly requests: RequestPlan,
    private readonly decisions: DecidePlan,
  ) {}

  @Get('tasks/:id/plans')
  @ApiOperation({ summary: "A task's plans, newest first", description: 'Made within seconds of a failure or a third postponement, or on request.' })
  @ApiResponse({ status: 200, description: 'Its plans', standardSchema: PlanListResponse, example: PLAN_LIST_EXAMPLE })
  @ApiProblems(400, 401, new TaskToCoachNotFound(), 503)
  async forTask(@CurrentCaller() caller: Caller, @Param('id', validated(TaskIdParam)) id: string): Promise<PlanListResponse> {
    return { items: (await this.reads.forTask(caller.userId, id)).map((p) => planView(p.state)) };
  }

  @Post('tasks/:id/plans')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a new plan',
    description: 'Answers 202 with the plan `pending`; the worker makes it within seconds (read it at Location). Rate-limited per user (429 with Retry-After).',
  })
  @ApiResponse({
    status: 202,
    standardSchema: PlanResponse,
    example: PENDING_PLAN_EXAMPLE,
    description: 'Asked for; read it at Location',
    headers: { Location: { description: 'The plan: /v1/plans/{id}', schema: { type: 'string', example: `/v1/plans/${PLAN_EXAMPLE.id}` }, required: true } },
  })
  @ApiProblems(400, 401, new TaskToCoachNotFound(), new TooManyPlanRequests(600), 503)
  async request(@CurrentCaller() caller: Caller, @Param('id', validated(TaskIdParam)) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<PlanResponse> {
    const plan = await this.requests.request(caller.userId, id);
    void reply.header('location', `/v1/plans/${plan.state.id}`);
    return planView(plan.state);
  }

  @Get('plans/:id')
  @ApiOperation({ summary: 'A plan' })
  @ApiResponse({ status: 200, description: 'The plan', standardSchema: PlanResponse, example: PLAN_EXAMPLE })
  @ApiProblems(400, 401, new PlanNotFound(), 503)
  async get(@CurrentCaller() caller: Caller, @Param('id', validated(PlanIdParam)) id: string): Promise<PlanResponse> {
    return planView((await this.reads.get(caller.userId, id)).state);
  }

  @Post('plans/:id/accept')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Accept a plan: its steps become tasks',
    description:
      'Creates the steps as tasks under the re-planned task (`replanOf` names it), in one transaction with the plan, in both write paths. ' +
      'Accepting again answers the accepted plan and creates nothing; a superseded or rejected plan is 409 `plan_not_open`, a pending one 409 `plan_not_ready`.',
  })
  @ApiResponse({ status: 200, description: 'Accepted', standardSchema: PlanResponse, example: { ...PLAN_EXAMPLE, status: 'accepted', decidedAt: '2026-11-26T19:02:45.318Z' } })
  @ApiProblems(400, 401, new PlanNotFound(), new PlanNotOpen('superseded', 'accepted'), new PlanNotReady(), new ConcurrentModification('plan'), 503)
  async accept(@CurrentCaller() caller: Caller, @Param('id', validated(PlanIdParam)) id: string): Promise<PlanResponse> {
    return planView((await this.decisions.accept(caller.userId, id)).state);
  }

  @Post('plans/:id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a plan, optionally saying why', description: 'Rejecting again answers the rejected plan.' })
  @ApiResponse({
    status: 200,
    description: 'Rejected',
    standardSchema: PlanResponse,
    example: { ...PLAN_EXAMPLE, status: 'rejected', feedback: 'Mornings do not work for me this week', decidedAt: '2026-11-26T19:02:45.318Z' },
  })
  @ApiProblems(400, 401, new PlanNotFound(), new PlanNotOpen('accepted', 'rejected'), new ConcurrentModification('plan'), 503)
  async reject(@CurrentCaller() caller: Caller, @Param('id', validated(PlanIdParam)) id: string, @Body(validated(RejectPlanRequest)) body: RejectPlanRequest): Promise<PlanResponse> {
    return planView((await this.decisions.reject(caller.userId, id, body?.feedback ?? null)).state);
  }
}
