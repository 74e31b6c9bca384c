/**
 * The endpoint's health check (GET {baseUrl}/models), for the settings view's "Test" button and
 * for picking the server's model when none is configured.
 */
import { LlmSettings } from '../../../../shared/domain/config.js';
import { systemClock, type Clock } from '../../ports.js';
import { endpointUrl, exchange, hostOf, statusFailure } from './http.js';
import type { Failure } from './protocol.js';

/**
 * The health check's own limit. A model list is answered from memory; 10 s allows a server
 * still loading its model, and keeps the Test button from hanging as long as a chat request may.
 */
const MODELS_TIMEOUT_MS = 10_000;

export type ModelList = { ok: true; models: string[] } | { ok: false; failure: Failure };

/** The model ids the server lists (`{data: [{id}]}`, the OpenAI shape; Ollama and llama.cpp agree). */
export async function listModels(
  settings: Pick<LlmSettings, 'baseUrl' | 'timeoutMs'>,
  apiKey: string | undefined,
  opts: { fetch?: typeof fetch; clock?: Clock } = {},
): Promise<ModelList> {
  const url = endpointUrl(settings.baseUrl, 'models');
  const res = await exchange({
    method: 'GET',
    url,
    apiKey,
    timeoutMs: Math.min(settings.timeoutMs, MODELS_TIMEOUT_MS),
    clock: opts.clock ?? systemClock,
    fetch: opts.fetch ?? fetch,
  });
  if ('kind' in res) return { ok: false, failure: res };
  if (res.status === 404)
    return {
      ok: false,
      failure: {
        kind: 'http',
        reason: `HTTP 404: nothing at ${url} — the base URL usually ends in /v1 (llama.cpp: http://127.0.0.1:8080/v1, Ollama: http://127.0.0.1:11434/v1)`,
      },
    };
  if (res.status < 200 || res.status >= 300)
    return { ok: false, failure: statusFailure(res.status, res.text) };
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    body = undefined;
  }
  const data = (body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data))
    return {
      ok: false,
      failure: {
        kind: 'not-openai',
        reason: `${hostOf(url)} answered, but not like an OpenAI-compatible server (no "data" list of models at ${url})`,
      },
    };
  const models = data
    .map((m) => (m as { id?: unknown })?.id)
    .filter((id): id is string => typeof id === 'string' && id !== '');
  return { ok: true, models };
}

/**
 * Check the endpoint as the settings say: reachable, OpenAI-shaped, the API key accepted, and
 * the configured model among the server's. Never throws; `message` is for a person.
 */
export async function testLlmEndpoint(
  settings: LlmSettings,
  apiKey: string | undefined,
  opts: { fetch?: typeof fetch; clock?: Clock } = {},
): Promise<{ ok: boolean; ms: number; models: string[]; message: string }> {
  // The same check Save makes: a URL Save would refuse is never asked (it may carry a secret
  // in its query, and a path built on it means nothing).
  const url = LlmSettings.shape.baseUrl.safeParse(settings.baseUrl);
  if (!url.success)
    return {
      ok: false,
      ms: 0,
      models: [],
      message: `the endpoint URL is not usable: ${url.error.issues[0]?.message ?? 'invalid'}`,
    };
  const started = performance.now();
  const list = await listModels(settings, apiKey, opts);
  const ms = Math.round(performance.now() - started);
  if (!list.ok) return { ok: false, ms, models: [], message: list.failure.reason };
  const { models } = list;
  const shown = models.slice(0, 10).join(', ') + (models.length > 10 ? ', …' : '');
  if (settings.model && !models.includes(settings.model))
    return {
      ok: false,
      ms,
      models,
      message: models.length
        ? `the server does not list the model "${settings.model}"; it has: ${shown}`
        : `the server lists no models, so not "${settings.model}" either`,
    };
  if (!settings.model && models.length === 0)
    return {
      ok: false,
      ms,
      models,
      message: 'the server lists no models: load one, or name one in the settings',
    };
  const using = settings.model || models[0]!;
  return {
    ok: true,
    ms,
    models,
    message: `connected in ${ms} ms; ${models.length} model${models.length === 1 ? '' : 's'} (${shown}); using "${using}"`,
  };
}
