import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import {
  buildApi,
  contract,
  ErrorCode,
  eventNames,
  invokeChannels,
  isExternalUrl,
  isSolonError,
  solonError,
  type ArgsOf,
  type EventName,
  type InvokeChannel,
  type PayloadOf,
  type ResultOf,
  type SolonApi,
  type SolonError,
  type Wire,
} from '../../../src/shared/contract.js';
import type { ActivityEntry } from '../../../src/shared/domain/activity.js';
import type { AccountStatus } from '../../../src/shared/domain/status.js';

/** A transport that records calls and answers from a table of Wire replies. */
function fakeTransports(answer: (channel: InvokeChannel, args: unknown) => Promise<unknown>) {
  const calls: [InvokeChannel, unknown][] = [];
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const invoke = vi.fn((channel: InvokeChannel, args: unknown) => {
    calls.push([channel, args]);
    return answer(channel, args);
  });
  const listen = (event: EventName, listener: (payload: unknown) => void) => {
    const set = listeners.get(event) ?? new Set();
    set.add(listener);
    listeners.set(event, set);
    return () => {
      set.delete(listener);
    };
  };
  const push = (event: EventName, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  return { invoke, listen, calls, push, listeners };
}

const ok = <T>(value: T): Wire<T> => ({ ok: true, value });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('the contract', () => {
  it('declares args and result zod schemas for every invoke channel', () => {
    expect(invokeChannels.length).toBeGreaterThan(0);
    for (const channel of invokeChannels) {
      const spec: unknown = contract.invoke[channel];
      expect(spec, channel).toHaveProperty('args');
      expect(spec, channel).toHaveProperty('result');
      const { args, result } = contract.invoke[channel];
      expect(args, channel).toBeInstanceOf(z.ZodType);
      expect(result, channel).toBeInstanceOf(z.ZodType);
    }
  });

  it('declares a payload schema for every event', () => {
    expect(eventNames).toEqual(['status.changed', 'activity.appended', 'rules.applyProgress']);
    for (const event of eventNames) {
      expect(contract.events[event].payload, event).toBeInstanceOf(z.ZodType);
    }
  });

  it('names channels namespace.method, and no namespace is called "on"', () => {
    for (const channel of [...invokeChannels, ...eventNames]) {
      expect(channel).toMatch(/^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
    }
    expect(invokeChannels.map((c) => c.split('.')[0])).not.toContain('on');
  });

  it('has the channels the app needs', () => {
    expect([...invokeChannels].sort()).toEqual(
      [
        'activity.recent',
        'activity.undo',
        'app.info',
        'app.openExternal',
        'engine.checkNow',
        'engine.pause',
        'engine.reconnect',
        'engine.resume',
        'rules.get',
        'rules.validate',
        'status.get',
        'settings.get',
        'settings.update',
        'accounts.setPassword',
        'accounts.test',
        'accounts.folders',
        'messages.recent',
        'rules.preview',
        'rules.apply',
        'rules.cancelApply',
        'categories.test',
        'llm.test',
        'llm.setApiKey',
        'app.openDataFolder',
        'rules.export',
        'rules.import',
      ].sort(),
    );
  });

  it('a settings patch leaves out what it does not name (no defaults filled in)', () => {
    const update = contract.invoke['settings.update'].args;
    // zod 4's .partial() keeps inner defaults: { enabled: false } would also reset
    // connectionLost and ruleNotify to true. The patch schema must not.
    const parsed = update.parse({ notifications: { enabled: false } });
    expect(parsed.notifications).toEqual({ enabled: false });
    expect(update.safeParse({ notifications: { loud: true } }).success).toBe(false);
  });

  it('args schemas refuse strangers and name the field', () => {
    const recent = contract.invoke['activity.recent'].args;
    expect(recent.safeParse({ limit: 50 }).success).toBe(true);
    expect(recent.safeParse({ limit: 50, query: 'debian' }).success).toBe(true);
    const tooMany = recent.safeParse({ limit: 5000 });
    expect(tooMany.success).toBe(false);
    expect(tooMany.error?.issues[0]?.path).toEqual(['limit']);
    const extra = recent.safeParse({ limit: 5, sql: 'drop' });
    expect(extra.success).toBe(false);
    expect(contract.invoke['status.get'].args.safeParse(undefined).success).toBe(true);
    expect(contract.invoke['status.get'].args.safeParse({}).success).toBe(false);
    expect(contract.invoke['engine.pause'].args.safeParse(undefined).success).toBe(true);
    expect(contract.invoke['engine.pause'].args.safeParse({ accountId: 'work' }).success).toBe(
      true,
    );
    expect(contract.invoke['engine.pause'].args.safeParse({ accountId: '' }).success).toBe(false);
    const url = contract.invoke['app.openExternal'].args;
    expect(url.safeParse({ url: 'https://example.org/' }).success).toBe(true);
    expect(url.safeParse({ url: 'file:///etc/passwd' }).success).toBe(false);
  });

  it('result schemas describe what the engine answers', () => {
    expect(contract.invoke['status.get'].result.safeParse([]).success).toBe(true);
    expect(contract.invoke['status.get'].result.safeParse([{ accountId: 'x' }]).success).toBe(
      false,
    );
    expect(contract.invoke['engine.pause'].result.safeParse(undefined).success).toBe(true);
    expect(
      contract.invoke['rules.validate'].result.safeParse({
        ok: false,
        errors: [{ path: 'rules[0].id', message: 'duplicate' }],
      }).success,
    ).toBe(true);
  });

  it.each([
    ['https://example.org/help', true],
    ['http://localhost:8080/', true],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['mailto:a@b.c', false],
    ['https://user:pw@example.org/', false],
    ['solon://settings', false],
    ['not a url', false],
    ['', false],
  ])('external link %s → %s', (url, expected) => {
    expect(isExternalUrl(url)).toBe(expected);
  });

  it('derives the types of window.solon from the schemas', () => {
    expectTypeOf<ResultOf<'status.get'>>().toEqualTypeOf<AccountStatus[]>();
    expectTypeOf<ResultOf<'activity.undo'>>().toEqualTypeOf<ActivityEntry>();
    expectTypeOf<ArgsOf<'activity.recent'>>().toEqualTypeOf<{ limit: number; query?: string }>();
    expectTypeOf<PayloadOf<'status.changed'>>().toEqualTypeOf<AccountStatus[]>();
    expectTypeOf<SolonApi['status']['get']>().toBeCallableWith();
    expectTypeOf<SolonApi['engine']['pause']>().toBeCallableWith();
    expectTypeOf<SolonApi['engine']['pause']>().toBeCallableWith({ accountId: 'work' });
    expectTypeOf<SolonApi['activity']['recent']>().toBeCallableWith({ limit: 10 });
    expectTypeOf<SolonApi['activity']['recent']>().returns.resolves.toEqualTypeOf<
      ActivityEntry[]
    >();
    expectTypeOf<SolonApi['engine']['pause']>().returns.resolves.toEqualTypeOf<void>();
    // No generic invoke on the api.
    expectTypeOf<SolonApi>().not.toHaveProperty('invoke');
  });
});

describe('SolonError', () => {
  it('is plain data (it must cross contextBridge whole) and recognisable', () => {
    const e = solonError(ErrorCode.NOT_FOUND, 'no entry x');
    expect(e).toEqual({ name: 'SolonError', code: 'NOT_FOUND', message: 'no entry x' });
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
    expect(isSolonError(e)).toBe(true);
    expect(isSolonError(structuredClone(e))).toBe(true);
    expect(isSolonError(new Error('x'))).toBe(false);
    expect(isSolonError({ name: 'SolonError', code: 'MADE_UP', message: 'x' })).toBe(false);
  });
});

describe('buildApi (what the preload exposes as window.solon)', () => {
  it('has exactly one function per channel, grouped by namespace, plus on', () => {
    const t = fakeTransports(() => Promise.resolve(ok(undefined)));
    const api = buildApi(t.invoke, t.listen) as unknown as Record<string, unknown>;
    const exposed: string[] = [];
    for (const [ns, group] of Object.entries(api)) {
      if (ns === 'on') {
        expect(typeof group).toBe('function');
        continue;
      }
      for (const [method, fn] of Object.entries(group as Record<string, unknown>)) {
        expect(typeof fn, `${ns}.${method}`).toBe('function');
        exposed.push(`${ns}.${method}`);
      }
    }
    expect(exposed.sort()).toEqual([...invokeChannels].sort());
    expect(Object.keys(api)).not.toContain('invoke');
    expect(Object.keys(api)).not.toContain('ipcRenderer');
  });

  it('each function invokes its own channel with the args and resolves with the value', async () => {
    const status: AccountStatus[] = [];
    const t = fakeTransports((channel) =>
      Promise.resolve(channel === 'status.get' ? ok(status) : ok(undefined)),
    );
    const api = buildApi(t.invoke, t.listen);
    await expect(api.status.get()).resolves.toBe(status);
    await expect(api.engine.pause({ accountId: 'work' })).resolves.toBeUndefined();
    await api.activity.recent({ limit: 3, query: 'x' });
    expect(t.calls).toEqual([
      ['status.get', undefined],
      ['engine.pause', { accountId: 'work' }],
      ['activity.recent', { limit: 3, query: 'x' }],
    ]);
  });

  it('turns an error answer into a rejected SolonError carrying the code', async () => {
    const t = fakeTransports(() =>
      Promise.resolve({
        ok: false,
        error: solonError(ErrorCode.INVALID_ARGS, 'activity.recent: limit: too big', 'limit'),
      }),
    );
    const api = buildApi(t.invoke, t.listen);
    const e = await rejection(api.activity.recent({ limit: 1 }));
    expect(isSolonError(e)).toBe(true);
    expect(e).toMatchObject({ code: 'INVALID_ARGS', path: 'limit' });
  });

  it('a failed transport (no handler, window closing) rejects with code IPC', async () => {
    const t = fakeTransports(() =>
      Promise.reject(new Error("No handler registered for 'status.get'")),
    );
    const api = buildApi(t.invoke, t.listen);
    const e = (await rejection(api.status.get())) as SolonError;
    expect(e.code).toBe('IPC');
    expect(e.message).toContain('status.get');
  });

  it('an answer that is not a Wire envelope rejects with code IPC', async () => {
    const t = fakeTransports(() => Promise.resolve([]));
    const api = buildApi(t.invoke, t.listen);
    expect(await rejection(api.status.get())).toMatchObject({ code: 'IPC' });
  });

  it('on() passes only the payload, and its unsubscribe stops exactly that listener', () => {
    const t = fakeTransports(() => Promise.resolve(ok(undefined)));
    const api = buildApi(t.invoke, t.listen);
    const a: AccountStatus[][] = [];
    const b: AccountStatus[][] = [];
    const offA = api.on('status.changed', (s) => a.push(s));
    api.on('status.changed', (s) => b.push(s));
    t.push('status.changed', []);
    offA();
    t.push('status.changed', []);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(2);
  });

  it('on() refuses names that are not contract events', () => {
    const t = fakeTransports(() => Promise.resolve(ok(undefined)));
    const api = buildApi(t.invoke, t.listen);
    const on = api.on as unknown as (e: string, l: () => void) => () => void;
    let thrown: unknown;
    try {
      on('ELECTRON_BROWSER_WINDOW_ALERT', () => undefined);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'UNKNOWN_CHANNEL' });
    expect(t.listeners.size).toBe(0);
  });
});
