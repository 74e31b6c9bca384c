/**
 * One HTTP exchange with the endpoint, on the global fetch (Node 20's undici), with a time limit
 * that covers the whole answer (headers and body), a cap on the answer's size, and every way it
 * can fail turned into a Failure a person can read. The API key travels only in the
 * Authorization header; no message here ever contains it.
 */
import type { Clock } from '../../ports.js';
import type { Failure } from './protocol.js';

/** Answers larger than this are refused: a chat completion of a few tokens is under 2 KiB. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface HttpOptions {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  apiKey: string | undefined;
  timeoutMs: number;
  clock: Clock;
  fetch: typeof fetch;
  /** Our own reason to give up (stopping); the request ends at once. */
  signal?: AbortSignal;
}

/** `base` + `/path`, whatever slashes the user typed at the end of the base URL. */
export function endpointUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** host:port of a URL, for messages ("nothing listens at 127.0.0.1:8080"). */
export function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return url;
  }
}

/**
 * Is the endpoint on this machine? The point of a local model is that mail never leaves it; an
 * endpoint elsewhere is allowed (a model box on the LAN) but worth a warning in the log.
 */
export function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

const TIMEOUT = Symbol('timeout');
const ABORTED = Symbol('aborted');

/** The request's answer, or the Failure it came to. Never throws. */
export async function exchange(o: HttpOptions): Promise<HttpAnswer | Failure> {
  const ctrl = new AbortController();
  if (o.signal?.aborted) return { kind: 'aborted', reason: 'stopped before asking' };
  const timer = o.clock.setTimeout(() => ctrl.abort(TIMEOUT), o.timeoutMs);
  const stop = (): void => ctrl.abort(ABORTED);
  o.signal?.addEventListener('abort', stop, { once: true });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  try {
    const res = await o.fetch(o.url, {
      method: o.method,
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
      signal: ctrl.signal,
      redirect: 'error',
    });
    const text = await readCapped(res);
    if (text === undefined) {
      ctrl.abort();
      return {
        kind: 'not-openai',
        reason: `the server's answer is over ${MAX_ANSWER_BYTES / 1024} KiB; not a chat completion`,
      };
    }
    // A server may quote the key it refused ("invalid key sk-…"); its words reach the activity
    // log and the window, the key must not.
    const key = o.apiKey;
    return { status: res.status, text: key ? text.split(key).join('[API key]') : text };
  } catch (err) {
    if (ctrl.signal.aborted && ctrl.signal.reason === TIMEOUT)
      return { kind: 'timeout', reason: `no answer within ${seconds(o.timeoutMs)}` };
    if (ctrl.signal.aborted && ctrl.signal.reason === ABORTED)
      return { kind: 'aborted', reason: 'stopped while waiting for the answer' };
    return networkFailure(err, o.url);
  } finally {
    o.clock.clearTimeout(timer);
    o.signal?.removeEventListener('abort', stop);
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The body as text, or undefined when it is larger than MAX_ANSWER_BYTES. */
async function readCapped(res: Response): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The errno-style code under undici's "fetch failed" (possibly inside an AggregateError). */
function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const c = cause as { code?: unknown; errors?: { code?: unknown }[] };
  if (typeof c?.code === 'string') return c.code;
  const inner = Array.isArray(c?.errors)
    ? c.errors.find((e) => typeof e?.code === 'string')
    : undefined;
  return typeof inner?.code === 'string' ? inner.code : undefined;
}

export function networkFailure(err: unknown, url: string): Failure {
  const code = causeCode(err);
  const at = hostOf(url);
  switch (code) {
    case 'ECONNREFUSED':
      return {
        kind: 'refused',
        reason: `connection refused at ${at}: is the model server running?`,
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return { kind: 'dns', reason: `cannot resolve the host of ${at}` };
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { kind: 'network', reason: `could not connect to ${at} (timed out)` };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { kind: 'network', reason: `the connection to ${at} broke (${code})` };
    case undefined:
    default: {
      // Not the URL's query nor any header: only the error's own words and code.
      const msg = (err as Error)?.message ?? String(err);
      return {
        kind: 'network',
        reason: `request to ${at} failed: ${msg}${code ? ` (${code})` : ''}`,
      };
    }
  }
}

/** An HTTP error status as a Failure, with the start of the server's own words. */
export function statusFailure(status: number, text: string): Failure {
  const said = serverMessage(text);
  if (status === 401 || status === 403)
    return {
      kind: 'auth',
      reason: `HTTP ${status}: the server refused the API key${said ? ` (${said})` : ''}; check it in the settings`,
    };
  const reason = `HTTP ${status}${said ? `: ${said}` : ''}`;
  // A 4xx other than these is about this request (e.g. too long for the model's context).
  const aboutRequest = status >= 400 && status < 500 && ![404, 408, 429].includes(status);
  return { kind: aboutRequest ? 'rejected' : 'http', reason };
}

/** `error.message` of an OpenAI-style error body, else the body's start; one line, capped. */
export function serverMessage(text: string): string {
  let msg = text;
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message ?? undefined);
    if (typeof m === 'string') msg = m;
  } catch {
    // not JSON: the text as it is
  }
  const one = msg.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 199)}…` : one;
}
