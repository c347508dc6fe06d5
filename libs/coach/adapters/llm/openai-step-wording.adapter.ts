import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { type StepWording, StepWordingFailed, type StepWordingRequest, type WordedSteps } from '../../application/ports/step-wording.port';
import { MAX_TITLE_LENGTH } from '../../domain/templates';
import { RedirectRefused, ResponseTooLarge, cappedFetch } from './capped-fetch';
import type { LlmCallBudget } from './llm-call-budget';
import { answerJsonSchema, answerSchema, systemMessage, userMessage } from './step-wording-prompt';

export interface LlmStepWordingOptions {
  /** The OpenAI-compatible API's base URL (`.../v1`), from configuration only. */
  readonly baseUrl: string;
  readonly model: string;
  /** Sent as a bearer token; never logged. Without one no Authorization header is sent (local servers). */
  readonly apiKey?: string | null;
  /** Per attempt: connecting, the answer and its whole body. */
  readonly timeoutMs: number;
  /** Wordings one user may ask the LLM for per local day (retries included in one). */
  readonly dailyCallsPerUser: number;
  /** Wordings in flight in this process; past it a plan falls back at once. */
  readonly maxConcurrency: number;
  /** Retries after a timeout, 429 or 5xx (at most 2). */
  readonly maxRetries?: number;
  /** Wait before the first retry, doubled for the second (a server's Retry-After is honoured up to `maxRetryDelayMs`). */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Largest response body read (bytes). */
  readonly maxResponseBytes?: number;
  /** This many wordings failing in a row on timeouts, 429s, 5xx or an unreachable server stop calls for `breakerCooldownMs`. */
  readonly breakerFailures?: number;
  readonly breakerCooldownMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Where failures go (reasons only: never the key, the task's text or a response body). */
export interface WordingLog {
  warn(message: string): void;
}

/** Reasons that say the server is slow, overloaded or down: retried, and counted by the breaker. */
const TRANSIENT = new Set(['timeout', 'rate limited', 'server error', 'unreachable']);
/** Failures worth another attempt at once (an unreachable server counts for the breaker, but is not retried). */
const RETRIED = new Set(['timeout', 'rate limited', 'server error']);

const DEFAULTS = {
  maxRetries: 2,
  retryDelayMs: 200,
  maxRetryDelayMs: 1_000,
  maxResponseBytes: 64 * 1024,
  breakerFailures: 3,
  breakerCooldownMs: 30_000,
} as const;

/** Tokens asked for per title, and for the JSON around them: caps what the model may generate. */
const TOKENS_PER_TITLE = 80;
const TOKENS_OVERHEAD = 64;

/**
 * The LLM planner's wording (ADR 18): any OpenAI-compatible chat-completions endpoint (Ollama,
 * vLLM, llama.cpp's server, a hosted API) through the `openai` client, asked with a JSON schema
 * for exactly the drafted steps' titles and checked with zod. Guarantees, in the order they act:
 * - **bounded concurrency**: at most `maxConcurrency` wordings in flight per process; past it, and
 *   while the breaker is open (the server failed several wordings in a row), it fails at once
 *   (`busy`, `llm unavailable`) so a slow or down LLM never holds plans up beyond that bound;
 * - **a per-user daily budget** (`budget spent`), counted in Redis when there is one;
 * - **a timeout per attempt** covering the whole body, **at most 2 retries**, and only after a
 *   timeout, 429 or 5xx, with short backoff;
 * - **an answer of bounded size**: `max_tokens` from the step count, the body capped in bytes, a
 *   `length` finish refused;
 * - **the task as data**: delimited JSON in the user message, with a system message saying it is
 *   data, never instructions;
 * - the URL and model only from configuration; the key never logged (reasons only are).
 * Whatever it answers, the caller keeps count, sizes and schedule and checks every title.
 */
export class OpenAiStepWording implements StepWording {
  private readonly client: OpenAI;
  private readonly by: string;
  private readonly settings: Required<Omit<LlmStepWordingOptions, 'apiKey'>>;
  private inFlight = 0;
  private failuresInARow = 0;
  private openUntil = 0;

  constructor(
    options: LlmStepWordingOptions,
    private readonly budget: LlmCallBudget,
    private readonly log: WordingLog = { warn: () => undefined },
  ) {
    // The key goes to the client and nowhere else (not into settings that something might print).
    const apiKey = options.apiKey || null;
    const o = options;
    this.settings = {
      baseUrl: o.baseUrl,
      model: o.model,
      timeoutMs: o.timeoutMs,
      dailyCallsPerUser: o.dailyCallsPerUser,
      maxConcurrency: Math.max(1, Math.floor(o.maxConcurrency)),
      maxRetries: Math.min(2, Math.max(0, Math.floor(o.maxRetries ?? DEFAULTS.maxRetries))),
      retryDelayMs: o.retryDelayMs ?? DEFAULTS.retryDelayMs,
      maxRetryDelayMs: o.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs,
      maxResponseBytes: o.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
      breakerFailures: Math.max(1, o.breakerFailures ?? DEFAULTS.breakerFailures),
      breakerCooldownMs: o.breakerCooldownMs ?? DEFAULTS.breakerCooldownMs,
      now: o.now ?? Date.now,
      sleep: o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    };
    this.by = `llm:${options.model}`;
    this.client = new OpenAI({
      // Everything explicit: the client would otherwise read OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_ORG_ID... from the environment.
      baseURL: options.baseUrl,
      apiKey: apiKey ?? 'unused',
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      // Our own retries (only timeouts, 429 and 5xx; bounded backoff whatever Retry-After says).
      maxRetries: 0,
      timeout: options.timeoutMs,
      fetch: cappedFetch(this.settings.maxResponseBytes),
      // The client logs nothing (its debug logs would carry request details).
      logLevel: 'off',
      logger: { error: noop, warn: noop, info: noop, debug: noop },
      // No key: no Authorization header at all (a placeholder only satisfies the client's check).
      defaultHeaders: apiKey ? undefined : { Authorization: null },
    });
  }

  async word(request: StepWordingRequest): Promise<WordedSteps> {
    const count = request.steps.length;
    if (count === 0) return { titles: [], by: this.by };
    if (this.settings.now() < this.openUntil) throw new StepWordingFailed('llm unavailable');
    if (this.inFlight >= this.settings.maxConcurrency) throw new StepWordingFailed('busy');
    this.inFlight += 1;
    try {
      if (!(await this.withinBudget(request))) throw new StepWordingFailed('budget spent');
      const titles = await this.ask(request);
      this.failuresInARow = 0;
      return { titles, by: this.by };
    } catch (error) {
      const failure = error instanceof StepWordingFailed ? error : new StepWordingFailed('error');
      if (TRANSIENT.has(failure.reason)) this.countFailure();
      if (failure.reason !== 'budget spent') this.log.warn(`LLM step wording failed (${failure.reason}); the plan keeps the built-in wording`);
      throw failure;
    } finally {
      this.inFlight -= 1;
    }
  }

  private async withinBudget(request: StepWordingRequest): Promise<boolean> {
    try {
      return await this.budget.take(request.userId, request.today, this.settings.dailyCallsPerUser);
    } catch {
      // Without a count there is no budget: fail closed.
      throw new StepWordingFailed('budget unavailable');
    }
  }

  private countFailure(): void {
    this.failuresInARow += 1;
    if (this.failuresInARow >= this.settings.breakerFailures) {
      this.openUntil = this.settings.now() + this.settings.breakerCooldownMs;
      // After the cooldown calls resume; the next transient failure opens the breaker again at once.
      this.failuresInARow = this.settings.breakerFailures - 1;
    }
  }

  /** One wording: the first attempt and at most `maxRetries` more after transient failures. */
  private async ask(request: StepWordingRequest): Promise<readonly string[]> {
    const count = request.steps.length;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.attempt(request, count);
      } catch (error) {
        const failure = classify(error);
        if (!RETRIED.has(failure.reason) || attempt >= this.settings.maxRetries) throw failure;
        const delay = this.retryDelay(attempt, error);
        // A server that asks for a longer wait than we would hold a plan for: fall back now.
        if (delay === null) throw failure;
        await this.settings.sleep(delay);
      }
    }
  }

  /** The wait before retry `attempt + 1`: jittered backoff, or the server's Retry-After; null when that is over `maxRetryDelayMs`. */
  private retryDelay(attempt: number, error: unknown): number | null {
    const asked = error instanceof APIError ? retryAfterMs(error.headers) : null;
    if (asked !== null && asked > this.settings.maxRetryDelayMs) return null;
    const backoff = this.settings.retryDelayMs * 2 ** attempt * (0.8 + Math.random() * 0.4);
    return Math.min(this.settings.maxRetryDelayMs, Math.max(backoff, asked ?? 0));
  }

  private async attempt(request: StepWordingRequest, count: number): Promise<readonly string[]> {
    const completion = await this.client.chat.completions.create({
      model: this.settings.model,
      messages: [
        { role: 'system', content: systemMessage(count) },
        { role: 'user', content: userMessage(request) },
      ],
      response_format: { type: 'json_schema', json_schema: answerJsonSchema(count) },
      max_tokens: TOKENS_OVERHEAD + TOKENS_PER_TITLE * count,
      temperature: 0.2,
      n: 1,
      stream: false,
    });
    const choice = completion.choices?.[0];
    if (!choice) throw new StepWordingFailed('empty answer');
    if (choice.finish_reason === 'length') throw new StepWordingFailed('answer too large');
    if (choice.message?.refusal) throw new StepWordingFailed('model refused');
    const content = choice.message?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new StepWordingFailed('empty answer');
    // The JSON around `count` titles of at most 4x the longest step title, escapes included.
    if (content.length > 256 + count * (MAX_TITLE_LENGTH * 4 + 16)) throw new StepWordingFailed('answer too large');
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      throw new StepWordingFailed('invalid JSON');
    }
    const checked = answerSchema(count, MAX_TITLE_LENGTH * 4).safeParse(parsed);
    if (!checked.success) throw new StepWordingFailed('answer off schema');
    return checked.data.titles;
  }
}

/** A failure's short reason, from whatever the client threw. */
function classify(error: unknown): StepWordingFailed {
  if (error instanceof StepWordingFailed) return error;
  if (error instanceof APIConnectionTimeoutError) return new StepWordingFailed('timeout');
  if (error instanceof APIConnectionError) {
    if (error.cause instanceof ResponseTooLarge) return new StepWordingFailed('answer too large');
    // A misconfigured LLM_BASE_URL (or a server sending the key elsewhere): not worth a retry.
    if (error.cause instanceof RedirectRefused) return new StepWordingFailed('redirected');
    return new StepWordingFailed('unreachable');
  }
  if (error instanceof APIError) {
    const status = error.status;
    if (status === 429) return new StepWordingFailed('rate limited');
    if (typeof status === 'number' && status >= 500) return new StepWordingFailed('server error');
    if (typeof status === 'number') return new StepWordingFailed(`refused ${status}`);
  }
  // A 2xx body that is not JSON (by name: `fetch`'s parser may throw from another realm).
  if (error instanceof SyntaxError || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'SyntaxError')) return new StepWordingFailed('invalid JSON');
  return new StepWordingFailed('error');
}

/** Retry-After (seconds or a date) or retry-after-ms, in ms; null without one. */
function retryAfterMs(headers: Headers | undefined): number | null {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && headers?.get('retry-after-ms')) return ms;
  const value = headers?.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

function noop(): void {}
