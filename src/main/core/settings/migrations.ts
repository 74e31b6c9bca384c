import { SETTINGS_VERSION } from '../../../shared/domain/settings.js';

/**
 * Versioned settings migrations: pure functions from one stored shape to the next, applied in
 * order on load, before anything validates the file. Our own integer `version` in the file, not
 * conf's `migrations` option: conf keys migrations by the app's semver and keeps its own
 * bookkeeping in the file, so a settings shape change would be tied to a release number, and a
 * migration could not hand back what it took out (a plain-text password, below).
 */

/** The settings file's JSON, before it is known to be valid. */
export type SettingsDoc = Record<string, unknown>;

/** A password found in clear in an old file: taken out of the settings, to go to the keychain. */
export interface MovedSecret {
  accountId: string;
  password: string;
}

export interface MigrationContext {
  /** Plain-text passwords removed from the settings; the caller moves them to the keychain. */
  secrets: MovedSecret[];
  /** What a person should be told about the change; never contains a secret. */
  notes: string[];
}

export interface Migration {
  from: number;
  to: number;
  /** Why the shape changed, in one line (shown in the log when the migration runs). */
  why: string;
  /** Must not change `doc` (it gets a copy) and must not throw on odd input: zod judges after. */
  up(doc: SettingsDoc, ctx: MigrationContext): SettingsDoc;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * v0 is the prototype's file, written before settings carried a version:
 *
 *     { accounts: [{ id, host, user, mailbox: "INBOX", passwordCommand: "pass show x" }],
 *       notify: true, autostart: false }
 *
 * with, on some machines, the password itself in `pass` (or `password` as a string). v1 is the
 * shape of the headless config's accounts (`mailboxes: string[]`, `password` a PasswordSource),
 * so the desktop app and `solon run` share one Account schema.
 */
const v0ToV1: Migration = {
  from: 0,
  to: 1,
  why: 'accounts take the headless config shape (mailboxes[], password source); notify → notifications, autostart → startAtLogin; plain-text passwords leave the file',
  up(doc, ctx) {
    const { notify, autostart, ...rest } = doc;
    const out: SettingsDoc = { ...rest, version: 1 };
    if (Array.isArray(rest.accounts))
      out.accounts = (rest.accounts as unknown[]).map((a) =>
        isObject(a) ? accountV0ToV1(a, ctx) : a,
      );
    if (typeof notify === 'boolean')
      out.notifications = {
        ...(isObject(rest.notifications) ? rest.notifications : {}),
        enabled: notify,
      };
    if (typeof autostart === 'boolean' && rest.startAtLogin === undefined)
      out.startAtLogin = autostart;
    return out;
  },
};

function accountV0ToV1(a: Record<string, unknown>, ctx: MigrationContext): SettingsDoc {
  const { mailbox, passwordCommand, pass, ...rest } = a;
  const out: SettingsDoc = { ...rest };
  if (typeof mailbox === 'string' && out.mailboxes === undefined) out.mailboxes = [mailbox];
  const name = typeof a.id === 'string' ? a.id : '(no id)';
  const plain =
    typeof pass === 'string' ? pass : typeof a.password === 'string' ? a.password : undefined;
  if (typeof passwordCommand === 'string') {
    out.password = { command: passwordCommand };
    if (plain !== undefined)
      ctx.notes.push(
        `account "${name}": a plain-text password was removed from the settings (its password command is used)`,
      );
  } else if (plain !== undefined) {
    out.password = { keychain: true };
    if (typeof a.id === 'string') ctx.secrets.push({ accountId: a.id, password: plain });
    ctx.notes.push(
      `account "${name}": the password was stored in plain text; it moves to the system keychain`,
    );
  }
  return out;
}

/** Every migration, oldest first; each `from` is the previous `to`, the last `to` is current. */
export const migrations: readonly Migration[] = [v0ToV1];

export type MigrationFailure =
  /** The file is JSON but not an object. */
  | 'not-an-object'
  /** `version` is there but not a whole number ≥ 0. */
  | 'bad-version'
  /** Written by a newer Solon: left untouched (a downgrade must not eat it). */
  | 'newer-version'
  /** No migration starts at this version (a gap in the list: a bug). */
  | 'no-path'
  /** A migration threw (a bug). */
  | 'failed';

export type MigrationResult =
  | {
      ok: true;
      value: SettingsDoc;
      /** The version read from the file (0 when it had none) and the version now. */
      from: number;
      to: number;
      /** "v0→v1: why", for each migration that ran. */
      applied: string[];
      secrets: MovedSecret[];
      notes: string[];
    }
  | { ok: false; code: MigrationFailure; message: string };

/** The version a stored document says it has: none means 0 (the prototype); undefined if bad. */
export function settingsVersionOf(doc: SettingsDoc): number | undefined {
  if (doc.version === undefined) return 0;
  return typeof doc.version === 'number' && Number.isInteger(doc.version) && doc.version >= 0
    ? doc.version
    : undefined;
}

/** Bring a stored document up to `target`. Pure: `raw` is not changed. */
export function migrate(
  raw: unknown,
  list: readonly Migration[] = migrations,
  target: number = SETTINGS_VERSION,
): MigrationResult {
  if (!isObject(raw))
    return { ok: false, code: 'not-an-object', message: 'the settings file is not a JSON object' };
  const from = settingsVersionOf(raw);
  if (from === undefined)
    return {
      ok: false,
      code: 'bad-version',
      message: `the settings file's version is not a whole number: ${JSON.stringify(raw.version)}`,
    };
  if (from > target)
    return {
      ok: false,
      code: 'newer-version',
      message: `the settings were written by a newer Solon (settings version ${from}; this one reads up to ${target})`,
    };
  const ctx: MigrationContext = { secrets: [], notes: [] };
  const applied: string[] = [];
  let doc = structuredClone(raw);
  let at = from;
  while (at < target) {
    const step = list.find((m) => m.from === at);
    if (!step)
      return { ok: false, code: 'no-path', message: `no migration from settings version ${at}` };
    try {
      doc = step.up(structuredClone(doc), ctx);
    } catch (err) {
      return {
        ok: false,
        code: 'failed',
        message: `migration v${step.from}→v${step.to} failed: ${(err as Error).message}`,
      };
    }
    doc.version = step.to;
    applied.push(`v${step.from}→v${step.to}: ${step.why}`);
    at = step.to;
  }
  return { ok: true, value: doc, from, to: at, applied, secrets: ctx.secrets, notes: ctx.notes };
}

/**
 * A copy of an old document fit to keep as a backup: plain-text passwords (`pass`, or
 * `password` as a string) removed, since the point of the migration is that they leave the disk.
 */
export function withoutPlainTextPasswords(raw: unknown): unknown {
  if (!isObject(raw) || !Array.isArray(raw.accounts)) return raw;
  return {
    ...raw,
    accounts: raw.accounts.map((a: unknown) => {
      if (!isObject(a)) return a;
      const { pass: _pass, ...rest } = a;
      if (typeof rest.password === 'string') delete rest.password;
      return rest;
    }),
  };
}
