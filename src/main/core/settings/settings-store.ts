import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { ConfigProblem } from '../../../shared/domain/config.js';
import type { AppSettings, SettingsPatch } from '../../../shared/domain/settings.js';
import { silentLogger, type Logger } from '../ports.js';
import { writePrivateFile } from '../secrets/private-file.js';
import { readFileIfExists } from '../util/atomic-file.js';
import { defaults } from './defaults.js';
import { storeSchemaOptions, type JsonSchema } from './json-schema.js';
import { migrate, withoutPlainTextPasswords } from './migrations.js';
import { parseSettings } from './validate.js';

/**
 * What conf (and electron-store, which is conf plus a userData path) gives us: the whole
 * document, readable and writable (writes validated by Ajv against our schema and atomic), and a
 * change event. Tests pass a real `conf` in a temp folder; the shell passes an ElectronStore.
 */
export interface StoreBackend {
  readonly path: string;
  store: Record<string, unknown>;
  onDidAnyChange(
    callback: (
      next: Readonly<Record<string, unknown>>,
      prev?: Readonly<Record<string, unknown>>,
    ) => void,
  ): () => void;
}

/** The options to build the backend with; conf and electron-store accept all of them. */
export interface StoreOptions {
  /** The folder (electron-store: userData). */
  cwd: string;
  /** File name without `.json`. */
  name: string;
  /** Per-key JSON Schemas (conf's `schema`), derived from the zod schema. */
  schema: Record<string, JsonSchema>;
  /** conf's `rootSchema`: `required` at the top level. */
  rootSchema: JsonSchema;
  ajvOptions: { allowUnionTypes: true };
  /** A first start's settings, written when the file does not exist. */
  defaults: AppSettings;
  /** Hostnames, user names and rules are nobody else's business. */
  configFileMode: number;
  /** Never: conf would silently wipe a file it cannot read; we move it aside and say so. */
  clearInvalidConfig: false;
}

/** Something the user should hear about after loading; shown once, in the UI. */
export type SettingsNotice =
  | {
      code: 'migrated';
      from: number;
      to: number;
      applied: string[];
      /** The old file, kept (without plain-text passwords) in case the migration got it wrong. */
      backup: string;
    }
  /** Something a migration changed that the user should know ("…moves to the keychain"). */
  | { code: 'migration-note'; message: string }
  /** A plain-text password from an old file now lives in the keychain. */
  | { code: 'secret-moved'; accountId: string }
  /** A plain-text password could not be kept: the user has to enter it again. */
  | { code: 'secret-dropped'; accountId: string; reason: string }
  /**
   * The file could not be used (not JSON, invalid, or a migration failed): it was moved aside
   * and the app started from defaults rather than not at all.
   */
  | { code: 'unreadable'; reason: string; problems: ConfigProblem[]; movedTo: string };

export type SettingsErrorCode =
  /** Written by a newer Solon: left untouched; this version will not run on it. */
  | 'newer-version'
  /** An update (or the store) holds settings that do not validate; `problems` says where. */
  | 'invalid';

export class SettingsError extends Error {
  constructor(
    readonly code: SettingsErrorCode,
    message: string,
    readonly problems: ConfigProblem[] = [],
  ) {
    super(
      problems.length
        ? `${message}\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`
        : message,
    );
    this.name = 'SettingsError';
  }
}

export interface OpenSettingsOptions {
  /** The folder of the settings file (the shell: app.getPath('userData')). */
  dir: string;
  /** File name without `.json`; default `settings`. */
  name?: string;
  /** Builds the backend; called once, after the file has been migrated. */
  makeStore: (options: StoreOptions) => StoreBackend;
  /**
   * Where a plain-text password found in an old file goes (the keychain). Absent, or failing,
   * the password is dropped and the user is told to enter it again: it never stays in the file.
   */
  saveSecret?: (accountId: string, password: string) => Promise<void>;
  log?: Logger;
  /** For the names of moved-aside files. */
  now?: () => number;
}

/**
 * Open the settings: migrate the file on disk to the current version first (conf would
 * otherwise validate an old file against the new schema and throw), then hand the folder to
 * conf / electron-store. Throws SettingsError('newer-version') for a file from a newer Solon;
 * any other unusable file is moved aside, reported in `notices`, and defaults are used.
 */
export async function openSettings(
  opts: OpenSettingsOptions,
): Promise<{ settings: SettingsStore; notices: SettingsNotice[] }> {
  const name = opts.name ?? 'settings';
  const file = join(opts.dir, `${name}.json`);
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  const notices: SettingsNotice[] = [];

  const moveAside = async (
    why: string,
    problems: ConfigProblem[],
    raw?: unknown,
  ): Promise<void> => {
    const movedTo = `${file}.unreadable-${now()}`;
    const stripped = raw === undefined ? undefined : withoutPlainTextPasswords(raw);
    if (raw === undefined || isDeepStrictEqual(stripped, raw)) {
      // Kept byte for byte, for the user to recover from.
      await rename(file, movedTo);
    } else {
      // Kept for the user to recover from, but without any password in clear.
      await writePrivateFile(movedTo, JSON.stringify(stripped, undefined, '\t'));
      await rm(file, { force: true });
    }
    log.warn('settings file unusable: moved aside, starting from defaults', {
      file,
      movedTo,
      reason: why,
      problems: problems.length,
    });
    notices.push({ code: 'unreadable', reason: why, problems, movedTo });
  };

  const moveSecret = async (accountId: string, password: string): Promise<SettingsNotice> => {
    if (!opts.saveSecret)
      return { code: 'secret-dropped', accountId, reason: 'no keychain is available' };
    try {
      await opts.saveSecret(accountId, password);
      return { code: 'secret-moved', accountId };
    } catch (err) {
      return { code: 'secret-dropped', accountId, reason: (err as Error).message };
    }
  };

  const text = await readFileIfExists(file);
  if (text !== undefined) {
    let raw: unknown;
    let parsedJson = true;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      parsedJson = false;
      await moveAside(`not valid JSON (${(err as Error).message})`, []);
    }
    if (parsedJson) {
      const m = migrate(raw);
      if (!m.ok) {
        if (m.code === 'newer-version') throw new SettingsError('newer-version', m.message);
        await moveAside(m.message, [], raw);
      } else {
        const migrated = m.from < m.to;
        const check = parseSettings(m.value);
        if (!check.ok) {
          // Its plain-text passwords are not kept anywhere: the moved-aside copy is stripped.
          for (const s of m.secrets)
            notices.push({
              code: 'secret-dropped',
              accountId: s.accountId,
              reason: 'the settings file could not be used',
            });
          await moveAside(
            migrated
              ? `settings version ${m.from} migrated to ${m.to} but the result is invalid`
              : 'the settings do not validate',
            check.problems,
            raw,
          );
        } else if (migrated) {
          // Secrets first: once the new file is written, the old one's passwords are gone.
          for (const s of m.secrets) notices.push(await moveSecret(s.accountId, s.password));
          for (const message of m.notes) notices.push({ code: 'migration-note', message });
          const backup = `${file}.v${m.from}.bak`;
          await writePrivateFile(
            backup,
            JSON.stringify(withoutPlainTextPasswords(raw), undefined, '\t'),
          );
          await writePrivateFile(file, JSON.stringify(check.settings, undefined, '\t'));
          log.info('settings migrated', { from: m.from, to: m.to, applied: m.applied, backup });
          notices.push({ code: 'migrated', from: m.from, to: m.to, applied: m.applied, backup });
        }
      }
    }
  }

  const backend = opts.makeStore({
    cwd: opts.dir,
    name,
    ...storeSchemaOptions(),
    defaults: defaults(),
    configFileMode: 0o600,
    clearInvalidConfig: false,
  });
  const initial = parseSettings(backend.store);
  if (!initial.ok)
    throw new SettingsError('invalid', `${backend.path}: invalid settings`, initial.problems);
  return { settings: new SettingsStore(backend, initial.settings, log), notices };
}

/**
 * The settings merged with a patch (see SettingsPatch), not yet validated. Pure; an engine key
 * set to undefined is dropped, so that override goes back to the engine's default.
 */
export function applySettingsPatch(current: AppSettings, patch: SettingsPatch): unknown {
  const engine: Record<string, unknown> = { ...current.engine, ...patch.engine };
  for (const k of Object.keys(engine)) if (engine[k] === undefined) delete engine[k];
  return {
    ...current,
    ...(patch.accounts !== undefined && { accounts: patch.accounts }),
    ...(patch.rules !== undefined && { rules: patch.rules }),
    ...(patch.categories !== undefined && { categories: patch.categories }),
    ...(patch.startAtLogin !== undefined && { startAtLogin: patch.startAtLogin }),
    notifications: { ...current.notifications, ...patch.notifications },
    llm: { ...current.llm, ...patch.llm },
    engine,
  };
}

export type SettingsListener = (next: AppSettings, prev: AppSettings) => void;

/** The desktop app's settings: always valid, read from memory, written through the backend. */
export class SettingsStore {
  #current: AppSettings;
  #writing = false;
  readonly #listeners = new Set<SettingsListener>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly backend: StoreBackend,
    initial: AppSettings,
    private readonly log: Logger = silentLogger,
  ) {
    this.#current = initial;
    this.#unsubscribe = backend.onDidAnyChange((next) => this.#changedOutside(next));
  }

  /** The settings file. */
  get path(): string {
    return this.backend.path;
  }

  /** A copy: changing it changes nothing; use update(). */
  get(): AppSettings {
    return structuredClone(this.#current);
  }

  /**
   * Validate and save a change; returns the new settings. Throws SettingsError('invalid')
   * naming every bad field, and then nothing is written.
   */
  update(patch: SettingsPatch): AppSettings {
    const check = parseSettings(applySettingsPatch(this.#current, patch));
    if (!check.ok) throw new SettingsError('invalid', 'settings not saved', check.problems);
    const prev = this.#current;
    if (isDeepStrictEqual(check.settings, prev)) return this.get();
    this.#writing = true;
    try {
      this.backend.store = check.settings;
    } finally {
      this.#writing = false;
    }
    this.#current = check.settings;
    this.#emit(check.settings, prev);
    return this.get();
  }

  /** Called after every change (ours or the file's); returns the unsubscribe function. */
  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stop listening to the backend. */
  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
  }

  #changedOutside(next: Readonly<Record<string, unknown>>): void {
    if (this.#writing) return;
    const check = parseSettings(next);
    if (!check.ok) {
      // Someone wrote the file by hand (conf's Ajv passed it): keep running on what we have.
      this.log.warn('settings changed on disk but do not validate: ignored', {
        problems: check.problems,
      });
      return;
    }
    if (isDeepStrictEqual(check.settings, this.#current)) return;
    const prev = this.#current;
    this.#current = check.settings;
    this.#emit(check.settings, prev);
  }

  #emit(next: AppSettings, prev: AppSettings): void {
    for (const fn of this.#listeners) {
      try {
        fn(structuredClone(next), structuredClone(prev));
      } catch (err) {
        // One broken listener must not keep the others (tray, engine) from hearing of it.
        this.log.error('settings listener failed', { error: err });
      }
    }
  }
}
