/**
 * The account form's logic, kept out of React so it can be tested in node: the draft the form
 * edits (strings, as typed), turning it into an Account, which field a problem belongs to, and
 * when a connection test is due.
 */
import type { ConnectionTest } from '../../shared/contract';
import {
  Account,
  ACCOUNT_ID_MAX,
  accountPort,
  type PasswordSource,
  type TlsMode,
} from '../../shared/domain/account';

/** The form's fields, in screen order: a problem is shown at one of them. */
export const fields = [
  'user',
  'host',
  'port',
  'tls',
  'password',
  'id',
  'caFile',
  'insecureSkipVerify',
  'mailboxes',
] as const;
export type Field = (typeof fields)[number];
export type FieldErrors = Partial<Record<Field, string>>;

export type TestFailureKind = Extract<ConnectionTest, { ok: false }>['kind'];

/** What the form edits: every text as typed, the password only ever as typed (never loaded). */
export interface AccountDraft {
  id: string;
  /** The user typed an id: stop deriving it from the user and host. */
  idTouched: boolean;
  user: string;
  host: string;
  /** Empty: the TLS mode's usual port. */
  port: string;
  tls: TlsMode;
  caFile: string;
  insecureSkipVerify: boolean;
  /** A new password typed in the form; empty keeps the saved one (existing accounts). */
  password: string;
  mailboxes: string[];
}

export function newDraft(): AccountDraft {
  return {
    id: '',
    idTouched: false,
    user: '',
    host: '',
    port: '',
    tls: 'implicit',
    caFile: '',
    insecureSkipVerify: false,
    password: '',
    mailboxes: ['INBOX'],
  };
}

/** A saved account in the form. Its password stays where it is: the field starts empty. */
export function draftOf(a: Account): AccountDraft {
  return {
    id: a.id,
    idTouched: true,
    user: a.user,
    host: a.host,
    port: a.port === undefined ? '' : String(a.port),
    tls: a.tls,
    caFile: a.caFile ?? '',
    insecureSkipVerify: a.insecureSkipVerify,
    password: '',
    mailboxes: [...a.mailboxes],
  };
}

/** The port shown greyed in an empty port field: what an empty field means. */
export function portPlaceholder(tls: TlsMode): string {
  return String(accountPort({ tls }));
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}

/**
 * An id for a new account from its user and host: `rita@example.com` → `rita-example-com`,
 * user `rita` on `imap.example.com` → `rita-example-com` (a leading imap./mail. says nothing),
 * made unique against `taken` with -2, -3…. Empty until there is a user.
 */
export function deriveId(user: string, host: string, taken: ReadonlySet<string> = new Set()) {
  const u = user.trim();
  if (u === '') return '';
  const at = u.lastIndexOf('@');
  const server = host.trim().replace(/^(imap|mail|imaps)\./i, '');
  const base =
    slug(at > 0 ? `${u.slice(0, at)}-${u.slice(at + 1)}` : server ? `${u}-${server}` : u) ||
    'account';
  // An id starts with a letter or a digit and is short (it names a folder).
  const id = (/^[a-z0-9]/.test(base) ? base : `a-${base}`)
    .slice(0, ACCOUNT_ID_MAX - 4)
    .replace(/[-_]+$/, '');
  if (!taken.has(id)) return id;
  for (let n = 2; ; n++) if (!taken.has(`${id}-${n}`)) return `${id}-${n}`;
}

/** The draft with a user or host edited: the id follows them until the user types one. */
export function editConnection(
  d: AccountDraft,
  patch: Partial<Pick<AccountDraft, 'user' | 'host'>>,
  taken: ReadonlySet<string>,
): AccountDraft {
  const next = { ...d, ...patch };
  return next.idTouched ? next : { ...next, id: deriveId(next.user, next.host, taken) };
}

const fieldNames = new Set<string>(fields);
function asField(key: unknown): Field | undefined {
  return typeof key === 'string' && fieldNames.has(key) ? (key as Field) : undefined;
}

export type Built = { ok: true; account: Account } | { ok: false; errors: FieldErrors };

/** Fields a connection test depends on (id and mailboxes do not matter to it). */
export const connectionFields: readonly Field[] = [
  'user',
  'host',
  'port',
  'tls',
  'password',
  'caFile',
  'insecureSkipVerify',
];

/**
 * The account the draft describes, or every problem at its field. `existing` is the saved
 * account being edited (its id and password source are kept); `taken` are the other accounts'
 * ids.
 */
export function buildAccount(
  d: AccountDraft,
  opts: {
    existing?: Account;
    taken: ReadonlySet<string>;
    /**
     * For "Test connection": only the connection fields count; a new account's id and
     * mailboxes, not chosen yet, are stood in for.
     */
    forTest?: boolean;
  },
): Built {
  const errors: FieldErrors = {};
  const { existing } = opts;
  const user = d.user.trim();
  const host = d.host.trim();
  if (user === '') errors.user = 'Type the user name you log in with (often your email address).';
  if (host === '') errors.host = 'Type the IMAP server’s name, such as imap.example.com.';
  else if (/\s|^[a-z]+:\/\//i.test(host) || host.includes('/'))
    errors.host = 'Only the server’s name, without spaces, “imaps://” or a path.';
  let port: number | undefined;
  const p = d.port.trim();
  if (p !== '') {
    port = /^\d+$/.test(p) ? Number(p) : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      errors.port = 'A port is a number from 1 to 65535 (leave it empty for the usual one).';
  }
  const id = existing ? existing.id : d.id.trim();
  if (!existing) {
    if (id === '') errors.id = 'Give the account a name.';
    else if (!/^[a-z0-9][a-z0-9_-]*$/i.test(id))
      errors.id =
        'Use letters, digits, - and _, starting with a letter or digit (it names a folder).';
    else if (opts.taken.has(id)) errors.id = `Another account is already named “${id}”.`;
  }
  const password: PasswordSource = existing ? existing.password : { keychain: true };
  if (!existing && d.password === '') errors.password = 'Type the password.';
  if (d.mailboxes.length === 0) errors.mailboxes = 'Choose at least one mailbox to watch.';
  const candidate = {
    id,
    host,
    ...(port !== undefined && !errors.port ? { port } : {}),
    tls: d.tls,
    ...(d.caFile.trim() !== '' ? { caFile: d.caFile.trim() } : {}),
    insecureSkipVerify: d.insecureSkipVerify,
    user,
    password,
    mailboxes: d.mailboxes,
  };
  const parsed = Account.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const f = asField(issue.path[0]) ?? 'host';
      errors[f] ??= issue.message;
    }
  }
  if (opts.forTest) {
    for (const f of Object.keys(errors) as Field[])
      if (!connectionFields.includes(f)) delete errors[f];
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const stand = Account.safeParse({
      ...candidate,
      id: existing ? id : 'new-account',
      mailboxes: ['INBOX'],
    });
    if (stand.success) return { ok: true, account: stand.data };
    return { ok: false, errors: { host: stand.error.issues[0]?.message ?? 'Not valid.' } };
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, account: parsed.data };
}

/** The first field with a problem, in screen order (where focus goes). */
export function firstField(errors: FieldErrors): Field | undefined {
  return fields.find((f) => errors[f] !== undefined);
}

/** The connection half of a draft as typed: a test result holds while this stays the same. */
export function draftKey(d: AccountDraft): string {
  return JSON.stringify([
    d.user.trim(),
    d.host.trim(),
    d.port.trim(),
    d.tls,
    d.caFile.trim(),
    d.insecureSkipVerify,
    d.password,
  ]);
}

/**
 * What a connection test depends on. A test that passed for this key still holds; any change
 * (server, user, certificate settings, a newly typed password) needs a new one.
 */
export function connectionKey(a: Account, password: string): string {
  return JSON.stringify([
    a.host,
    accountPort(a),
    a.tls,
    a.caFile ?? '',
    a.insecureSkipVerify,
    a.user,
    a.password,
    password,
  ]);
}

/**
 * Whether saving must first prove the connection: always for a new account or a new password;
 * for a saved account only when something the connection depends on changed (choosing other
 * mailboxes from the server's own list does not need a new login).
 */
export function needsTest(a: Account, password: string, existing?: Account): boolean {
  if (!existing) return true;
  return connectionKey(a, password) !== connectionKey(existing, '');
}

/** The field a failed test is about; undefined when it concerns the account as a whole. */
export function fieldOfFailure(
  kind: TestFailureKind,
  d: Pick<AccountDraft, 'caFile'>,
): Field | undefined {
  switch (kind) {
    case 'auth':
    case 'password':
      return 'password';
    case 'dns':
      return 'host';
    case 'refused':
      return 'port';
    case 'timeout':
      return 'host';
    case 'tls':
      // A named CA that does not fit is the likeliest cause; otherwise the TLS mode (or the
      // missing CA file, which the message itself suggests).
      return d.caFile.trim() !== '' ? 'caFile' : 'tls';
    case 'no-idle':
    case 'other':
      return undefined;
    default: {
      const unhandled: never = kind;
      return unhandled;
    }
  }
}

/**
 * Whether "Save anyway" is offered after a failed test. Serious mail apps (Thunderbird's
 * account setup, Apple Mail) verify before they keep an account and let the user go on only
 * when the failure may be passing. Here likewise: a server that cannot be reached right now
 * (offline laptop, server down, a name not resolving on this network) is retried by the engine
 * with backoff, so saving it is reasonable. A refused login, an untrusted certificate, a
 * password that cannot be read or a server without IDLE never fix themselves: saving would
 * only move the same error to the status screen, so those must be fixed first.
 */
export function saveAnywayAllowed(kind: TestFailureKind): boolean {
  switch (kind) {
    case 'dns':
    case 'refused':
    case 'timeout':
    case 'other':
      return true;
    case 'auth':
    case 'password':
    case 'tls':
    case 'no-idle':
      return false;
    default: {
      const unhandled: never = kind;
      return unhandled;
    }
  }
}

/**
 * The field a settings.update problem names, when it is about the account at `index`:
 * `accounts[2].host` → host, `accounts[2].password.command` → password.
 */
export function fieldOfSettingsPath(path: string | undefined, index: number): Field | undefined {
  const m = /^accounts\[(\d+)\]\.([A-Za-z]+)/.exec(path ?? '');
  if (!m || Number(m[1]) !== index) return undefined;
  return asField(m[2]);
}

/**
 * The part of a settings.update message about one path: the handler joins every problem as
 * `path: message; path: message`.
 */
export function problemAt(message: string, path: string): string {
  const part = message.split('; ').find((p) => p.startsWith(`${path}: `));
  return part ? part.slice(path.length + 2) : message;
}

/** How the account gets its password, for a person. */
export function describePasswordSource(s: PasswordSource): string {
  if ('keychain' in s) return 'Kept in the system keychain';
  if ('command' in s) return `From the command “${s.command}”`;
  return `From the environment variable ${s.env}`;
}

/** The accounts list with one account added or replaced (by id), order kept. */
export function withAccount(list: readonly Account[], a: Account): Account[] {
  const i = list.findIndex((x) => x.id === a.id);
  return i < 0 ? [...list, a] : list.map((x, j) => (j === i ? a : x));
}
