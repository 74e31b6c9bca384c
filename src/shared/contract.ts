/**
 * THE IPC contract between the renderer and the main process: every invoke channel with its zod
 * args and result, every event main pushes. Everything else is derived from this object —
 * the preload's `window.solon` (buildApi below), the main process's handler table
 * (src/main/core/handlers.ts must implement `Handlers`, or it does not compile) and the
 * registration in src/main/ipc.ts — so adding a channel means adding an entry here and its
 * handler; nobody "remembers to update" a second list.
 *
 * Channel names are `namespace.method`: `status.get` becomes `window.solon.status.get()`.
 *
 * Errors cross IPC as data, never as throws (Electron reduces a thrown error to its message):
 * main answers `{ ok: true, value } | { ok: false, error: SolonError }` and the api built here
 * turns the second into a rejected promise carrying the SolonError.
 *
 * Runs anywhere: no electron, no node:*.
 */
import { z } from 'zod';
import { ActivityEntry } from './domain/activity.js';
import { Rule } from './domain/rule.js';
import { AccountStatus } from './domain/status.js';
import { Account } from './domain/account.js';
import { Category } from './domain/rule.js';
import {
  AppSettings,
  EngineOverrides,
  LlmSettings,
  NotificationSettings,
} from './domain/settings.js';

// ---------------------------------------------------------------------------------------------
// Errors

/** One table of error codes; callers branch on the code, never on the message. */
export const ErrorCode = {
  /** The arguments do not fit the channel's schema; the message (and `path`) name the field. */
  INVALID_ARGS: 'INVALID_ARGS',
  /** The call came from a frame that is not the app's own page (ipc.ts sender check). */
  FORBIDDEN_SENDER: 'FORBIDDEN_SENDER',
  /** No such channel (an old renderer talking to a newer main, or a typo behind a cast). */
  UNKNOWN_CHANNEL: 'UNKNOWN_CHANNEL',
  /** An id in the arguments (an account, an activity entry) names nothing. */
  NOT_FOUND: 'NOT_FOUND',
  /** The request is well-formed but the engine cannot do it (yet). */
  UNSUPPORTED: 'UNSUPPORTED',
  /** The engine failed; the message says what happened, for a person. */
  ENGINE: 'ENGINE',
  /** Main produced a result that breaks the contract: a bug (checked in dev and tests). */
  INVALID_RESULT: 'INVALID_RESULT',
  /** The call never got an answer from a handler (none registered, window closing). */
  IPC: 'IPC',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * What a failed call rejects with. Plain data on purpose, not an Error subclass: contextBridge
 * copies an Error as its message alone (custom properties such as `code` are dropped), while a
 * plain object crosses whole. Recognise one with `isSolonError`.
 */
export interface SolonError {
  readonly name: 'SolonError';
  readonly code: ErrorCode;
  /** For a person; never parse it. */
  readonly message: string;
  /** INVALID_ARGS: where, e.g. `limit` or `rules[2].conditions[0].value`. */
  readonly path?: string;
}

export const SolonErrorSchema = z.object({
  name: z.literal('SolonError'),
  code: z.enum(ErrorCode),
  message: z.string(),
  path: z.string().optional(),
});

export function solonError(code: ErrorCode, message: string, path?: string): SolonError {
  return Object.freeze(
    path === undefined
      ? { name: 'SolonError' as const, code, message }
      : { name: 'SolonError' as const, code, message, path },
  );
}

export function isSolonError(x: unknown): x is SolonError {
  return SolonErrorSchema.safeParse(x).success;
}

/** What travels back over IPC for every invoke. */
export type Wire<T> = { ok: true; value: T } | { ok: false; error: SolonError };

// ---------------------------------------------------------------------------------------------
// Shared argument pieces

/**
 * Links the renderer may ask main to open in the user's browser: http(s) with a host, no
 * credentials in the URL. Everything else (file:, javascript:, custom schemes) is refused.
 */
export function isExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.username !== '' || url.password !== '') return false;
  return url.hostname.length > 0;
}

/** A channel that takes nothing: called as `solon.status.get()`. */
const noArgs = z.undefined();
/** A channel that answers nothing but success. */
const noResult = z.void();
const accountId = z.string().min(1).max(200);
/** Engine controls act on every account, or on the one named. */
const perAccount = z.strictObject({ accountId: accountId.optional() }).optional();

/** One problem found by rules.validate, as validateRules reports it. */
export const RuleProblem = z.object({
  /** Where, e.g. `rules[2].conditions[0].value`. */
  path: z.string(),
  message: z.string(),
});
export type RuleProblem = z.infer<typeof RuleProblem>;

export const AppInfo = z.object({
  version: z.string(),
  /** process.platform of the main process: darwin, win32, linux… */
  platform: z.string(),
  /**
   * Where passwords are kept, as src/main/secrets.ts reports it: on Linux safeStorage's backend
   * (`basic_text` is a key hard-coded in Chromium, i.e. plain text in effect: the UI says so
   * and offers a password command), elsewhere `os` (Keychain, DPAPI).
   */
  secretsBackend: z.string(),
  /** Where checkpoints, the activity log and the classifier cache live (empty headless). */
  dataDir: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** A folder as the server lists it, for pickers: `path` is what rules and config use. */
export const FolderInfo = z.object({
  path: z.string(),
  /** Last segment, decoded (modified UTF-7 → Unicode), for display. */
  name: z.string(),
  /** The whole path, decoded, for display. */
  decodedPath: z.string(),
  delimiter: z.string(),
  /** RFC 6154 special use (\\Sent, \\Trash, \\Junk …) when known. */
  specialUse: z.string().optional(),
});
export type FolderInfo = z.infer<typeof FolderInfo>;

/** What "Test connection" found: what works, or the one specific thing that does not. */
export const ConnectionTest = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    idle: z.boolean(),
    move: z.boolean(),
    capabilities: z.array(z.string()),
    folders: z.array(FolderInfo),
  }),
  z.object({
    ok: z.literal(false),
    kind: z.enum(['dns', 'refused', 'tls', 'auth', 'timeout', 'no-idle', 'password', 'other']),
    message: z.string(),
  }),
]);
export type ConnectionTest = z.infer<typeof ConnectionTest>;

/** A recent message of a mailbox, as a picker shows it. */
export const RecentMessage = z.object({
  uid: z.number().int(),
  from: z.string(),
  subject: z.string(),
  /** Epoch ms of its Date header, when it has one. */
  date: z.number().optional(),
});
export type RecentMessage = z.infer<typeof RecentMessage>;

/** One message of a rules preview: what the rules would do to it (nothing is changed). */
export const PreviewRow = RecentMessage.extend({
  matched: z.array(z.object({ id: z.string(), name: z.string() })),
  category: z.string().optional(),
  /** The plan in words, e.g. `move → Lists/exmh; +\\Seen`, or `nothing to do`. */
  actions: z.string(),
  /** The message could not be read: it would be left alone. */
  error: z.string().optional(),
});
export type PreviewRow = z.infer<typeof PreviewRow>;

/** Where an "Apply to existing mail" run is (pushed after each batch, and once at the end). */
export const ApplyProgress = z.object({
  jobId: z.string(),
  accountId: z.string(),
  mailbox: z.string(),
  state: z.enum(['running', 'finished', 'cancelled', 'failed']),
  total: z.number().int(),
  done: z.number().int(),
  acted: z.number().int(),
  errors: z.array(z.object({ uid: z.number().int(), error: z.string() })),
  /** state `failed`: why (could not connect, the mailbox is gone…). */
  error: z.string().optional(),
});
export type ApplyProgress = z.infer<typeof ApplyProgress>;

/** What the classifier makes of one message (the categories view's Test button). */
export const CategoryTest = z.object({
  uid: z.number().int(),
  from: z.string(),
  subject: z.string(),
  /** The category chosen, if any. */
  category: z.string().optional(),
  /** Who chose: a rule that sets a category, the model, or nobody. */
  by: z.enum(['rule', 'llm', 'none']),
  /** The rule that decided, when `by` is `rule`. */
  rule: z.string().optional(),
  /** The model's reply as it came (by `llm`, or when the reply was refused). */
  answer: z.string().optional(),
  /** Why no category: no rule matched and the model is off, the model failed (and how)… */
  reason: z.string().optional(),
  ms: z.number(),
});
export type CategoryTest = z.infer<typeof CategoryTest>;

/** The LLM endpoint check (GET /v1/models). */
export const LlmTest = z.object({
  ok: z.boolean(),
  ms: z.number(),
  models: z.array(z.string()),
  message: z.string(),
});
export type LlmTest = z.infer<typeof LlmTest>;

const mailboxName = z.string().min(1).max(1000);

/**
 * A patch of a settings group: every field optional and without its default. Not `.partial()`:
 * zod 4 still applies an inner `.default()` under `.optional()`, so a patch naming one field
 * would reset every other field of the group to its default.
 */
function patchOf<S extends z.ZodRawShape>(schema: z.ZodObject<S>) {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([k, s]) => [
      k,
      (s instanceof z.ZodDefault ? (s.unwrap() as z.ZodType) : (s as z.ZodType)).optional(),
    ]),
  );
  return z.strictObject(shape) as unknown as z.ZodObject<
    { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer I> ? I : S[K]> },
    z.core.$strict
  >;
}

// ---------------------------------------------------------------------------------------------
// The contract

interface ChannelSpec {
  readonly args: z.ZodType;
  readonly result: z.ZodType;
}
interface EventSpec {
  readonly payload: z.ZodType;
}

export const contract = {
  invoke: {
    /** Every account's connection state, counters and last message. */
    'status.get': { args: noArgs, result: z.array(AccountStatus) },
    /** Pause watching (all accounts, or one): sessions close until resumed. */
    'engine.pause': { args: perAccount, result: noResult },
    /** Resume after a pause; also clears auth-failed so a fixed password is tried at once. */
    'engine.resume': { args: perAccount, result: noResult },
    /** Look for new mail now instead of waiting for IDLE or the safety-net sync. */
    'engine.checkNow': { args: perAccount, result: noResult },
    /** Drop the connections and reconnect at once, no backoff (also leaves pause and auth-failed). */
    'engine.reconnect': { args: perAccount, result: noResult },
    /** The newest entries, newest first; `query` keeps those whose text contains it. */
    'activity.recent': {
      args: z.strictObject({
        limit: z.number().int().min(1).max(1000),
        query: z.string().max(200).optional(),
      }),
      result: z.array(ActivityEntry),
    },
    /** Reverse what one entry did; answers the new `undone` entry. */
    'activity.undo': {
      args: z.strictObject({ id: z.string().min(1).max(500) }),
      result: ActivityEntry,
    },
    /** The rules in force. */
    'rules.get': { args: noArgs, result: z.array(Rule) },
    /** Check a draft rule list the way saving would, reporting every problem at once. */
    'rules.validate': {
      args: z.strictObject({ rules: z.array(z.unknown()).max(1000) }),
      result: z.object({ ok: z.boolean(), errors: z.array(RuleProblem) }),
    },
    /** The desktop app's settings (never a password: those live in the keychain). */
    'settings.get': { args: noArgs, result: AppSettings },
    /**
     * Change settings: lists (accounts, rules, categories) replace whole, the rest merges. Every
     * problem is reported at once and nothing is saved unless all is valid; the engine restarts
     * on the new settings.
     */
    'settings.update': {
      args: z.strictObject({
        accounts: z.array(Account).optional(),
        rules: z.array(Rule).optional(),
        categories: z.array(Category).optional(),
        notifications: patchOf(NotificationSettings).optional(),
        startAtLogin: z.boolean().optional(),
        engine: EngineOverrides.optional(),
        llm: patchOf(LlmSettings).optional(),
      }),
      result: AppSettings,
    },
    /** Keep an account's password in the OS keychain. Write-only: no channel ever reads it back. */
    'accounts.setPassword': {
      args: z.strictObject({
        accountId: z.string().min(1).max(100),
        password: z.string().min(1).max(4096),
      }),
      result: noResult,
    },
    /**
     * Try an account, saved or not yet saved: connect, log in, check IDLE, list the folders.
     * `password` is the one typed in the form; without it the account's own source is asked.
     * Never throws for a failed connection: the answer says which thing failed, for a person.
     */
    'accounts.test': {
      args: z.strictObject({
        account: Account,
        password: z.string().min(1).max(4096).optional(),
      }),
      result: ConnectionTest,
    },
    /** A saved account's folders, for pickers (rule targets, mailboxes to watch). */
    'accounts.folders': { args: z.strictObject({ accountId }), result: z.array(FolderInfo) },
    /** The newest messages of a mailbox, newest first; read-only (EXAMINE, BODY.PEEK). */
    'messages.recent': {
      args: z.strictObject({
        accountId,
        mailbox: mailboxName,
        limit: z.number().int().min(1).max(200),
      }),
      result: z.array(RecentMessage),
    },
    /**
     * What draft rules would do to the newest `limit` messages of a mailbox, newest first.
     * Changes nothing on the server (read-only, BODY.PEEK).
     */
    'rules.preview': {
      args: z.strictObject({
        accountId,
        mailbox: mailboxName,
        limit: z.number().int().min(1).max(500),
        rules: z.array(Rule).max(1000),
      }),
      result: z.array(PreviewRow),
    },
    /**
     * Run rules for real over the mail already in a mailbox (all of it, or the newest `limit`).
     * Answers at once with a job id; progress arrives as `rules.applyProgress` events.
     */
    'rules.apply': {
      args: z.strictObject({
        accountId,
        mailbox: mailboxName,
        rules: z.array(Rule).min(1).max(1000),
        limit: z.number().int().min(1).optional(),
      }),
      result: z.object({ jobId: z.string() }),
    },
    /** Stop an apply run after the batch in hand (nothing is left half-done). */
    'rules.cancelApply': {
      args: z.strictObject({ jobId: z.string().min(1).max(100) }),
      result: noResult,
    },
    /**
     * Classify one message of a mailbox as the engine would — rules first, then the model —
     * without acting on it. `categories` tries draft categories instead of the saved ones.
     */
    'categories.test': {
      args: z.strictObject({
        accountId,
        mailbox: mailboxName,
        uid: z.number().int().min(1),
        categories: z.array(Category).max(200).optional(),
      }),
      result: CategoryTest,
    },
    /** Check the LLM endpoint (saved settings, with any of these fields tried instead). */
    'llm.test': { args: patchOf(LlmSettings).optional(), result: LlmTest },
    /** Keep the LLM endpoint's API key in the keychain (empty: forget it). Write-only. */
    'llm.setApiKey': { args: z.strictObject({ apiKey: z.string().max(4096) }), result: noResult },
    /**
     * Save the rules and categories to a JSON file the user picks (a native Save dialog).
     * Answers the path written, or nothing when the user cancelled.
     */
    'rules.export': { args: noArgs, result: z.object({ path: z.string().optional() }) },
    /**
     * Read rules and categories from a JSON file the user picks and check them; nothing is
     * saved (the window asks, then calls settings.update). A bad file fails with INVALID_ARGS
     * naming the field; a cancelled dialog answers without `path`.
     */
    'rules.import': {
      args: noArgs,
      result: z.object({
        path: z.string().optional(),
        rules: z.array(Rule),
        categories: z.array(Category),
      }),
    },
    'app.info': { args: noArgs, result: AppInfo },
    /** Show the data folder in the system's file manager. */
    'app.openDataFolder': { args: noArgs, result: noResult },
    /** Open an http(s) link in the user's browser (the only way out of the window). */
    'app.openExternal': {
      args: z.strictObject({
        url: z
          .string()
          .max(2048)
          .refine(isExternalUrl, 'only http and https links open outside Solon'),
      }),
      result: noResult,
    },
  },
  events: {
    /** Any account's state or counters changed: the whole list, as status.get answers. */
    'status.changed': { payload: z.array(AccountStatus) },
    /** A message was handled (or failed, or was undone). */
    'activity.appended': { payload: ActivityEntry },
    /** An apply run moved on (see rules.apply). */
    'rules.applyProgress': { payload: ApplyProgress },
  },
} as const satisfies {
  invoke: Record<`${string}.${string}`, ChannelSpec>;
  events: Record<`${string}.${string}`, EventSpec>;
};

type Invokes = typeof contract.invoke;
type Events = typeof contract.events;

export type InvokeChannel = keyof Invokes;
export type EventName = keyof Events;
/** What a caller passes (before zod defaults). */
export type ArgsOf<C extends InvokeChannel> = z.input<Invokes[C]['args']>;
/** What a handler receives (after parsing). */
export type ParsedArgsOf<C extends InvokeChannel> = z.output<Invokes[C]['args']>;
export type ResultOf<C extends InvokeChannel> = z.output<Invokes[C]['result']>;
export type PayloadOf<E extends EventName> = z.output<Events[E]['payload']>;

export const invokeChannels = Object.keys(contract.invoke) as InvokeChannel[];
export const eventNames = Object.keys(contract.events) as EventName[];

export function isInvokeChannel(x: string): x is InvokeChannel {
  return Object.hasOwn(contract.invoke, x);
}
export function isEventName(x: string): x is EventName {
  return Object.hasOwn(contract.events, x);
}

/**
 * What main implements: one async function per channel, given parsed args. Type-checked
 * against the contract, so a new channel without a handler does not compile.
 */
export type Handlers = {
  readonly [C in InvokeChannel]: (args: ParsedArgsOf<C>) => Promise<ResultOf<C>>;
};

/** How main pushes an event (ipc.ts broadcasts it to the windows). */
export type Emit = <E extends EventName>(event: E, payload: PayloadOf<E>) => void;

// ---------------------------------------------------------------------------------------------
// window.solon

type NamespaceOf<C extends string> = C extends `${infer N}.${string}` ? N : never;
type Namespace = NamespaceOf<InvokeChannel>;

/** A channel as a function: no parameter when it takes no args, optional when they may be omitted. */
export type CallOf<C extends InvokeChannel> =
  undefined extends ArgsOf<C>
    ? (args?: ArgsOf<C>) => Promise<ResultOf<C>>
    : (args: ArgsOf<C>) => Promise<ResultOf<C>>;

/**
 * The exact shape of `window.solon`: one function per channel, grouped by namespace
 * (`solon.activity.recent({ limit: 50 })`), plus `on` for pushed events.
 */
export type SolonApi = {
  readonly [N in Namespace]: {
    readonly [C in InvokeChannel as C extends `${N}.${infer M}` ? M : never]: CallOf<C>;
  };
} & {
  /** Listen to a pushed event; returns the function that stops listening. */
  readonly on: <E extends EventName>(
    event: E,
    listener: (payload: PayloadOf<E>) => void,
  ) => () => void;
};

// `on` is taken by the event API: a channel namespace named `on` would collide with it.
type AssertNever<T extends never> = T;
type _NoNamespaceNamedOn = AssertNever<Extract<Namespace, 'on'>>;

/** Sends one invoke and resolves with main's `Wire` answer (ipcRenderer.invoke in the preload). */
export type InvokeTransport = (channel: InvokeChannel, args: unknown) => Promise<unknown>;
/** Subscribes to one pushed event, handing over only the payload; returns the unsubscribe. */
export type ListenTransport = (
  event: EventName,
  listener: (payload: unknown) => void,
) => () => void;

/**
 * Throws a SolonError as it is. The one place that throws a non-Error: contextBridge would
 * reduce an Error to its message, and the code is the point.
 */
function raise(error: SolonError): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- see above: plain data crosses contextBridge whole
  throw error;
}

function unwrap(answer: unknown): unknown {
  if (typeof answer === 'object' && answer !== null && 'ok' in answer) {
    const a = answer as { ok: unknown; value?: unknown; error?: unknown };
    if (a.ok === true) return a.value;
    if (a.ok === false && isSolonError(a.error)) raise(a.error);
  }
  raise(solonError(ErrorCode.IPC, 'main answered with something that is not a contract reply'));
}

function transportFailure(channel: string, e: unknown): never {
  // ipcRenderer.invoke itself rejects only when no handler answered (none registered, the
  // window is closing): handler failures arrive as data and are unwrapped above.
  if (isSolonError(e)) raise(e);
  const detail = e instanceof Error ? e.message : String(e);
  raise(solonError(ErrorCode.IPC, `${channel}: ${detail}`));
}

/**
 * Builds `window.solon` from the contract: one function per channel (mapped over the contract's
 * keys, no hand-written list), each rejecting with a SolonError when main answers an error,
 * and `on` limited to the contract's events. Pure: the preload passes ipcRenderer-backed
 * transports; tests and the browser harness pass their own.
 */
export function buildApi(invoke: InvokeTransport, listen: ListenTransport): SolonApi {
  const api: Record<string, Record<string, (args?: unknown) => Promise<unknown>>> = {};
  for (const channel of invokeChannels) {
    const dot = channel.indexOf('.');
    const ns = channel.slice(0, dot);
    const method = channel.slice(dot + 1);
    const group = (api[ns] ??= {});
    group[method] = async (args?: unknown) => {
      let answer: unknown;
      try {
        answer = await invoke(channel, args);
      } catch (e) {
        transportFailure(channel, e);
      }
      return unwrap(answer);
    };
  }
  const on = (event: string, listener: (payload: never) => void): (() => void) => {
    if (!isEventName(event)) raise(solonError(ErrorCode.UNKNOWN_CHANNEL, `no event "${event}"`));
    if (typeof listener !== 'function') {
      raise(solonError(ErrorCode.INVALID_ARGS, 'the listener must be a function', 'listener'));
    }
    return listen(event, (payload) => listener(payload as never));
  };
  // The runtime object is built from the same keys the type maps over; the test
  // (test/unit/shared/contract.test.ts) checks the two agree.
  return { ...api, on } as unknown as SolonApi;
}
