/**
 * One classification request, start to end: the body for the reply mode in use, a fall back to
 * the next mode when the server refuses that one, one retry for a failure that is usually
 * momentary, and a strict reading of the reply. Shared by the categorizer (cache, limiter,
 * breaker around it) and categorizeOnce (the UI's test button, nothing around it).
 */
import { delay, type Clock } from '../../ports.js';
import { endpointUrl, exchange, hostOf, statusFailure } from './http.js';
import type { Prompt } from './prompt.js';
import {
  FAILURE_POLICY,
  isRetryableStatus,
  nextMode,
  readReply,
  refusedMode,
  requestBody,
  type Failure,
  type ReplyMode,
} from './protocol.js';

export interface AskOptions {
  baseUrl: string;
  /** Undefined: no `model` field (the server's own default). */
  model: string | undefined;
  prompt: Prompt;
  apiKey: string | undefined;
  timeoutMs: number;
  /** The mode to start with (what worked last time). */
  mode: ReplyMode;
  clock: Clock;
  fetch: typeof fetch;
  /** Pause before the one retry. */
  retryDelayMs: number;
  /** Aborts the request (and skips the retry): the watcher is stopping. */
  signal?: AbortSignal;
  /** Called with each request body just before it is sent (tests, the example request). */
  onRequest?: (body: Record<string, unknown>) => void;
}

export type AskResult =
  | { ok: true; category: string | undefined; answer: string; mode: ReplyMode; attempts: number }
  | { ok: false; failure: Failure; answer: string; mode: ReplyMode; attempts: number };

function isFailure(x: unknown): x is Failure {
  return typeof (x as Failure).kind === 'string';
}

export async function ask(o: AskOptions): Promise<AskResult> {
  const url = endpointUrl(o.baseUrl, 'chat/completions');
  let mode = o.mode;
  let attempts = 0;
  let retried = false;
  for (;;) {
    const body = requestBody({
      model: o.model,
      messages: o.prompt.messages,
      allowed: o.prompt.allowed,
      mode,
    });
    o.onRequest?.(body);
    attempts++;
    const res = await exchange({
      method: 'POST',
      url,
      body,
      apiKey: o.apiKey,
      timeoutMs: o.timeoutMs,
      clock: o.clock,
      fetch: o.fetch,
      signal: o.signal,
    });
    let failure: Failure;
    let answer = '';
    if (isFailure(res)) {
      failure = res;
    } else if (res.status >= 200 && res.status < 300) {
      const reading = readReply(res.text, o.prompt.allowed);
      if (reading.ok) return { ...reading, mode, attempts };
      failure = reading.failure;
      answer = reading.answer;
    } else if (refusedMode(mode, res.status, res.text)) {
      // Not a failure: this server does not do that kind of constraint. Ask again, one level down.
      mode = nextMode(mode) ?? mode;
      continue;
    } else {
      failure = statusFailure(res.status, res.text);
      if (res.status === 404)
        failure.reason += ` at ${hostOf(url)} (does the base URL end in /v1? is the model name right?)`;
      if (!retried && isRetryableStatus(res.status)) {
        retried = true;
        if (o.retryDelayMs > 0) await delay(o.clock, o.retryDelayMs, o.signal);
        continue;
      }
      return { ok: false, failure, answer, mode, attempts };
    }
    if (!retried && FAILURE_POLICY[failure.kind].retry) {
      retried = true;
      if (o.retryDelayMs > 0) await delay(o.clock, o.retryDelayMs, o.signal);
      continue;
    }
    return { ok: false, failure, answer, mode, attempts };
  }
}
