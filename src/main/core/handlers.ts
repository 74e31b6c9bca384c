/**
 * The main-process side of the IPC contract (src/shared/contract.ts), without Electron: one
 * async function per invoke channel over the engine, `dispatch` that turns an untrusted call
 * into a checked one with a coded answer, and `subscribe` that turns engine events into pushed
 * events. src/main/ipc.ts binds these to ipcMain; the renderer's browser tests bind the very
 * same functions to the page, so both exercise one implementation.
 */
import type { z } from 'zod';
import {
  contract,
  type ApplyProgress,
  type CategoryTest,
  type ConnectionTest,
  type LlmTest,
  type PreviewRow,
  ErrorCode,
  isExternalUrl,
  isInvokeChannel,
  solonError,
  type AppInfo,
  type Emit,
  type Handlers,
  type SolonError,
  type Wire,
} from '../../shared/contract.js';
import { activityMatches } from '../../shared/domain/activity.js';
import { exportDocument, parseExportDocument } from '../../shared/domain/rules-file.js';
import { validateRules } from '../../shared/domain/regex-guard.js';
import type { Account } from '../../shared/domain/account.js';
import type { EngineSettings } from '../../shared/domain/config.js';
import type { Category, Rule } from '../../shared/domain/rule.js';
import type { AppSettings, LlmSettings, SettingsPatch } from '../../shared/domain/settings.js';
import type { Engine } from './engine.js';
import type { MessageView } from './mail/message-view.js';
import { silentLogger, type Logger } from './ports.js';
import { evaluateRules } from './rules/evaluate.js';
import {
  applyRules,
  listFolders,
  previewRules,
  readMessage,
  recentMessages,
  testConnection,
} from './tools/index.js';

/** The part of the engine the handlers drive; a real Engine fits, and so does a test fake. */
export type EngineControls = Pick<
  Engine,
  'status' | 'suspend' | 'resume' | 'checkNow' | 'recentActivity' | 'undo'
>;

export interface HandlerDeps {
  /** The running engine. */
  engine: EngineControls;
  /** The rules in force (settings in the app, the config file headless). */
  rules: () => Rule[] | Promise<Rule[]>;
  /** The app's settings (desktop only; headless and tests may leave it out). */
  settings?: {
    get(): AppSettings;
    update(patch: SettingsPatch): AppSettings;
  };
  /** Keep a password in the keychain (desktop only). */
  setPassword?: (accountId: string, password: string) => Promise<void>;
  /** Delete a password from the keychain: called for each account removed from the settings. */
  forgetPassword?: (accountId: string) => Promise<void>;
  /** Version, platform and secrets backend, for the About view and the plain-text warning. */
  appInfo: () => AppInfo | Promise<AppInfo>;
  /** Opens a URL in the user's browser (shell.openExternal); called only with http(s) URLs. */
  openExternal: (url: string) => Promise<void>;
  /** Native file dialogs (desktop only): export and import of rules. */
  files?: {
    /** Ask where to save `contents` (suggesting `name`), write it; undefined when cancelled. */
    saveAs(name: string, contents: string): Promise<string | undefined>;
    /** Ask for a JSON file and read it; undefined when cancelled. */
    open(): Promise<{ path: string; contents: string } | undefined>;
  };
  /** Shows the data folder in the file manager (desktop only). */
  openDataFolder?: () => Promise<void>;
  /** Pushes events that are not the engine's (apply progress). */
  emit?: Emit;
  /** The window's tools over the server: folders, tests, previews, apply runs. */
  tools?: ToolDeps;
  /** The local classifier (issue 6): endpoint check, one-message classification, API key. */
  llm?: LlmDeps;
}

export interface ToolDeps {
  /** A saved account by id. */
  account(id: string): Account | undefined;
  /** Its password, from its source (keychain, command, env). */
  password(account: Account): Promise<string>;
  engineSettings(): EngineSettings;
  /** The saved categories. */
  categories(): Category[];
  log?: Logger;
}

export interface LlmDeps {
  /** The saved LLM settings, or undefined when there are none (headless without `llm`). */
  settings(): LlmSettings | undefined;
  test(settings: LlmSettings): Promise<LlmTest>;
  categorize(
    view: MessageView,
    categories: Category[],
    settings: LlmSettings,
  ): Promise<{ category: string | undefined; ms: number; answer: string; reason?: string }>;
  setApiKey(apiKey: string): Promise<void>;
}

/** A handler's failure with a code other than ENGINE; dispatch passes the code through. */
export class HandlerError extends Error {
  override readonly name = 'HandlerError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For INVALID_ARGS: the field at fault. */
    readonly path?: string,
  ) {
    super(message);
  }
}

/**
 * How many recent entries a search looks through. The engine has no search of its own yet, so
 * activity.recent with a query filters this window (the activity log is read whole anyway).
 */
export const ACTIVITY_SEARCH_WINDOW = 5000;

/** A synchronous handler as the async function the contract wants (a throw becomes a rejection). */
function answer<A, R>(fn: (args: A) => R): (args: A) => Promise<R> {
  return (args) => new Promise<R>((resolve) => resolve(fn(args)));
}

export function createHandlers(deps: HandlerDeps): Handlers {
  const { engine } = deps;
  const needSettings = (): NonNullable<HandlerDeps['settings']> => {
    if (!deps.settings)
      throw new HandlerError(
        ErrorCode.UNSUPPORTED,
        'settings live in the config file here (headless)',
      );
    return deps.settings;
  };

  /** Engine controls take an optional account; a named one must exist. */
  function known(accountId: string | undefined): string | undefined {
    if (accountId !== undefined && !engine.status().some((a) => a.accountId === accountId))
      throw new HandlerError(ErrorCode.NOT_FOUND, `no account "${accountId}"`, 'accountId');
    return accountId;
  }

  const needTools = (): ToolDeps => {
    if (!deps.tools)
      throw new HandlerError(ErrorCode.UNSUPPORTED, 'this needs the desktop app (headless)');
    return deps.tools;
  };
  const toolLog = (): Logger => deps.tools?.log ?? silentLogger;
  /** A saved account and its password, or a coded error naming what is missing. */
  async function saved(accountId: string): Promise<{ account: Account; password: string }> {
    const tools = needTools();
    const account = tools.account(accountId);
    if (!account)
      throw new HandlerError(ErrorCode.NOT_FOUND, `no account "${accountId}"`, 'accountId');
    return { account, password: await tools.password(account) };
  }

  /** Apply runs in flight, by job id: cancel aborts between two batches. */
  const jobs = new Map<string, AbortController>();
  let jobSeq = 0;
  const emit = (p: ApplyProgress): void => {
    try {
      deps.emit?.('rules.applyProgress', p);
    } catch (err) {
      toolLog().warn('could not push apply progress', { err: String(err) });
    }
  };

  return {
    'status.get': answer(() => engine.status()),
    'engine.pause': answer((args) => engine.suspend('paused', known(args?.accountId))),
    'engine.resume': answer((args) => engine.resume('resumed', known(args?.accountId))),
    'engine.checkNow': answer((args) => engine.checkNow(known(args?.accountId))),
    // resume() is the engine's "reconnect at once": drops each session, no backoff, and clears
    // auth-failed so a fixed password is tried now.
    'engine.reconnect': answer((args) => engine.resume('reconnecting', known(args?.accountId))),
    'activity.recent': async ({ limit, query }) => {
      const needle = query?.trim().toLowerCase() ?? '';
      if (needle === '') return engine.recentActivity(limit);
      const window = await engine.recentActivity(Math.max(limit, ACTIVITY_SEARCH_WINDOW));
      return window.filter((e) => activityMatches(e, needle)).slice(0, limit);
    },
    'activity.undo': async ({ id }) => engine.undo(id),
    'rules.get': async () => deps.rules(),
    'rules.validate': answer(({ rules }) => {
      const r = validateRules(rules);
      return r.ok ? { ok: true, errors: [] } : { ok: false, errors: r.errors };
    }),
    'settings.get': answer(() => needSettings().get()),
    'settings.update': async (patch) => {
      const store = needSettings();
      const before = store.get().accounts;
      let next: AppSettings;
      try {
        next = store.update(patch);
      } catch (err) {
        const problems = (err as { problems?: { path: string; message: string }[] }).problems;
        if (problems?.length) {
          const first = problems[0]!;
          throw new HandlerError(
            ErrorCode.INVALID_ARGS,
            problems.map((p) => `${p.path}: ${p.message}`).join('; '),
            first.path,
          );
        }
        throw err;
      }
      // A removed account's password leaves the keychain with it. Saved first, so a keychain
      // failure loses nothing the user asked for; it is logged, not thrown.
      for (const gone of before)
        if (!next.accounts.some((a) => a.id === gone.id) && 'keychain' in gone.password)
          await deps.forgetPassword?.(gone.id).catch((err: unknown) =>
            toolLog().warn("could not delete a removed account's password", {
              account: gone.id,
              err: String(err),
            }),
          );
      return next;
    },
    'accounts.setPassword': async ({ accountId, password }) => {
      if (!deps.setPassword)
        throw new HandlerError(
          ErrorCode.UNSUPPORTED,
          'passwords are kept in the keychain only in the desktop app',
        );
      await deps.setPassword(accountId, password);
    },
    'accounts.test': async ({ account, password }) => {
      const tools = needTools();
      let pw = password;
      if (pw === undefined) {
        try {
          pw = await tools.password(account);
        } catch (err) {
          return { ok: false, kind: 'password', message: (err as Error).message };
        }
      }
      const log = toolLog().child({ account: account.id, tool: 'test' });
      const r = await testConnection(account, pw, tools.engineSettings(), log);
      if (!r.ok) return r;
      // The folder list for the form's mailbox picker; the test already logged in once.
      const folders = await listFolders(account, pw, tools.engineSettings(), log);
      return { ...r, folders: folders.map(folderRow) } satisfies ConnectionTest;
    },
    'accounts.folders': async ({ accountId }) => {
      const { account, password } = await saved(accountId);
      const list = await listFolders(account, password, needTools().engineSettings(), toolLog());
      return list.map(folderRow);
    },
    'messages.recent': async ({ accountId, mailbox, limit }) => {
      const { account, password } = await saved(accountId);
      const rows = await recentMessages(
        account,
        password,
        needTools().engineSettings(),
        toolLog(),
        {
          mailbox,
          limit,
        },
      );
      return rows.map((r) => withDate({ uid: r.uid, from: r.from, subject: r.subject }, r.date));
    },
    'rules.preview': async ({ accountId, mailbox, limit, rules }) => {
      const tools = needTools();
      const { account, password } = await saved(accountId);
      const items = await previewRules(account, password, tools.engineSettings(), toolLog(), {
        rules,
        categories: tools.categories(),
        mailbox,
        limit,
      });
      return items.map((i) => {
        const row: PreviewRow = withDate(
          { uid: i.uid, from: i.from, subject: i.subject, matched: i.matched, actions: i.actions },
          i.date,
        );
        if (i.category !== undefined) row.category = i.category;
        if (i.error !== undefined) row.error = i.error;
        return row;
      });
    },
    'rules.apply': async ({ accountId, mailbox, rules, limit }) => {
      const tools = needTools();
      const { account, password } = await saved(accountId);
      const jobId = `apply-${++jobSeq}-${Date.now().toString(36)}`;
      const ctrl = new AbortController();
      jobs.set(jobId, ctrl);
      const base = { jobId, accountId, mailbox };
      const progress = { total: 0, done: 0, acted: 0, errors: [] as ApplyProgress['errors'] };
      // Answer with the id at once; the run reports through events.
      void applyRules(account, password, tools.engineSettings(), toolLog(), {
        rules,
        categories: tools.categories(),
        mailbox,
        limit,
        signal: ctrl.signal,
        onProgress: (done, total) => {
          progress.done = done;
          progress.total = total;
          emit({ ...base, state: 'running', ...progress });
        },
      })
        .then((r) =>
          emit({
            ...base,
            state: r.cancelled ? 'cancelled' : 'finished',
            total: r.total,
            done: r.done,
            acted: r.acted,
            errors: r.errors.slice(0, 100),
          }),
        )
        .catch((err: unknown) =>
          emit({ ...base, state: 'failed', ...progress, error: (err as Error).message }),
        )
        .finally(() => jobs.delete(jobId));
      return { jobId };
    },
    'rules.cancelApply': answer(({ jobId }) => {
      const ctrl = jobs.get(jobId);
      if (!ctrl) throw new HandlerError(ErrorCode.NOT_FOUND, `no apply run "${jobId}"`, 'jobId');
      ctrl.abort();
    }),
    'categories.test': async ({ accountId, mailbox, uid, categories }) => {
      const tools = needTools();
      const { account, password } = await saved(accountId);
      const started = Date.now();
      const view = await readMessage(account, password, tools.engineSettings(), toolLog(), {
        mailbox,
        uid,
      });
      if (!view)
        throw new HandlerError(ErrorCode.NOT_FOUND, `no message ${uid} in ${mailbox}`, 'uid');
      const cats = categories ?? tools.categories();
      const from = view.from.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address));
      const base = { uid, from: from.join(', '), subject: view.subject };
      const decision = evaluateRules(await deps.rules(), view);
      if (decision.decided) {
        const out: CategoryTest = { ...base, by: 'rule', ms: Date.now() - started };
        if (decision.category !== undefined) out.category = decision.category;
        else out.reason = 'a rule decided this message without setting a category';
        out.rule = decision.matched.map((m) => m.name).join(', ');
        return out;
      }
      const llm = deps.llm?.settings();
      if (!deps.llm || !llm?.enabled)
        return {
          ...base,
          by: 'none',
          ms: Date.now() - started,
          reason: 'no rule decided this message, and the language model is off (Settings)',
        };
      if (cats.length === 0)
        return { ...base, by: 'none', ms: Date.now() - started, reason: 'there are no categories' };
      const r = await deps.llm.categorize(view, cats, llm);
      const out: CategoryTest = { ...base, by: r.category ? 'llm' : 'none', ms: r.ms };
      if (r.category !== undefined) out.category = r.category;
      if (r.answer) out.answer = r.answer;
      if (r.reason !== undefined) out.reason = r.reason;
      return out;
    },
    'llm.test': async (patch) => {
      const llm = deps.llm;
      const current = llm?.settings();
      if (!llm || !current)
        throw new HandlerError(ErrorCode.UNSUPPORTED, 'the language model is not available here');
      const tried: LlmSettings = { ...current };
      for (const [k, v] of Object.entries(patch ?? {}))
        if (v !== undefined) (tried as Record<string, unknown>)[k] = v;
      return llm.test(tried);
    },
    'llm.setApiKey': async ({ apiKey }) => {
      if (!deps.llm)
        throw new HandlerError(ErrorCode.UNSUPPORTED, 'the language model is not available here');
      await deps.llm.setApiKey(apiKey);
    },
    'app.openDataFolder': async () => {
      if (!deps.openDataFolder)
        throw new HandlerError(ErrorCode.UNSUPPORTED, 'there is no file manager here');
      await deps.openDataFolder();
    },
    'rules.export': async () => {
      if (!deps.files)
        throw new HandlerError(ErrorCode.UNSUPPORTED, 'there are no file dialogs here');
      const s = needSettings().get();
      const path = await deps.files.saveAs(
        'solon-rules.json',
        `${JSON.stringify(exportDocument(s.rules, s.categories), null, 2)}\n`,
      );
      return path === undefined ? {} : { path };
    },
    'rules.import': async () => {
      if (!deps.files)
        throw new HandlerError(ErrorCode.UNSUPPORTED, 'there are no file dialogs here');
      const file = await deps.files.open();
      if (!file) return { rules: [], categories: [] };
      const r = parseExportDocument(file.contents);
      if (!r.ok)
        throw new HandlerError(ErrorCode.INVALID_ARGS, `${file.path}: ${r.message}`, r.path);
      return { path: file.path, rules: r.rules, categories: r.categories };
    },
    'app.info': async () => deps.appInfo(),
    'app.openExternal': async ({ url }) => {
      // The args schema already refused anything else; checked again because this is the
      // line between the window and the user's browser.
      if (!isExternalUrl(url)) {
        throw new HandlerError(ErrorCode.INVALID_ARGS, 'only http and https links open', 'url');
      }
      await deps.openExternal(url);
    },
  };
}

function folderRow(f: {
  path: string;
  name: string;
  decodedPath: string;
  delimiter: string;
  specialUse?: string;
}): { path: string; name: string; decodedPath: string; delimiter: string; specialUse?: string } {
  const row = { path: f.path, name: f.name, decodedPath: f.decodedPath, delimiter: f.delimiter };
  return f.specialUse ? { ...row, specialUse: f.specialUse } : row;
}

/** Adds `date` (epoch ms) when the message has a valid one: the contract carries no Date. */
function withDate<T extends object>(row: T, date: Date | undefined): T & { date?: number } {
  const ms = date?.getTime();
  return ms === undefined || Number.isNaN(ms) ? row : { ...row, date: ms };
}

// ---------------------------------------------------------------------------------------------
// dispatch

export interface DispatchOptions {
  /**
   * Parse every result against the channel's result schema, so a handler that breaks the
   * contract fails loudly (INVALID_RESULT) instead of handing the renderer a surprise. On in
   * development and tests; off in production builds, where it would only cost time.
   */
  validateResults?: boolean;
  /** Where ENGINE and INVALID_RESULT failures are logged. */
  log?: Logger;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function describeIssues(error: z.ZodError): { path: string; message: string } {
  const parts = error.issues.map((i) => `${formatPath(i.path) || 'arguments'}: ${i.message}`);
  const first = error.issues[0];
  return { path: first ? formatPath(first.path) : '', message: parts.join('; ') };
}

function failure(error: SolonError): Wire<never> {
  return { ok: false, error };
}

/**
 * Runs one call from the outside world: is the channel ours, do the args fit (zod), call the
 * handler, (in dev) does the result fit — and answer with a Wire envelope, never a throw:
 * bad args → INVALID_ARGS naming the field; HandlerError → its code; any other throw → ENGINE
 * with its message.
 */
export async function dispatch(
  handlers: Handlers,
  channel: string,
  rawArgs: unknown,
  opts: DispatchOptions = {},
): Promise<Wire<unknown>> {
  const log = opts.log ?? silentLogger;
  const validateResults = opts.validateResults ?? process.env.NODE_ENV !== 'production';
  if (!isInvokeChannel(channel)) {
    return failure(solonError(ErrorCode.UNKNOWN_CHANNEL, `no channel "${channel}"`));
  }
  const spec: { args: z.ZodType; result: z.ZodType } = contract.invoke[channel];
  const parsed = spec.args.safeParse(rawArgs);
  if (!parsed.success) {
    const { path, message } = describeIssues(parsed.error);
    return failure(solonError(ErrorCode.INVALID_ARGS, `${channel}: ${message}`, path));
  }
  // The handler table is keyed by the same channel; TypeScript cannot correlate the two.
  const handler = handlers[channel] as (args: unknown) => Promise<unknown>;
  let value: unknown;
  try {
    value = await handler(parsed.data);
  } catch (e) {
    if (e instanceof HandlerError) return failure(solonError(e.code, e.message, e.path));
    const message = e instanceof Error ? e.message : String(e);
    log.warn('ipc handler failed', { channel, error: message });
    return failure(solonError(ErrorCode.ENGINE, message));
  }
  if (validateResults) {
    const checked = spec.result.safeParse(value);
    if (!checked.success) {
      const { message } = describeIssues(checked.error);
      log.error('ipc result breaks the contract', { channel, error: message });
      return failure(
        solonError(ErrorCode.INVALID_RESULT, `${channel} answered off-contract: ${message}`),
      );
    }
  }
  return { ok: true, value };
}

// ---------------------------------------------------------------------------------------------
// events

/**
 * Forwards engine events as contract events. Returns the unsubscribe. A failing emit (a window
 * torn down mid-send) is logged and swallowed: the engine calls these listeners from inside
 * message handling, which must never fail because a window went away.
 */
export function subscribe(
  engine: Pick<Engine, 'onStatus' | 'onActivity'>,
  emit: Emit,
  log: Logger = silentLogger,
): () => void {
  const safely = (fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      log.warn('could not push an event to the window', {
        error: e instanceof Error ? e.message : String(e),
      });
    }
  };
  const offs = [
    engine.onStatus((s) => safely(() => emit('status.changed', s))),
    engine.onActivity((e) => safely(() => emit('activity.appended', e))),
  ];
  return () => {
    for (const off of offs) off();
  };
}
