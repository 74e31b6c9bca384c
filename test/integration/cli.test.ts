import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { spamAssassinMessages } from '../helpers/corpus.js';
import { distinctById, idOf, normId } from '../helpers/corpus-expect.js';
import { exited, spawnSolon } from '../helpers/solon-process.js';
import { waitFor } from '../helpers/fake-clock.js';
import { configFor, demoFolders } from '../helpers/solon-config.js';
import { useDovecot } from '../helpers/use-dovecot.js';
import { refusedBaseUrl, startLlmServer } from '../helpers/llm-server.js';
import { readFile } from 'node:fs/promises';

const dovecot = useDovecot({ users: [{ user: 'hank', password: 'hank-pw' }] });
const env = { HANK_PW: 'hank-pw', BAD_PW: 'not-it' };
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'solon-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function solon(
  args: string[],
  name: string,
): Promise<{ code: number | string; out: string }> {
  const logFile = join(dir, `${name}.log`);
  const code = await exited(spawnSolon(args, { env, logFile }));
  return { code, out: await readFile(logFile, 'utf8') };
}

async function writeConfig(name: string, config: unknown, yaml = true): Promise<string> {
  const file = join(dir, yaml ? `${name}.yaml` : `${name}.json`);
  await writeFile(file, yaml ? stringify(config) : JSON.stringify(config));
  return file;
}

describe('solon CLI', () => {
  it('check: validates, logs in over verified TLS, lists folders, warns about a missing target (YAML config)', async () => {
    const d = dovecot();
    await d.createMailbox('hank', 'Lists/fork');
    const file = await writeConfig(
      'check',
      configFor(d, { user: 'hank', passwordEnv: 'HANK_PW', dataDir: join(dir, 'data-check') }),
    );
    const { code, out } = await solon(['check', '--config', file], 'check');
    expect(out).toMatch(/hank: OK — \d+ folders: .*INBOX.*Lists\/fork/);
    expect(out).toMatch(/capabilities: .*IDLE/);
    expect(out).toMatch(/warning: rule target folder "Lists\/exmh" does not exist/);
    expect(code).toBe(0);
  });

  it('check: a wrong password says so and exits 3', async () => {
    const d = dovecot();
    const file = await writeConfig(
      'badpw',
      configFor(d, { user: 'hank', passwordEnv: 'BAD_PW', dataDir: join(dir, 'data-bad') }),
    );
    const { code, out } = await solon(['check', '--config', file], 'badpw');
    expect(out).toMatch(/hank: FAILED — wrong user name or password/);
    expect(out).not.toContain('not-it'); // the password is never printed
    expect(code).toBe(3);
  });

  it('check: with the language model on, checks its endpoint too and fails when it is down', async () => {
    const d = dovecot();
    const model = await startLlmServer();
    try {
      const base = configFor(d, {
        user: 'hank',
        passwordEnv: 'HANK_PW',
        dataDir: join(dir, 'd-llm'),
      });
      const categories = [{ name: 'Alerts', description: 'machine alerts' }];
      const up = await writeConfig('llm-up', {
        ...base,
        categories,
        llm: { enabled: true, baseUrl: model.baseUrl, apiKey: { env: 'HANK_PW' } },
      });
      const ok = await solon(['check', '--config', up], 'llm-up');
      expect(ok.out).toMatch(/language model: OK — .*test-model/);
      expect(ok.code).toBe(0);
      expect(model.requests.at(-1)?.headers.authorization).toBe('Bearer hank-pw');
      expect(ok.out).not.toContain('hank-pw'); // the key is never printed

      const down = await writeConfig('llm-down', {
        ...base,
        categories,
        llm: { enabled: true, baseUrl: await refusedBaseUrl() },
      });
      const failed = await solon(['check', '--config', down], 'llm-down');
      expect(failed.out).toMatch(/hank: OK/);
      expect(failed.out).toMatch(/language model: FAILED — .*refused/i);
      expect(failed.code).toBe(1);
    } finally {
      await model.close();
    }
  });

  it('a bad config names the field and the problem, exits 2, and touches nothing', async () => {
    const d = dovecot();
    const config = configFor(d, {
      user: 'hank',
      passwordEnv: 'HANK_PW',
      dataDir: join(dir, 'data-invalid'),
    }) as { accounts: Record<string, unknown>[]; rules: unknown[] };
    config.accounts[0]!.port = 'nine-nine-three';
    config.rules = [
      {
        id: 'r',
        name: 'r',
        conditions: [{ field: 'subject', op: 'matches', value: '(?=lookahead)' }],
        actions: [],
      },
    ];
    const file = await writeConfig('invalid', config, false);
    const { code, out } = await solon(['run', '--config', file], 'invalid');
    expect(out).toContain('accounts[0].port');
    expect(code).toBe(2);
    config.accounts[0]!.port = d.tlsPort;
    const file2 = await writeConfig('invalid2', config, false);
    const second = await solon(['run', '--config', file2], 'invalid2');
    expect(second.out).toMatch(/rules\[0\]\.conditions\[0\]\.value: .*lookahead/);
    expect(second.code).toBe(2);
  });

  it('run --dry-run --once decides and logs but changes nothing; run --once then does it', async () => {
    const d = dovecot();
    for (const f of demoFolders()) await d.createMailbox('hank', f).catch(() => undefined);
    const dataDir = join(dir, 'data-run');
    const file = await writeConfig(
      'run',
      configFor(d, { user: 'hank', passwordEnv: 'HANK_PW', dataDir }),
    );
    expect((await solon(['run', '--config', file, '--once'], 'init')).code).toBe(0); // checkpoint at UIDNEXT
    const msgs = distinctById(spamAssassinMessages({ groups: ['easy-ham-1'] })).slice(300, 320);
    await d.appendMany(
      'hank',
      'INBOX',
      msgs.map((m) => m.raw),
    );

    const dry = await solon(
      ['run', '--config', file, '--once', '--dry-run', '--log-format', 'json'],
      'dry',
    );
    expect(dry.code).toBe(0);
    const lines = dry.out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; level: string });
    expect(lines.filter((l) => l.msg.startsWith('[dry-run]')).length).toBeGreaterThan(0);
    expect((await d.listMessages('hank', 'INBOX')).length).toBe(20); // nothing moved

    const real = await solon(['run', '--config', file, '--once'], 'real');
    expect(real.code).toBe(0);
    const inbox = new Set((await d.listMessages('hank', 'INBOX')).map((m) => normId(m.messageId)));
    const moved = msgs.filter((m) => !inbox.has(idOf(m)));
    expect(moved.length).toBeGreaterThan(0);
    expect(real.out).toMatch(/\[done\] hank\/INBOX uid \d+ .* → move → Lists\//);

    const activity = await solon(['activity', '--config', file, '--limit', '5'], 'activity');
    expect(activity.out.split('\n').filter(Boolean).length).toBe(5);
  });

  it('run --once fails loudly: exit 3 on a wrong password, 1 when unreachable (cron must notice)', async () => {
    const d = dovecot();
    const bad = await writeConfig(
      'once-badpw',
      configFor(d, { user: 'hank', passwordEnv: 'BAD_PW', dataDir: join(dir, 'data-once-bad') }),
    );
    const r1 = await solon(['run', '--config', bad, '--once'], 'once-badpw');
    expect(r1.out).toMatch(/ERROR .*wrong user name or password/);
    expect(r1.code).toBe(3);
    const config = configFor(d, {
      user: 'hank',
      passwordEnv: 'HANK_PW',
      dataDir: join(dir, 'data-once-down'),
    }) as { accounts: Record<string, unknown>[] };
    config.accounts[0]!.port = 1; // nothing listens there
    const down = await writeConfig('once-down', config);
    const r2 = await solon(['run', '--config', down, '--once'], 'once-down');
    expect(r2.out).toMatch(/ERROR .*ECONNREFUSED/);
    expect(r2.code).toBe(1);
  });

  it('a caFile that does not exist is a config error naming the field', async () => {
    const d = dovecot();
    const config = configFor(d, {
      user: 'hank',
      passwordEnv: 'HANK_PW',
      dataDir: join(dir, 'data-noca'),
    }) as { accounts: Record<string, unknown>[] };
    config.accounts[0]!.caFile = './no-such-ca.pem';
    const file = await writeConfig('noca', config);
    const { code, out } = await solon(['check', '--config', file], 'noca');
    expect(out).toMatch(/accounts\[0\]\.caFile: no such file: .*no-such-ca\.pem/);
    expect(code).toBe(2);
  });

  it('SIGINT stops a watching `solon run` cleanly: checkpoints flushed, exit 0', async () => {
    const d = dovecot();
    const file = await writeConfig(
      'sigint',
      configFor(d, { user: 'hank', passwordEnv: 'HANK_PW', dataDir: join(dir, 'data-sigint') }),
    );
    const logFile = join(dir, 'sigint.log');
    const child = spawnSolon(['run', '--config', file], { env, logFile });
    await waitFor('watching', async () =>
      (await readFile(logFile, 'utf8').catch(() => '')).includes('hank: watching'),
    );
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);
    expect(await readFile(logFile, 'utf8')).toContain('stopped; checkpoints flushed');
  });
});
