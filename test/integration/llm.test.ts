// The LLM classifier end to end: a private Dovecot, the real engine, real corpus mail, and the
// scripted model server of test/helpers/llm-server.ts in place of llama.cpp. What must hold:
// rules decide first and what they decide never reaches the model; a message no rule decided
// gets its category's actions on the server, exactly once; every way the model can fail leaves
// the message where it was, with the reason in the activity log, and marks the classifier (not
// the connection) degraded.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/main/core/config/load-config.js';
import { createEngine, type Engine } from '../../src/main/core/engine.js';
import type { ActivityEntry } from '../../src/shared/domain/activity.js';
import type { LlmSettingsInput } from '../../src/shared/domain/config.js';
import type { AccountStatus } from '../../src/shared/domain/status.js';
import { spamAssassinMessages, type CorpusMessage } from '../helpers/corpus.js';
import {
  distinctById,
  expectedFolder,
  idOf,
  normId,
  rawHeader,
  serverLocations,
} from '../helpers/corpus-expect.js';
import { waitFor } from '../helpers/fake-clock.js';
import {
  EXAMPLE_MODEL,
  exampleConfig,
  exampleMessage,
  exampleRequestBody,
} from '../helpers/llm-example.js';
import {
  answer,
  refusedBaseUrl,
  startLlmServer,
  type LlmServer,
  type RecordedRequest,
} from '../helpers/llm-server.js';
import { configFor, demoFolders } from '../helpers/solon-config.js';
import { testLogger } from '../helpers/test-logger.js';
import { useDovecot } from '../helpers/use-dovecot.js';

const users = ['dana', 'erin', 'fred', 'gina', 'hank'];
const dovecot = useDovecot({ users: users.map((user) => ({ user, password: `${user}-pw` })) });
const env = Object.fromEntries(users.map((u) => [`${u.toUpperCase()}_PW`, `${u}-pw`]));

const { categories } = exampleConfig();
const folders = [...demoFolders(), 'Alerts', 'Promotions'];

// Real mail: the example spam (no rule decides it), a few ham messages the demo rules leave in
// INBOX (undecided too), and list mail the rules decide.
const corpus = distinctById(spamAssassinMessages({ groups: ['easy-ham-1', 'spam-2'] }));
const undecided = corpus.filter(
  (m) => expectedFolder(m) === 'INBOX' && m.id !== exampleMessage().id,
);
const decided = corpus.filter((m) => expectedFolder(m) === 'Lists/exmh');

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer();
  server.models = [EXAMPLE_MODEL];
  // hank has no Alerts folder: his first LINUX_ALERTS move fails (see the retry test).
  for (const u of users)
    for (const f of folders)
      if (!(u === 'hank' && f === 'Alerts')) await dovecot().createMailbox(u, f);
});
afterAll(async () => {
  await server.close();
});

let engines: Engine[] = [];
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  engines = [];
  dirs = [];
});

async function makeEngine(
  user: string,
  opts: { llm?: LlmSettingsInput; engine?: Record<string, number>; dataDir?: string } = {},
): Promise<{
  engine: Engine;
  dataDir: string;
  activity: ActivityEntry[];
  states: string[];
  /** The classifier's state as status listeners saw it, each change once. */
  health: string[];
}> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'solon-llm-')));
  if (!opts.dataDir) dirs.push(dataDir);
  const config = parseConfig({
    ...configFor(dovecot(), {
      user,
      passwordEnv: `${user.toUpperCase()}_PW`,
      dataDir,
      engine: opts.engine,
    }),
    categories,
    llm: { enabled: true, baseUrl: server.baseUrl, model: '', ...opts.llm },
  });
  const engine = createEngine({ config, dataDir, env, log: testLogger() });
  const activity: ActivityEntry[] = [];
  const states: string[] = [];
  const health: string[] = [];
  engine.onActivity((e) => activity.push(e));
  engine.onStatus((s) => {
    const st = s[0]?.state;
    if (st && states.at(-1) !== st) states.push(st);
    const h = s[0]?.classifier?.state;
    if (h && health.at(-1) !== h) health.push(h);
  });
  engines.push(engine);
  return { engine, dataDir, activity, states, health };
}

/** The Subject line inside a chat request's data block. */
const subjectOf = (r: RecordedRequest): string =>
  /^Subject: (.*)$/m.exec(r.body?.messages[1]?.content ?? '')?.[1] ?? '';
const subjectLine = (m: CorpusMessage): string =>
  (rawHeader(m.raw, 'Subject') ?? '').replace(/\s+/g, ' ').trim();

async function watching(engine: Engine): Promise<void> {
  await waitFor('watching', () => engine.status()[0]?.state === 'watching');
}

function entryFor(activity: ActivityEntry[], m: CorpusMessage): ActivityEntry | undefined {
  return activity.find((e) => normId(e.messageId) === idOf(m));
}

describe('LLM categories through a real Dovecot', () => {
  it('a message no rule decides is categorized and its actions happen once; rule-decided mail never reaches the model', async () => {
    const d = dovecot();
    const example = exampleMessage();
    const ham = undecided.slice(0, 2);
    const list = decided.slice(0, 2);
    // The "model": the example spam is a promotion, anything else fits no category.
    server.fallback((req) =>
      subjectOf(req).startsWith('Real Protection, Stun Guns')
        ? answer('PROMOTIONS')
        : answer('none'),
    );
    const before = server.chats().length;
    const { engine, dataDir, activity, states } = await makeEngine('dana');
    await engine.start();
    await watching(engine);
    for (const m of [example, ...list, ...ham]) await d.append('dana', 'INBOX', m.raw);
    await waitFor('5 decisions', () => activity.length >= 5);

    const where = await serverLocations(d, 'dana', ['INBOX', ...folders]);
    expect(where.get(idOf(example))).toEqual(['Promotions']);
    const moved = (await d.listMessages('dana', 'Promotions')).find(
      (x) => normId(x.messageId) === idOf(example),
    )!;
    expect(moved.flags).toContain('PROMOTIONS');
    for (const m of list) expect(where.get(idOf(m))).toEqual(['Lists/exmh']);
    for (const m of ham) expect(where.get(idOf(m))).toEqual(['INBOX']);

    // Asked about the undecided three only, once each.
    const asked = server.chats().slice(before);
    expect(asked.map(subjectOf).sort()).toEqual([example, ...ham].map(subjectLine).sort());
    // The request for the corpus message is byte for byte docs/llm-request-example.json's.
    const forExample = asked.find((r) => subjectOf(r).startsWith('Real Protection'))!;
    expect(forExample.body).toEqual(await exampleRequestBody());

    expect(entryFor(activity, example)).toMatchObject({
      result: 'done',
      category: 'PROMOTIONS',
      actions: 'move → Promotions; +PROMOTIONS',
      note: expect.stringMatching(/^classifier: PROMOTIONS \(\d+\.\d s\)$/) as string,
    });
    for (const m of ham)
      expect(entryFor(activity, m)).toMatchObject({
        result: 'no-match',
        note: expect.stringMatching(/^classifier: no category fits/) as string,
      });
    for (const m of list) {
      const e = entryFor(activity, m)!;
      expect(e.result).toBe('done');
      expect(e.note).toBeUndefined();
    }
    expect(activity).toHaveLength(5);
    expect(engine.status()[0]!.classifier).toMatchObject({ state: 'ok' });
    expect(states.filter((s) => s === 'backing-off')).toEqual([]);

    // The decisions are kept for the next run (written when the engine stops).
    await engine.stop();
    const cache = JSON.parse(await readFile(join(dataDir, 'llm', 'decisions.json'), 'utf8')) as {
      entries: [string, string | null, number][];
    };
    expect(cache.entries.map((e) => e[1]).sort()).toEqual(['PROMOTIONS', null, null]);
    // The activity log on disk has the notes too.
    const log = await engine.recentActivity(100);
    expect(log.find((e) => normId(e.messageId) === idOf(example))?.note).toMatch(/PROMOTIONS/);
  });

  it('a model that answers badly: left in INBOX, the reason in the activity log, the classifier degraded, the connection fine', async () => {
    const d = dovecot();
    const msgs = undecided.slice(10, 12);
    server.fallback({ reply: 'This looks like marketing to me.' });
    const { engine, activity, states, health } = await makeEngine('erin');
    await engine.start();
    await watching(engine);
    for (const m of msgs) await d.append('erin', 'INBOX', m.raw);
    await waitFor('2 decisions', () => activity.length >= 2);

    const where = await serverLocations(d, 'erin', ['INBOX', ...folders]);
    for (const m of msgs) {
      expect(where.get(idOf(m))).toEqual(['INBOX']);
      const e = entryFor(activity, m)!;
      expect(e.result).toBe('no-match');
      expect(e.category).toBeUndefined();
      expect(e.note).toBe(
        'classifier: the reply is not the JSON asked for ({"category": …}): "This looks like marketing to me."; left as it is',
      );
    }
    for (const m of await d.listMessages('erin', 'INBOX')) expect(m.flags).toEqual([]);
    const status: AccountStatus = engine.status()[0]!;
    expect(status.state).toBe('watching');
    expect(status.classifier).toMatchObject({
      state: 'degraded',
      reason: expect.stringMatching(/not the JSON asked for/) as string,
    });
    expect(states.filter((s) => s === 'backing-off')).toEqual([]);

    // The model mends its ways: the next message is sorted and the classifier is ok again.
    const next = undecided[12]!;
    server.fallback(answer('RECEIPTS'));
    await d.append('erin', 'INBOX', next.raw);
    await waitFor('3rd decision', () => entryFor(activity, next));
    expect(entryFor(activity, next)).toMatchObject({ result: 'done', category: 'RECEIPTS' });
    const tagged = (await d.listMessages('erin', 'INBOX')).find(
      (x) => normId(x.messageId) === idOf(next),
    )!;
    expect(tagged.flags).toEqual(['RECEIPTS']);
    expect(engine.status()[0]!.classifier?.state).toBe('ok');
    // Status listeners were told of each change.
    expect(health).toEqual(['ok', 'degraded', 'ok']);
  });

  it('a model slower than the batch watchdog: the connection is kept and each message handled once', async () => {
    const d = dovecot();
    const msgs = undecided.slice(20, 22);
    // 1.5 s per answer against a watchdog that calls a batch dead after 0.5 s without a byte:
    // time spent waiting on the model is not the server's silence.
    server.fallback({ reply: JSON.stringify({ category: 'PROMOTIONS' }), delayMs: 1_500 });
    const { engine, activity, states } = await makeEngine('fred', {
      engine: { probeTimeoutMs: 500, probeIntervalMs: 1_000 },
    });
    await engine.start();
    await watching(engine);
    for (const m of msgs) await d.append('fred', 'INBOX', m.raw);
    await waitFor('2 decisions', () => activity.length >= 2, { timeoutMs: 20_000 });
    expect(activity.map((e) => e.result)).toEqual(['done', 'done']);
    const where = await serverLocations(d, 'fred', ['INBOX', ...folders]);
    for (const m of msgs) expect(where.get(idOf(m))).toEqual(['Promotions']);
    expect(states.slice(states.indexOf('watching'))).not.toContain('connecting');
  });

  it('the model server is down: left in INBOX with the reason; after three failures it is skipped, not waited on', async () => {
    const d = dovecot();
    const msgs = undecided.slice(30, 35);
    const { engine, activity } = await makeEngine('gina', {
      llm: { baseUrl: await refusedBaseUrl(), model: 'm' },
    });
    await engine.start();
    await watching(engine);
    await d.appendMany(
      'gina',
      'INBOX',
      msgs.map((m) => m.raw),
    );
    await waitFor('5 decisions', () => activity.length >= 5, { timeoutMs: 20_000 });
    const notes = msgs.map((m) => entryFor(activity, m)!.note ?? '');
    expect(notes.slice(0, 3)).toEqual(
      Array(3).fill(
        expect.stringMatching(
          /^classifier: connection refused at 127\.0\.0\.1:\d+: is the model server running\?; left as it is$/,
        ),
      ),
    );
    expect(notes.slice(3)).toEqual(
      Array(2).fill(
        expect.stringMatching(
          /^classifier unavailable: connection refused .*skipped for 30 s.*; left as it is$/,
        ),
      ),
    );
    for (const m of msgs) expect(entryFor(activity, m)!.result).toBe('no-match');
    expect((await d.listMessages('gina', 'INBOX')).length).toBe(5);
    const status = engine.status()[0]!;
    expect(status.state).toBe('watching');
    expect(status.classifier).toMatchObject({
      state: 'degraded',
      reason: expect.stringMatching(/^classifier unavailable: connection refused/) as string,
    });
    expect(status.errorsToday).toBe(0);
  });

  it('a retried message is not paid for twice: the decision is remembered', async () => {
    const d = dovecot();
    const m = undecided[40]!;
    server.fallback(answer('LINUX_ALERTS'));
    const before = server.chats().length;
    const { engine, activity } = await makeEngine('hank');
    await engine.start();
    await watching(engine);
    await d.append('hank', 'INBOX', m.raw);
    // The category's move fails (no such folder): an error, and the message goes to the retry list.
    const failed = await waitFor('error', () => activity.find((e) => e.result === 'error'));
    expect(failed).toMatchObject({ category: 'LINUX_ALERTS' });
    expect(failed.error).toMatch(/Alerts/);
    await d.createMailbox('hank', 'Alerts');
    engine.checkNow();
    const done = await waitFor('done', () => activity.find((e) => e.result === 'done'));
    expect(done).toMatchObject({
      category: 'LINUX_ALERTS',
      note: 'classifier: LINUX_ALERTS (remembered)',
    });
    expect((await serverLocations(d, 'hank', ['INBOX', 'Alerts'])).get(idOf(m))).toEqual([
      'Alerts',
    ]);
    expect(server.chats().length - before).toBe(1);
  });
});
