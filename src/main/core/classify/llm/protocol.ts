/**
 * The OpenAI chat-completions contract as Solon uses it: the request body for each way of
 * constraining the reply, and a strict reading of the reply. Pure: no I/O here.
 */
import { NONE, type ChatMessage } from './prompt.js';

/**
 * How the reply is constrained, best first. A server that refuses one (HTTP 400 naming it) is
 * asked again with the next, and the categorizer remembers what worked.
 *   json_schema  OpenAI `response_format: {type: "json_schema"}` — llama.cpp server, Ollama
 *                ≥ 0.5, LM Studio, vLLM
 *   grammar      llama.cpp's own `grammar` field (GBNF) — older llama.cpp builds and llamafile
 *   plain        nothing but the prompt; the reply is then parsed strictly
 */
export const REPLY_MODES = ['json_schema', 'grammar', 'plain'] as const;
export type ReplyMode = (typeof REPLY_MODES)[number];

/** Failure kinds, each with its own handling (see FAILURE_POLICY). */
export type FailureKind =
  /** No complete answer within timeoutMs. */
  | 'timeout'
  /** Nothing listens at the address. */
  | 'refused'
  /** The host name does not resolve. */
  | 'dns'
  /** The connection broke (reset, closed mid-answer, TLS). */
  | 'network'
  /** HTTP 401/403: a missing or wrong API key. */
  | 'auth'
  /** Any other HTTP error status: 5xx, 404 (wrong URL), 408, 429. */
  | 'http'
  /**
   * HTTP 4xx about this request, not the server (400 "too long for the context", 413, 422):
   * the server is alive, so it does not count towards the circuit breaker.
   */
  | 'rejected'
  /** Answered, but not as an OpenAI-compatible server would (no choices[].message). */
  | 'not-openai'
  /** finish_reason "length": the reply was cut at max_tokens. */
  | 'truncated'
  /** The reply is not the one JSON object asked for. */
  | 'invalid-json'
  /** Valid JSON naming something that is not a category. */
  | 'unknown-category'
  /** The API key could not be had from its source. */
  | 'api-key'
  /** We gave up on purpose (the watcher is stopping): says nothing about the endpoint. */
  | 'aborted';

export interface Failure {
  kind: FailureKind;
  /** For a person: what went wrong, never the API key. */
  reason: string;
}

/**
 * What each failure means for the next try.
 *   retry     one more attempt after a short pause: the cause is often a moment long (a server
 *             restarting, a dropped connection, a 5xx under load). Not a timeout: it already
 *             cost the whole time limit, and a model too slow once is as slow again.
 *   endpoint  counts towards the circuit breaker: the server, not this message, is the problem.
 *             A reply the model got wrong (bad JSON, cut, unknown category) is about one message
 *             at temperature 0 — asking again gives the same answer, so never retried either.
 */
export const FAILURE_POLICY: Record<FailureKind, { retry: boolean; endpoint: boolean }> = {
  timeout: { retry: false, endpoint: true },
  refused: { retry: true, endpoint: true },
  dns: { retry: false, endpoint: true },
  network: { retry: true, endpoint: true },
  auth: { retry: false, endpoint: true },
  http: { retry: false, endpoint: true }, // 5xx and 429 are retried: see isRetryableStatus
  rejected: { retry: false, endpoint: false },
  'not-openai': { retry: false, endpoint: true },
  truncated: { retry: false, endpoint: false },
  'invalid-json': { retry: false, endpoint: false },
  'unknown-category': { retry: false, endpoint: false },
  'api-key': { retry: false, endpoint: true },
  aborted: { retry: false, endpoint: false },
};

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** The JSON Schema of the one reply allowed: `{"category": <one of the names, or "none">}`. */
export function replySchema(allowed: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: { category: { type: 'string', enum: [...allowed] } },
    required: ['category'],
    additionalProperties: false,
  };
}

/**
 * The same constraint as a GBNF grammar (llama.cpp). Category names are letters, digits, `_`
 * and `-` (Category.name), so they need no escaping inside a GBNF string literal.
 */
export function replyGrammar(allowed: readonly string[]): string {
  const choices = allowed.map((n) => `"\\"${n}\\""`).join(' | ');
  return [
    'root ::= "{" ws "\\"category\\"" ws ":" ws category ws "}"',
    `category ::= ${choices}`,
    'ws ::= " "?',
  ].join('\n');
}

/**
 * Tokens the reply may use: `{"category": "NAME"}` is under 10 tokens plus the name; a name
 * never takes more tokens than characters. More would only let a misbehaving model ramble.
 */
export function maxTokens(allowed: readonly string[]): number {
  return 24 + Math.max(...allowed.map((n) => n.length));
}

/** The chat-completions body for one request. */
export function requestBody(opts: {
  model: string | undefined;
  messages: ChatMessage[];
  allowed: readonly string[];
  mode: ReplyMode;
}): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.model) body.model = opts.model;
  body.messages = opts.messages;
  body.temperature = 0;
  body.max_tokens = maxTokens(opts.allowed);
  body.stream = false;
  switch (opts.mode) {
    case 'json_schema':
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: 'category', strict: true, schema: replySchema(opts.allowed) },
      };
      break;
    case 'grammar':
      body.grammar = replyGrammar(opts.allowed);
      break;
    case 'plain':
      break;
    default: {
      const unreachable: never = opts.mode;
      throw new Error(`unknown reply mode ${String(unreachable)}`);
    }
  }
  return body;
}

/**
 * Did the server refuse the way we constrained the reply (and only that)? A 400/422/501 whose
 * text names the feature: llama.cpp, vLLM and LM Studio say "response_format", "json_schema"
 * or "grammar" in the error. Any other 400 is a real error about this request.
 */
export function refusedMode(mode: ReplyMode, status: number, text: string): boolean {
  if (mode === 'plain') return false;
  if (status !== 400 && status !== 422 && status !== 501) return false;
  const t = text.toLowerCase();
  return mode === 'json_schema'
    ? /response_format|json_schema|json schema|structured output/.test(t)
    : /grammar/.test(t);
}

/** The next mode to try after `mode` was refused, if any. */
export function nextMode(mode: ReplyMode): ReplyMode | undefined {
  return REPLY_MODES[REPLY_MODES.indexOf(mode) + 1];
}

export type ReplyReading =
  | { ok: true; category: string | undefined; answer: string }
  | { ok: false; failure: Failure; answer: string };

/** A reply's text, quoted for a log line: one line, at most 120 characters. */
export function quote(answer: string): string {
  // One line, but not trimmed: " RECEIPTS " must not read as RECEIPTS.
  const one = answer.replace(/\s+/g, ' ');
  return JSON.stringify(one.length > 120 ? `${one.slice(0, 119)}…` : one);
}

/**
 * Read a chat-completions response body. Strict: the content must be one JSON object with a
 * string `category` (a single ```json fence around it is tolerated, nothing else), and the name
 * must be one of `allowed` — exactly, or failing that equal ignoring case to exactly one (a
 * model in plain mode may answer "promotions" for PROMOTIONS). "none" means no category.
 */
export function readReply(bodyText: string, allowed: readonly string[]): ReplyReading {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return {
      ok: false,
      answer: '',
      failure: {
        kind: 'not-openai',
        reason: `the server's answer is not JSON: ${quote(bodyText)}`,
      },
    };
  }
  const choice = (body as { choices?: unknown })?.choices;
  const first = Array.isArray(choice) ? (choice[0] as unknown) : undefined;
  const message = (first as { message?: { content?: unknown } } | undefined)?.message;
  if (!message || typeof message !== 'object')
    return {
      ok: false,
      answer: '',
      failure: {
        kind: 'not-openai',
        reason:
          'the server answered, but not with an OpenAI chat completion (no choices[0].message)',
      },
    };
  const content = typeof message.content === 'string' ? message.content : '';
  const finish = (first as { finish_reason?: unknown }).finish_reason;
  if (finish === 'length')
    return {
      ok: false,
      answer: content,
      failure: {
        kind: 'truncated',
        reason: `the reply was cut off at the token limit (finish_reason "length"): ${quote(content)}`,
      },
    };
  const text = content
    .trim()
    .replace(/^```(?:json)?\s*\n?([\s\S]*?)\n?```$/i, '$1')
    .trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const name = (parsed as { category?: unknown } | undefined)?.category;
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    typeof name !== 'string'
  )
    return {
      ok: false,
      answer: content,
      failure: {
        kind: 'invalid-json',
        reason: `the reply is not the JSON asked for ({"category": …}): ${quote(content)}`,
      },
    };
  const found = allowed.includes(name)
    ? name
    : (() => {
        const same = allowed.filter((a) => a.toLowerCase() === name.toLowerCase());
        return same.length === 1 ? same[0] : undefined;
      })();
  if (found === undefined)
    return {
      ok: false,
      answer: content,
      failure: {
        kind: 'unknown-category',
        reason: `the model answered ${quote(name)}, which is not one of the categories`,
      },
    };
  return { ok: true, category: found === NONE ? undefined : found, answer: content };
}
