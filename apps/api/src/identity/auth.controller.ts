import { Body, Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InvalidCredentials, InvalidRefreshToken, RefreshTokenReused, TooManyAttempts } from '@ln/kernel/application/application.errors';
import { TooManyRegistrations } from '@ln/identity/application/identity.errors';
import { EmailAlreadyRegistered } from '@ln/identity/domain/user.errors';
import { LogInCommand } from '@ln/identity/application/log-in/log-in.command';
import { LogOutCommand } from '@ln/identity/application/log-out/log-out.command';
import { RefreshSessionCommand } from '@ln/identity/application/refresh-session/refresh-session.command';
import { RegisterUserCommand } from '@ln/identity/application/register-user/register-user.command';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Caller, CurrentCaller, Public } from '../http/auth.guard';
import { validated } from '../http/validation';
import { ApiProblems, HEADERS } from '../http/openapi';
import {
  ACCOUNT_EXAMPLE,
  AccountResponse,
  SESSION_EXAMPLE,
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
  @ApiOperation({
    summary: 'Create an account',
    description:
      'The address is kept in one canonical spelling (NFC, lower case, Unicode domain); invisible or compatibility characters and ' +
      'look-alike scripts mixed in one part are refused (400 invalid_email). The password needs 8 characters besides leading and ' +
      'trailing spaces, must not contain the address, and must not be one of the most common passwords (400 weak_password). ' +
      'A taken address is 409 email_taken. Registrations are limited per client address (429 too_many_registrations, Retry-After). ' +
      'See docs/security.md.',
  })
  @ApiResponse({
    status: 201,
    description: 'Created; log in next',
    standardSchema: AccountResponse,
    example: ACCOUNT_EXAMPLE,
    headers: { Location: { description: 'The account: /v1/me', schema: { type: 'string', example: '/v1/me' }, required: true } },
  })
  @ApiProblems(400, new EmailAlreadyRegistered(), 413, 415, new TooManyRegistrations(3600))
  async register(@Body(validated(RegisterRequest)) body: RegisterRequest, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const account = await this.commands.execute(new RegisterUserCommand(body.email, body.password, body.timezone, request.ip));
    void reply.header('location', '/v1/me');
    return account;
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Exchange email and password for an access and a refresh token',
    description:
      'Failed logins are limited per account and client address, per client address, and per account (a far higher ceiling that ' +
      'clients which logged in to the account before may pass): 429 too_many_attempts with Retry-After. See docs/security.md.',
  })
  @ApiResponse({ status: 200, description: 'Logged in', standardSchema: SessionResponse, example: SESSION_EXAMPLE })
  @ApiProblems(400, new InvalidCredentials(), new TooManyAttempts(60))
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
  @ApiResponse({ status: 200, description: 'A new access and refresh token', standardSchema: SessionResponse, example: SESSION_EXAMPLE })
  @ApiProblems(400, new InvalidRefreshToken(), new RefreshTokenReused())
  refresh(@Body(validated(RefreshRequest)) body: RefreshRequest) {
    return this.commands.execute(new RefreshSessionCommand(body.refreshToken));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End this login (with its refresh token) or every session (no body, or a body without one)' })
  // The body may be left out altogether: the document says so because the schema accepts no body (openapi.setup.ts).
  @ApiResponse({ status: 204, description: 'Logged out' })
  @ApiProblems(400, 401)
  async logout(@CurrentCaller() caller: Caller, @Body(validated(LogoutRequest)) body: LogoutRequest | undefined) {
    await this.commands.execute(new LogOutCommand(caller.userId, body?.refreshToken));
  }
}
