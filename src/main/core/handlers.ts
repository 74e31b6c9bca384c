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
import { validateRules } from '../../shared/domain/regex-guard.js';
import type { Rule } from '../../shared/domain/rule.js';
import type { AppSettings, SettingsPatch } from '../../shared/domain/settings.js';
import type { Engine } from './engine.js';
import { silentLogger, type Logger } from './ports.js';

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
  /** Version, platform and secrets backend, for the About view and the plain-text warning. */
  appInfo: () => AppInfo | Promise<AppInfo>;
  /** Opens a URL in the user's browser (shell.openExternal); called only with http(s) URLs. */
  openExternal: (url: string) => Promise<void>;
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

  /**
   * Engine controls take an optional account. The engine only acts on all accounts at once
   * (Engine has no per-account suspend/resume/checkNow), so a named account is checked and then
   * refused rather than silently widened to every account.
   */
  function allAccountsOnly(verb: string, accountId: string | undefined): void {
    if (accountId === undefined) return;
    if (!engine.status().some((a) => a.accountId === accountId)) {
      throw new HandlerError(ErrorCode.NOT_FOUND, `no account "${accountId}"`, 'accountId');
    }
    throw new HandlerError(
      ErrorCode.UNSUPPORTED,
      `cannot ${verb} one account alone yet: leave out the account to ${verb} all of them`,
    );
  }

  return {
    'status.get': answer(() => engine.status()),
    'engine.pause': answer((args) => {
      allAccountsOnly('pause', args?.accountId);
      engine.suspend('paused');
    }),
    'engine.resume': answer((args) => {
      allAccountsOnly('resume', args?.accountId);
      engine.resume('resumed');
    }),
    'engine.checkNow': answer((args) => {
      allAccountsOnly('check', args?.accountId);
      engine.checkNow();
    }),
    'engine.reconnect': answer((args) => {
      allAccountsOnly('reconnect', args?.accountId);
      // resume() is the engine's "reconnect at once": drops each session, no backoff, and
      // clears auth-failed so a fixed password is tried now.
      engine.resume('reconnecting');
    }),
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
    'settings.update': answer((patch) => {
      try {
        return needSettings().update(patch);
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
    }),
    'accounts.setPassword': async ({ accountId, password }) => {
      if (!deps.setPassword)
        throw new HandlerError(
          ErrorCode.UNSUPPORTED,
          'passwords are kept in the keychain only in the desktop app',
        );
      await deps.setPassword(accountId, password);
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
