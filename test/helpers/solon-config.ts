import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { SolonConfigInput } from '../../src/shared/domain/config.js';
import type { RuleInput } from '../../src/shared/domain/rule.js';
import type { Dovecot } from './dovecot.js';

export const projectRoot = join(import.meta.dirname, '..', '..');

/** The rules of examples/demo-rules.yaml (the demo's and the tests' rules). */
export function demoRules(): RuleInput[] {
  const doc = parse(readFileSync(join(projectRoot, 'examples', 'demo-rules.yaml'), 'utf8')) as {
    rules: RuleInput[];
  };
  return doc.rules;
}

/** The folders demo-rules.yaml moves mail to. */
export function demoFolders(): string[] {
  const out = new Set<string>();
  for (const r of demoRules())
    for (const a of r.actions ?? []) if (a.type === 'move' || a.type === 'copy') out.add(a.folder);
  return [...out];
}

/** A config for one account on a private Dovecot, over implicit TLS with verification on. */
export function configFor(
  dovecot: Dovecot,
  opts: {
    user: string;
    passwordEnv: string;
    dataDir: string;
    mailboxes?: string[];
    rules?: RuleInput[];
    engine?: Record<string, number>;
  },
): SolonConfigInput {
  return {
    dataDir: opts.dataDir,
    accounts: [
      {
        id: opts.user,
        host: dovecot.host,
        port: dovecot.tlsPort,
        tls: 'implicit',
        caFile: dovecot.caFile,
        user: opts.user,
        password: { env: opts.passwordEnv },
        mailboxes: opts.mailboxes ?? ['INBOX'],
      },
    ],
    rules: opts.rules ?? demoRules(),
    engine: opts.engine ?? {},
  };
}

/**
 * The fault tests' and soaks' one rule: move every message to `Sorted`. The invariant is then
 * simple to check on the server: each delivered message in Sorted exactly once, INBOX empty.
 */
export const sortEverything: RuleInput[] = [
  {
    id: 'sort',
    name: 'sort everything',
    conditions: [{ field: 'size', op: 'greater-than', value: 0 }],
    actions: [{ type: 'move', folder: 'Sorted' }],
  },
];
