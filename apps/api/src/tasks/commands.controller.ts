import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GetCommandQuery } from '@ln/tasks/application/queued-writes/get-command/get-command.query';
import { type Caller, CurrentCaller } from '../http/auth.guard';
import { validated } from '../http/validation';
import { ApiProblems } from '../http/openapi';
import { STATUS_BY_KIND } from '../http/http-errors';
import { problem } from '../http/problem';
import { COMMAND_STATUS_EXAMPLE, CommandIdParam, CommandStatusResponse } from './command.schemas';
import { CommandNotFound } from '@ln/tasks/application/queued-writes/get-command/get-command.handler';

@ApiTags('commands')
@ApiBearerAuth()
@Controller('v1/commands')
export class CommandsController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({
    summary: 'Where a queued write stands',
    description:
      'The Command-Id of a 202: `accepted` (in the broker), `applied`, or `rejected` with the problem a synchronous write would have answered. ' +
      'A decided command is remembered for `COMMAND_INBOX_RETENTION_SECONDS` (a week by default); after that it is 404 `command_not_found`, as an unknown id.',
  })
  @ApiResponse({ status: 200, description: 'Where it stands', standardSchema: CommandStatusResponse, example: COMMAND_STATUS_EXAMPLE })
  @ApiProblems(400, 401, new CommandNotFound(), 503)
  async get(@CurrentCaller() caller: Caller, @Param('id', validated(CommandIdParam)) id: string) {
    const s = await this.queries.execute(new GetCommandQuery(caller.userId, id));
    return {
      ...s,
      problem: s.problem ? problem(statusOf(s.problem), s.problem.code, s.problem.detail, s.problem.errors ? { errors: s.problem.errors } : {}) : null,
    };
  }
}

/** The status the refusal's synchronous twin answered (a record from before kinds were recorded carries it). */
function statusOf(recorded: { kind?: keyof typeof STATUS_BY_KIND; status?: number }): number {
  return recorded.kind ? STATUS_BY_KIND[recorded.kind] : (recorded.status ?? 500);
}
