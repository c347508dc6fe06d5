import { Body, Controller, Get, Patch } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GetMeQuery } from '@ln/identity/application/get-me/get-me.query';
import { UpdateMeCommand } from '@ln/identity/application/update-me/update-me.command';
import { ConcurrentModification, UserNotFound } from '@ln/kernel/application/application.errors';
import { ACCOUNT_EXAMPLE, AccountResponse, UpdateMeRequest } from './auth.schemas';
import { type Caller, CurrentCaller } from '../http/auth.guard';
import { validated } from '../http/validation';
import { ApiProblems } from '../http/openapi';

@ApiTags('me')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The account of the token' })
  @ApiResponse({ status: 200, description: 'The account', standardSchema: AccountResponse, example: ACCOUNT_EXAMPLE })
  @ApiProblems(401, new UserNotFound())
  get(@CurrentCaller() caller: Caller) {
    return this.queries.execute(new GetMeQuery(caller.userId));
  }

  @Patch()
  @ApiOperation({ summary: 'Change account settings (timezone)' })
  @ApiResponse({ status: 200, description: 'The account as it is now', standardSchema: AccountResponse, example: ACCOUNT_EXAMPLE })
  @ApiProblems(400, 401, new UserNotFound(), new ConcurrentModification('user'))
  update(@CurrentCaller() caller: Caller, @Body(validated(UpdateMeRequest)) body: UpdateMeRequest) {
    return this.commands.execute(new UpdateMeCommand(caller.userId, body));
  }
}
