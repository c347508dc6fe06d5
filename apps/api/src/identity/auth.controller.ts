import { Body, Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { LogInCommand } from '@ln/identity/application/log-in/log-in.command';
import { LogOutCommand } from '@ln/identity/application/log-out/log-out.command';
import { RefreshSessionCommand } from '@ln/identity/application/refresh-session/refresh-session.command';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Caller, CurrentCaller, Public } from '../http/auth.guard';
import { validated } from '../http/validation';
import { ApiProblems } from '../http/openapi';
import {
  AccountResponse,
  LoginRequest,
  LogoutRequest,
  RefreshRequest,
  RegisterRequest,
  SessionResponse,
} from './auth.schemas';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly commands: CommandBus) {}

  @Public()
  @Post('register')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account' })
  @ApiResponse({ status: 201, description: 'Created; Location is /v1/me', standardSchema: AccountResponse })
  @ApiProblems(400, 409, 413, 415)
  async register(@Body(validated(RegisterRequest)) body: RegisterRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const account = await this.commands.execute(new RegisterUserCommand(body.email, body.password, body.timezone));
    void reply.header('location', '/v1/me');
    return account;
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Exchange email and password for an access and a refresh token' })
  @ApiResponse({ status: 200, standardSchema: SessionResponse })
  @ApiProblems(400, 401, 429)
  login(@Body(validated(LoginRequest)) body: LoginRequest, @Req() request: FastifyRequest) {
    return this.commands.execute(new LogInCommand(body.email, body.password, request.ip));
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Rotate the refresh token',
    description: 'The token works once. Presenting a used token again revokes every token of that login (401 refresh_token_reused).',
  })
  @ApiResponse({ status: 200, standardSchema: SessionResponse })
  @ApiProblems(400, 401)
  refresh(@Body(validated(RefreshRequest)) body: RefreshRequest) {
    return this.commands.execute(new RefreshSessionCommand(body.refreshToken));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End this login (with its refresh token) or every session' })
  @ApiResponse({ status: 204, description: 'Logged out' })
  @ApiProblems(400, 401)
  async logout(@CurrentCaller() caller: Caller, @Body(validated(LogoutRequest)) body: LogoutRequest | undefined) {
    await this.commands.execute(new LogOutCommand(caller.userId, body?.refreshToken));
  }
}
