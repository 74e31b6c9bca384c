import { describe, expect, it } from 'vitest';
import {
  createPowerPolicy,
  OnlinePoller,
  type PowerEngine,
  type PowerEvent,
} from '../../../src/main/power-policy.js';

/** An engine that records what it was asked to do. */
function fakeEngine(probe: () => Promise<void> = () => Promise.resolve()) {
  const calls: string[] = [];
  const engine: PowerEngine = {
    suspend: (reason) => calls.push(`suspend: ${reason}`),
    resume: (reason) => calls.push(`resume: ${reason}`),
    probe: () => {
      calls.push('probe');
      return probe();
    },
  };
  return { engine, calls };
}

describe('createPowerPolicy', () => {
  it.each<[PowerEvent, string[]]>([
    [{ type: 'suspend' }, ['suspend: the computer is going to sleep']],
    [{ type: 'resume' }, ['resume: woke up']],
    [{ type: 'lock-screen' }, []],
    [{ type: 'unlock-screen' }, ['probe']],
    [{ type: 'online-change', online: false }, []],
    [{ type: 'online-change', online: true }, ['probe']],
  ])('%j → %j', (event, expected) => {
    const { engine, calls } = fakeEngine();
    createPowerPolicy(engine)(event);
    expect(calls).toEqual(expected);
  });

  it('while the user has paused, OS events change nothing', () => {
    const { engine, calls } = fakeEngine();
    const handle = createPowerPolicy(engine, { isPaused: () => true });
    for (const e of [
      { type: 'suspend' },
      { type: 'resume' },
      { type: 'lock-screen' },
      { type: 'unlock-screen' },
      { type: 'online-change', online: true },
    ] as const)
      handle(e);
    expect(calls).toEqual([]);
  });

  it('reads the pause flag at each event', () => {
    const { engine, calls } = fakeEngine();
    let paused = false;
    const handle = createPowerPolicy(engine, { isPaused: () => paused });
    handle({ type: 'suspend' });
    paused = true;
    handle({ type: 'resume' });
    expect(calls).toEqual(['suspend: the computer is going to sleep']);
  });

  it('a failing probe is reported, not left unhandled', async () => {
    const boom = new Error('boom');
    const { engine } = fakeEngine(() => Promise.reject(boom));
    const errors: unknown[] = [];
    const seen = new Promise<void>((resolve) => {
      createPowerPolicy(engine, {
        onError: (e) => {
          errors.push(e);
          resolve();
        },
      })({ type: 'unlock-screen' });
    });
    await seen;
    expect(errors).toEqual([boom]);
  });
});

describe('OnlinePoller', () => {
  it('emits only on transitions; the first sample is the baseline', () => {
    const p = new OnlinePoller();
    const events = [true, true, false, false, false, true, true, false].map((s) => p.sample(s));
    expect(events).toEqual([
      undefined,
      undefined,
      { type: 'online-change', online: false },
      undefined,
      undefined,
      { type: 'online-change', online: true },
      undefined,
      { type: 'online-change', online: false },
    ]);
    expect(p.online).toBe(false);
  });

  it('an initial value is a baseline too', () => {
    const p = new OnlinePoller(false);
    expect(p.online).toBe(false);
    expect(p.sample(false)).toBeUndefined();
    expect(p.sample(true)).toEqual({ type: 'online-change', online: true });
  });

  it('feeds the policy: coming back online probes, going offline does nothing', () => {
    const { engine, calls } = fakeEngine();
    const handle = createPowerPolicy(engine);
    const p = new OnlinePoller(true);
    for (const s of [true, false, false, true]) {
      const e = p.sample(s);
      if (e) handle(e);
    }
    expect(calls).toEqual(['probe']);
  });
});
