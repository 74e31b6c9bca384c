/**
 * A local stand-in for an OpenAI-compatible model server (llama.cpp `llama-server`, Ollama's
 * /v1): a real HTTP server on 127.0.0.1, port 0, implementing GET /v1/models and POST
 * /v1/chat/completions. Each chat request is answered by a script — one step per request, then
 * the default — so a test says exactly what the "model" does (a valid answer, invalid JSON, a
 * cut reply, an unknown category, a 500, a hang, a dropped connection…). Every request is
 * recorded as received (method, path, headers, parsed body), so tests assert what Solon sends.
 */
import { once, EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingMessage['headers'];
  /** The body parsed as JSON (undefined for none or not JSON). */
  body: ChatBody | undefined;
  raw: string;
}

/** The chat-completions body as Solon sends it (loosely typed: tests look inside). */
export interface ChatBody {
  model?: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  max_tokens?: number;
  stream?: boolean;
  response_format?: {
    type: string;
    json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> };
  };
  grammar?: string;
  [k: string]: unknown;
}

/** What the "model" does with one chat request. */
export type Step =
  /** 200 with this content as choices[0].message.content. */
  | { reply: string; finishReason?: string; delayMs?: number }
  /** Any status with this body (a string as is, anything else as JSON). */
  | { status: number; body: unknown; delayMs?: number }
  /** Never answer (until the client gives up or the server closes). */
  | { hang: true }
  /** Close the connection without a word. */
  | { drop: true };

export type Responder = (req: RecordedRequest) => Step;

/** The content a well-behaved model gives: `{"category":"NAME"}`. */
export function answer(category: string): Step {
  return { reply: JSON.stringify({ category }) };
}

/** Reject `response_format` the way an older server does (HTTP 400 naming it). */
export const rejectsResponseFormat: Step = {
  status: 400,
  body: {
    error: {
      code: 400,
      message: "Unsupported param: response_format type 'json_schema'",
      type: 'invalid_request_error',
    },
  },
};

export interface LlmServer {
  /** The base URL to configure: `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** The chat requests only. */
  chats(): RecordedRequest[];
  /** Queue steps: the next chat requests get these, in order. */
  script(...steps: (Step | Responder)[]): void;
  /** What chat requests get once the script is used up (default: `answer('none')`). */
  fallback(step: Step | Responder): void;
  /** The ids GET /v1/models lists (default `['test-model']`), or a step for that request. */
  models: string[] | Step;
  /** Chat requests being answered right now (hangs and delays included), and the most ever. */
  readonly inFlight: number;
  readonly peakInFlight: number;
  /** Resolves when `n` requests in all have arrived; rejects at the deadline. */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Answer every hanging request with this step now. */
  release(step: Step): void;
  close(): Promise<void>;
}

function completion(content: string, finishReason: string, model: string): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_767_225_600,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

export async function startLlmServer(): Promise<LlmServer> {
  const requests: RecordedRequest[] = [];
  const queue: (Step | Responder)[] = [];
  let fallback: Step | Responder = answer('none');
  const events = new EventEmitter();
  const sockets = new Set<Socket>();
  const hanging = new Set<(step: Step) => void>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let inFlight = 0;
  let peakInFlight = 0;

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    if (res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    });
    res.end(text);
  };

  const perform = (res: ServerResponse, step: Step, model: string, done: () => void): void => {
    if ('hang' in step) {
      const go = (next: Step): void => {
        hanging.delete(go);
        perform(res, next, model, done);
      };
      hanging.add(go);
      res.on('close', () => {
        if (hanging.delete(go)) done();
      });
      return;
    }
    if ('drop' in step) {
      res.socket?.destroy();
      done();
      return;
    }
    const act = (): void => {
      if ('reply' in step)
        send(res, 200, completion(step.reply, step.finishReason ?? 'stop', model));
      else send(res, step.status, step.body);
      done();
    };
    if (step.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        act();
      }, step.delayMs);
      timers.add(t);
      res.on('close', () => {
        if (timers.delete(t)) {
          clearTimeout(t);
          done();
        }
      });
    } else act();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: ChatBody | undefined;
      try {
        body = raw ? (JSON.parse(raw) as ChatBody) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
        raw,
      };
      requests.push(rec);
      events.emit('request');
      if (req.method === 'GET' && path === '/v1/models') {
        const m = api.models;
        if (Array.isArray(m))
          send(res, 200, {
            object: 'list',
            data: m.map((id) => ({ id, object: 'model', owned_by: 'test' })),
          });
        else perform(res, m, '', () => undefined);
        return;
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        inFlight++;
        peakInFlight = Math.max(peakInFlight, inFlight);
        let finished = false;
        const done = (): void => {
          if (finished) return;
          finished = true;
          inFlight--;
        };
        const next = queue.shift() ?? fallback;
        const step = typeof next === 'function' ? next(rec) : next;
        perform(res, step, body?.model ?? 'test-model', done);
        return;
      }
      send(res, 404, { error: { message: `no route ${req.method} ${path}` } });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  const api: LlmServer = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    chats: () => requests.filter((r) => r.path === '/v1/chat/completions'),
    script: (...steps) => void queue.push(...steps),
    fallback: (step) => void (fallback = step),
    models: ['test-model'],
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    async waitForRequests(n, timeoutMs = 10_000) {
      if (requests.length >= n) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          events.off('request', check);
          reject(new Error(`timed out waiting for ${n} requests (have ${requests.length})`));
        }, timeoutMs);
        const check = (): void => {
          if (requests.length < n) return;
          clearTimeout(timer);
          events.off('request', check);
          resolve();
        };
        events.on('request', check);
      });
    },
    release(step) {
      for (const go of [...hanging]) go(step);
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function refusedBaseUrl(): Promise<string> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}
