/**
 * The LLM categorizer (issue 6): asks a local OpenAI-compatible server for one of the user's
 * categories, for messages no rule decided. Private (the endpoint is the user's), bounded (a
 * prompt of fixed size, a reply of a few tokens, a time limit, `maxConcurrent` requests at
 * once, one retry) and harmless when the model misbehaves: every failure leaves the message as
 * it is, with the reason in the activity log and the classifier's health set to degraded.
 *
 * Around each request, in order: the decision cache (a message is never paid for twice), the
 * limiter (one request at a time by default), the circuit breaker (a dead server is skipped for
 * a while instead of costing a timeout per message), then ask() (reply modes, retry, strict
 * reading).
 */
import type { LlmSettings } from '../../../../shared/domain/config.js';
import type { Category } from '../../../../shared/domain/rule.js';
import type { ClassifierHealth } from '../../../../shared/domain/status.js';
import type { MessageView } from '../../mail/message-view.js';
import { silentLogger, systemClock, type Clock, type Logger } from '../../ports.js';
import type { Categorized, Categorizer } from '../pipeline.js';
import { ask } from './ask.js';
import { Breaker, DEFAULT_BREAKER, type BreakerOptions } from './breaker.js';
import { DecisionCache, decisionKey } from './cache.js';
import { listModels } from './endpoint.js';
import { hostOf, isLoopback } from './http.js';
import { Limiter } from './limiter.js';
import { buildPrompt } from './prompt.js';
import { FAILURE_POLICY, quote, type Failure, type ReplyMode } from './protocol.js';

/**
 * Pause before the one retry of a refused connection, a reset or a 5xx. 1 s: long enough for a
 * server that is restarting its listener, short enough not to matter to a queue.
 */
export const RETRY_DELAY_MS = 1_000;

export interface LlmCategorizerOptions {
  settings: LlmSettings;
  /** The API key, asked when first needed and again after the server refused it. */
  apiKey?: () => Promise<string | undefined>;
  /** Where decisions are kept across restarts (memory only when absent). */
  cacheFile?: string;
  log?: Logger;
  /** Called whenever the classifier's health changes (state or reason). */
  onHealth?: (h: ClassifierHealth) => void;
  fetch?: typeof fetch;
  /** Time for timeouts, the retry pause and the breaker's cooldowns (tests: a fake clock). */
  clock?: Clock;
  /** The breaker's bounds (defaults: DEFAULT_BREAKER, each with its reason). */
  breaker?: Partial<BreakerOptions>;
  /** Pause before the one retry (default RETRY_DELAY_MS; 0: none). */
  retryDelayMs?: number;
  /** Coalescing delay of cache writes (default CACHE_WRITE_DELAY_MS). */
  cacheWriteDelayMs?: number;
  /** Sees each request body just before it is sent (tests; never holds the API key). */
  onRequest?: (body: Record<string, unknown>) => void;
}

/** A Categorizer with what its owner needs besides: health, pending cache writes, the bound. */
export type LlmCategorizer = Categorizer & {
  health(): ClassifierHealth;
  /** Write pending cache entries (the engine calls this when it stops). */
  flush(): Promise<void>;
  /** The most requests that were ever in flight at once. */
  peakConcurrency(): number;
};

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function createLlmCategorizer(opts: LlmCategorizerOptions): LlmCategorizer {
  const { settings } = opts;
  const clock = opts.clock ?? systemClock;
  const log = (opts.log ?? silentLogger).child({ part: 'llm' });
  const doFetch = opts.fetch ?? fetch;
  const limiter = new Limiter(settings.maxConcurrent);
  const breaker = new Breaker(clock, { ...DEFAULT_BREAKER, ...opts.breaker });
  const cacheReady = DecisionCache.open(opts.cacheFile, clock, log, opts.cacheWriteDelayMs);
  /** What worked last: a server that refused json_schema is not asked with it again. */
  let mode: ReplyMode = 'json_schema';
  /** settings.model, or the server's first model once known ('' = the server picks). */
  let model: string | undefined = settings.model || undefined;
  let key: { value: string | undefined } | undefined;
  /** While the breaker is open: why, fixed when it opened (the health reason stays put). */
  let unavailable = '';
  let health: ClassifierHealth = { state: 'ok', reason: 'not asked yet', since: clock.now() };
  if (!isLoopback(settings.baseUrl))
    log.warn('the LLM endpoint is not on this machine: message excerpts will be sent there', {
      endpoint: hostOf(settings.baseUrl),
    });

  const setHealth = (state: ClassifierHealth['state'], reason?: string): void => {
    if (health.state === state && health.reason === reason) return;
    health = { state, reason, since: health.state === state ? health.since : clock.now() };
    try {
      opts.onHealth?.(health);
    } catch (err) {
      log.warn('health listener failed', { err: String(err) });
    }
  };

  async function apiKey(): Promise<string | undefined> {
    if (!opts.apiKey) return undefined;
    key ??= { value: await opts.apiKey() };
    return key.value;
  }

  /** The model to name, found on the server when the settings leave it empty. */
  async function resolveModel(
    key: string | undefined,
  ): Promise<{ model: string | undefined } | Failure> {
    if (model !== undefined) return { model: model || undefined };
    const list = await listModels(settings, key, { fetch: doFetch, clock });
    if (!list.ok) {
      if (!answeredWithoutList(list.failure)) return list.failure;
      model = '';
      return { model: undefined };
    }
    model = list.models[0] ?? '';
    if (model) log.info("using the server's first model", { model });
    return { model: model || undefined };
  }

  function failed(failure: Failure): Categorized {
    if (failure.kind === 'aborted') {
      breaker.cancelTrial(); // says nothing about the server: the next request may try again
      return { aborted: true, note: `classifier: ${failure.reason}` };
    }
    if (failure.kind === 'auth') key = undefined; // ask the key's source again next time
    if (FAILURE_POLICY[failure.kind].endpoint) {
      const cooldown = breaker.failure(failure.reason);
      if (cooldown !== undefined) {
        unavailable = `${failure.reason} (failing repeatedly: the model is skipped for ${Math.round(cooldown / 1000)} s, then tried again)`;
        log.warn('LLM endpoint failing: skipping the model for a while', {
          reason: failure.reason,
          cooldownMs: cooldown,
        });
        setHealth('degraded', `classifier unavailable: ${unavailable}`);
        return { note: `classifier: ${failure.reason}; left as it is` };
      }
    } else breaker.neutral();
    log.info('LLM classification failed; message left as it is', {
      kind: failure.kind,
      reason: failure.reason,
    });
    setHealth('degraded', `classifier: ${failure.reason}`);
    return { note: `classifier: ${failure.reason}; left as it is` };
  }

  async function decide(
    view: MessageView,
    categories: Category[],
    signal: AbortSignal | undefined,
  ): Promise<Categorized> {
    const cache = await cacheReady;
    const prompt = buildPrompt(view, categories, settings.excerptChars);
    const keyOf = (m: string | undefined): string =>
      decisionKey({ messageId: view.messageId, data: prompt.data, model: m ?? '', categories });
    const remembered = (m: string | undefined): Categorized | undefined => {
      const hit = cache.get(keyOf(m));
      if (!hit) return undefined;
      return {
        category: hit.category,
        note: hit.category
          ? `classifier: ${hit.category} (remembered)`
          : 'classifier: no category fits (remembered)',
      };
    };
    // Known model: a remembered decision costs no wait in the queue.
    if (model !== undefined) {
      const hit = remembered(model);
      if (hit) return hit;
    }
    return limiter.run(async () => {
      if (signal?.aborted) return failed({ kind: 'aborted', reason: 'stopped before asking' });
      // A twin of this message (same Message-ID) may have been answered while this one waited.
      if (model !== undefined) {
        const hit = remembered(model);
        if (hit) return hit;
      }
      const verdict = breaker.check();
      if (!verdict.go) return { note: `classifier unavailable: ${unavailable}; left as it is` };
      let apiKeyValue: string | undefined;
      try {
        apiKeyValue = await apiKey();
      } catch (err) {
        return failed({ kind: 'api-key', reason: (err as Error).message });
      }
      const resolved = await resolveModel(apiKeyValue);
      if ('kind' in resolved) return failed(resolved);
      const hit = remembered(resolved.model);
      if (hit) {
        breaker.success(); // the server just answered the model list
        return hit;
      }
      const started = performance.now();
      const r = await ask({
        baseUrl: settings.baseUrl,
        model: resolved.model,
        prompt,
        apiKey: apiKeyValue,
        timeoutMs: settings.timeoutMs,
        mode,
        clock,
        fetch: doFetch,
        retryDelayMs: opts.retryDelayMs ?? RETRY_DELAY_MS,
        signal,
        onRequest: opts.onRequest,
      });
      const ms = performance.now() - started;
      if (r.mode !== mode) {
        log.info('the server refused a reply constraint; using the next one', {
          was: mode,
          now: r.mode,
        });
        mode = r.mode;
      }
      log.debug('LLM answer', {
        uid: view.uid,
        ok: r.ok,
        ms: Math.round(ms),
        attempts: r.attempts,
        mode: r.mode,
        answer: quote(r.answer),
      });
      if (!r.ok) return failed(r.failure);
      breaker.success();
      cache.set(keyOf(resolved.model), r.category);
      setHealth('ok');
      return {
        category: r.category,
        note: r.category
          ? `classifier: ${r.category} (${secs(ms)})`
          : `classifier: no category fits (${secs(ms)})`,
      };
    });
  }

  const categorize: Categorizer = async (view, categories, signal) => {
    if (categories.length === 0) return { note: 'classifier: there are no categories' };
    try {
      return await decide(view, categories, signal);
    } catch (err) {
      // A bug here must not stop the queue: the message is left as it is, like any failure.
      log.error('LLM categorizer failed', { err: String((err as Error)?.stack ?? err) });
      setHealth('degraded', `classifier: internal error: ${String(err)}`);
      return { note: `classifier: internal error (${String(err)}); left as it is` };
    }
  };

  return Object.assign(categorize, {
    health: () => health,
    flush: async () => (await cacheReady).flush(),
    peakConcurrency: () => limiter.peak,
  });
}

/**
 * Classify one message now, for the categories view's test button: no cache, no breaker, no
 * limiter — what the model answers to this message today, and how long it took. Never throws.
 * `answer` is the model's reply text as it came (empty when there was none).
 */
export async function categorizeOnce(
  view: MessageView,
  categories: Category[],
  settings: LlmSettings,
  apiKey: string | undefined,
  opts: {
    fetch?: typeof fetch;
    clock?: Clock;
    onRequest?: LlmCategorizerOptions['onRequest'];
  } = {},
): Promise<{ category: string | undefined; ms: number; answer: string; reason?: string }> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  if (categories.length === 0)
    return { category: undefined, ms: 0, answer: '', reason: 'there are no categories' };
  const clock = opts.clock ?? systemClock;
  const doFetch = opts.fetch ?? fetch;
  let model: string | undefined = settings.model || undefined;
  if (!model) {
    const list = await listModels(settings, apiKey, { fetch: doFetch, clock });
    if (list.ok) model = list.models[0];
    else if (!answeredWithoutList(list.failure))
      return { category: undefined, ms: elapsed(), answer: '', reason: list.failure.reason };
  }
  try {
    const r = await ask({
      baseUrl: settings.baseUrl,
      model,
      prompt: buildPrompt(view, categories, settings.excerptChars),
      apiKey,
      timeoutMs: settings.timeoutMs,
      mode: 'json_schema',
      clock,
      fetch: doFetch,
      retryDelayMs: RETRY_DELAY_MS,
      onRequest: opts.onRequest,
    });
    if (!r.ok)
      return { category: undefined, ms: elapsed(), answer: r.answer, reason: r.failure.reason };
    return r.category
      ? { category: r.category, ms: elapsed(), answer: r.answer }
      : {
          category: undefined,
          ms: elapsed(),
          answer: r.answer,
          reason: 'the model says no category fits',
        };
  } catch (err) {
    return {
      category: undefined,
      ms: elapsed(),
      answer: '',
      reason: `internal error: ${String(err)}`,
    };
  }
}

/**
 * The server answered /models, just not with a usable list (an HTTP error or another shape):
 * it is there, so the chat request goes without a model name (llama.cpp serves the model it
 * loaded). Anything else (refused, DNS, timeout…) fails the message.
 */
function answeredWithoutList(f: Failure): boolean {
  return f.kind === 'http' || f.kind === 'rejected' || f.kind === 'not-openai';
}
