import { describe, expect, it } from 'vitest';
import { Breaker } from '../../../src/main/core/classify/llm/breaker.js';
import { categoriesHash, decisionKey } from '../../../src/main/core/classify/llm/cache.js';
import {
  endpointUrl,
  isLoopback,
  serverMessage,
} from '../../../src/main/core/classify/llm/http.js';
import { Limiter } from '../../../src/main/core/classify/llm/limiter.js';
import { Category } from '../../../src/shared/domain/rule.js';
import { FakeClock } from '../../helpers/fake-clock.js';

describe('Limiter', () => {
  it('runs at most max at once, in arrival order, and a throwing task frees its slot', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const task = (i: number) => () =>
      new Promise<number>((resolve, reject) => {
        running++;
        order.push(i);
        expect(running).toBeLessThanOrEqual(2);
        gates.push(() => {
          running--;
          if (i === 1) reject(new Error('boom'));
          else resolve(i);
        });
      });
    const all = [0, 1, 2, 3, 4].map((i) => limiter.run(task(i)).catch((e: Error) => e.message));
    for (let n = 0; n < 5; n++) {
      await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    expect(await Promise.all(all)).toEqual([0, 'boom', 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.peak).toBe(2);
    expect(limiter.queued).toBe(0);
  });
});

describe('Breaker', () => {
  const opts = { threshold: 3, cooldownMs: 30_000, maxCooldownMs: 120_000 };

  it('opens after threshold failures in a row; a success in between resets the count', () => {
    const b = new Breaker(new FakeClock(), opts);
    b.failure('x');
    b.failure('x');
    b.success();
    b.failure('x');
    b.failure('x');
    expect(b.check()).toEqual({ go: true, trial: false });
    expect(b.failure('down')).toBe(30_000);
    expect(b.check()).toMatchObject({ go: false, reason: 'down' });
  });

  it('one trial after the cooldown; its failure doubles the cooldown up to the cap', () => {
    const clock = new FakeClock();
    const b = new Breaker(clock, opts);
    for (let i = 0; i < 3; i++) b.failure('down');
    const cooldowns: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(i === 0 ? 30_000 : cooldowns.at(-1)!);
      expect(b.check()).toEqual({ go: true, trial: true });
      expect(b.check().go).toBe(false); // only one trial at a time
      cooldowns.push(b.failure('down')!);
    }
    expect(cooldowns).toEqual([60_000, 120_000, 120_000, 120_000]);
    clock.advance(120_000);
    expect(b.check()).toEqual({ go: true, trial: true });
    b.success();
    expect(b.check()).toEqual({ go: true, trial: false });
    // Closed again, the cooldown starts from the beginning next time.
    for (let i = 0; i < 3; i++) b.failure('down');
    expect(b.check()).toMatchObject({ go: false, retryAt: clock.now() + 30_000 });
  });

  it('a trial cut short (we stopped) lets the next request try', () => {
    const clock = new FakeClock();
    const b = new Breaker(clock, opts);
    for (let i = 0; i < 3; i++) b.failure('down');
    clock.advance(30_000);
    expect(b.check()).toEqual({ go: true, trial: true });
    b.cancelTrial();
    expect(b.check()).toEqual({ go: true, trial: true });
  });

  it('a live server answering badly (neutral) ends a run of failures', () => {
    const b = new Breaker(new FakeClock(), opts);
    b.failure('x');
    b.failure('x');
    b.neutral();
    b.failure('x');
    b.failure('x');
    expect(b.check().go).toBe(true);
  });
});

describe('cache keys', () => {
  const cats = [Category.parse({ name: 'A', description: 'a' })];
  const base = { messageId: 'id@x', data: 'd', model: 'm', categories: cats };

  it('message id, model and what the model is told about the categories all count', () => {
    const k = decisionKey(base);
    expect(decisionKey({ ...base })).toBe(k);
    expect(decisionKey({ ...base, data: 'other' })).toBe(k); // the Message-ID is the identity
    expect(decisionKey({ ...base, messageId: 'other@x' })).not.toBe(k);
    expect(decisionKey({ ...base, model: 'n' })).not.toBe(k);
    expect(decisionKey({ ...base, categories: [{ ...cats[0]!, description: 'b' }] })).not.toBe(k);
    // Actions are not what the model is told: changing them keeps the decisions.
    expect(categoriesHash([{ ...cats[0]!, actions: [{ type: 'flag' }] }])).toBe(
      categoriesHash(cats),
    );
    const noId = { ...base, messageId: undefined };
    expect(decisionKey(noId)).not.toBe(decisionKey({ ...noId, data: 'other' }));
  });
});

describe('http helpers', () => {
  it('joins the base URL and a path whatever the slashes', () => {
    expect(endpointUrl('http://h:1/v1', 'models')).toBe('http://h:1/v1/models');
    expect(endpointUrl('http://h:1/v1//', '/models')).toBe('http://h:1/v1/models');
  });

  it('knows an endpoint on this machine from one elsewhere', () => {
    for (const u of [
      'http://127.0.0.1:8080/v1',
      'http://localhost:11434/v1',
      'http://[::1]:8080/v1',
    ])
      expect(isLoopback(u)).toBe(true);
    for (const u of [
      'http://192.168.1.5:8080/v1',
      'https://api.example.com/v1',
      'http://127.0.0.1.evil.com/v1',
    ])
      expect(isLoopback(u)).toBe(false);
  });

  it("takes the server's own words from an OpenAI error body, capped", () => {
    expect(serverMessage('{"error":{"message":"model not found"}}')).toBe('model not found');
    expect(serverMessage('{"error":"plain"}')).toBe('plain');
    expect(serverMessage('  Bad\n gateway ')).toBe('Bad gateway');
    expect(serverMessage('x'.repeat(500))).toHaveLength(200);
  });
});
