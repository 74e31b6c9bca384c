import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { categorizeOnce, testLlmEndpoint } from '../../../src/main/core/classify/llm/index.js';
import { LlmSettings, type LlmSettingsInput } from '../../../src/shared/domain/config.js';
import { Category } from '../../../src/shared/domain/rule.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import {
  answer,
  refusedBaseUrl,
  rejectsResponseFormat,
  startLlmServer,
  type LlmServer,
} from '../../helpers/llm-server.js';
import { makeMessage } from '../rules/fixtures.js';

let server: LlmServer;
beforeEach(async () => {
  server = await startLlmServer();
});
afterEach(async () => {
  await server.close();
});

const settings = (over: LlmSettingsInput = {}): LlmSettings =>
  LlmSettings.parse({ enabled: true, baseUrl: server.baseUrl, ...over });

describe('testLlmEndpoint (GET {baseUrl}/models)', () => {
  it('ok: lists the models and says which one is used', async () => {
    server.models = ['qwen2.5-3b-instruct', 'llama3.2'];
    const r = await testLlmEndpoint(settings(), 'key');
    expect(r).toMatchObject({ ok: true, models: ['qwen2.5-3b-instruct', 'llama3.2'] });
    expect(r.message).toMatch(
      /^connected in \d+ ms; 2 models \(qwen2\.5-3b-instruct, llama3\.2\); using "qwen2\.5-3b-instruct"$/,
    );
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer key');
  });

  it('a trailing slash on the base URL is fine', async () => {
    expect((await testLlmEndpoint(settings({ baseUrl: `${server.baseUrl}/` }), undefined)).ok).toBe(
      true,
    );
    expect(server.requests[0]!.path).toBe('/v1/models');
  });

  it('the configured model is not on the server', async () => {
    server.models = ['a', 'b'];
    const r = await testLlmEndpoint(settings({ model: 'llama3:70b' }), undefined);
    expect(r).toMatchObject({ ok: false, models: ['a', 'b'] });
    expect(r.message).toBe('the server does not list the model "llama3:70b"; it has: a, b');
  });

  it('a URL Save would refuse is never asked (a query may carry a secret)', async () => {
    const bad = { ...settings(), baseUrl: `${server.baseUrl}?k=SECRET` };
    const r = await testLlmEndpoint(bad, undefined);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^the endpoint URL is not usable: /);
    expect(server.requests).toHaveLength(0);
  });

  it('refused', async () => {
    const r = await testLlmEndpoint(settings({ baseUrl: await refusedBaseUrl() }), undefined);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(
      /^connection refused at 127\.0\.0\.1:\d+: is the model server running\?$/,
    );
  });

  it('DNS', async () => {
    const notFound: typeof fetch = () =>
      Promise.reject(
        Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error('getaddrinfo ENOTFOUND llm.invalid'), {
            code: 'ENOTFOUND',
          }),
        }),
      );
    const r = await testLlmEndpoint(
      settings({ baseUrl: 'http://llm.invalid:8080/v1' }),
      undefined,
      {
        fetch: notFound,
      },
    );
    expect(r).toMatchObject({ ok: false, message: 'cannot resolve the host of llm.invalid:8080' });
  });

  it('timeout (fake time): the check gives up after 10 s at most', async () => {
    server.models = { hang: true };
    const clock = new FakeClock();
    const pending = testLlmEndpoint(settings(), undefined, { clock });
    await server.waitForRequests(1);
    clock.advance(10_000);
    expect(await pending).toMatchObject({ ok: false, message: 'no answer within 10 s' });
  });

  it('401', async () => {
    server.models = { status: 401, body: { error: { message: 'Invalid API Key' } } };
    const r = await testLlmEndpoint(settings(), 'wrong');
    expect(r.message).toBe(
      'HTTP 401: the server refused the API key (Invalid API Key); check it in the settings',
    );
    expect(r.message).not.toContain('wrong');
  });

  it('not OpenAI-shaped: some other web server at that address', async () => {
    server.models = { status: 200, body: '<html><body>It works!</body></html>' };
    const r = await testLlmEndpoint(settings(), undefined);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/answered, but not like an OpenAI-compatible server/);
  });

  it('404: the base URL is probably missing /v1', async () => {
    const r = await testLlmEndpoint(
      settings({ baseUrl: server.baseUrl.replace(/\/v1$/, '') }),
      undefined,
    );
    expect(r.message).toMatch(
      /^HTTP 404: nothing at .*\/models — the base URL usually ends in \/v1/,
    );
  });
});

describe('categorizeOnce (the test button)', () => {
  const cats = [Category.parse({ name: 'PROMOTIONS', description: 'Shops' })];

  it('the category, the raw answer and the time', async () => {
    server.script(answer('PROMOTIONS'));
    const r = await categorizeOnce(makeMessage(), cats, settings({ model: 'm' }), undefined);
    expect(r).toEqual({
      category: 'PROMOTIONS',
      ms: expect.any(Number) as number,
      answer: '{"category":"PROMOTIONS"}',
    });
  });

  it('a failure gives the reason and what the model said', async () => {
    server.script({ reply: 'Sure! It is PROMOTIONS.' });
    const r = await categorizeOnce(makeMessage(), cats, settings({ model: 'm' }), undefined);
    expect(r).toMatchObject({ category: undefined, answer: 'Sure! It is PROMOTIONS.' });
    expect(r.reason).toMatch(/not the JSON asked for/);
  });

  it('"none"', async () => {
    server.script(answer('none'));
    const r = await categorizeOnce(makeMessage(), cats, settings({ model: 'm' }), undefined);
    expect(r).toMatchObject({ category: undefined, reason: 'the model says no category fits' });
  });

  it('falls back when response_format is refused, picks the server model when none is set', async () => {
    server.models = ['only-model'];
    server.script(rejectsResponseFormat, answer('PROMOTIONS'));
    const r = await categorizeOnce(makeMessage(), cats, settings(), undefined);
    expect(r.category).toBe('PROMOTIONS');
    expect(server.chats().map((c) => c.body!.model)).toEqual(['only-model', 'only-model']);
  });

  it('server down', async () => {
    const r = await categorizeOnce(
      makeMessage(),
      cats,
      settings({ baseUrl: await refusedBaseUrl(), model: 'm' }),
      undefined,
    );
    expect(r.reason).toMatch(/connection refused/);
  });
});
