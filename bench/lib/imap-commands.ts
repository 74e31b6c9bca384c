// Count the IMAP commands each client issued, on the server side: Dovecot's stats metrics count
// finished commands per session and command name, and imap_id_log names the client (IMAP ID)
// of each session. Nothing in the measured processes is instrumented.
import type { Dovecot } from '../../test/helpers/dovecot.js';

const METRIC = 'bench_imap_cmd';

/** Extra dovecot.conf for {@link commandCounts} and {@link sessionClients}. */
export const commandCountingConfig = `
imap_id_log = name
metric ${METRIC} {
  filter = event=imap_command_finished
  group_by = session cmd_name
}
`;

/** Finished commands, by session id, then by command name. */
export type CommandCounts = Map<string, Map<string, number>>;

/** The counts so far (cumulative since Dovecot started). */
export async function commandCounts(dovecot: Dovecot): Promise<CommandCounts> {
  const out: CommandCounts = new Map();
  const dump = await dovecot.doveadm(['stats', 'dump']);
  for (const line of dump.split('\n')) {
    // metric_name field count sum min max avg median stddev %95; a grouped sub-metric is
    // named METRIC_<session>_<command> (session ids are base64: no underscore).
    const [name = '', , count = ''] = line.split('\t');
    if (!name.startsWith(`${METRIC}_`)) continue;
    const rest = name.slice(METRIC.length + 1);
    const sep = rest.indexOf('_');
    if (sep === -1) continue; // the per-session total
    const session = rest.slice(0, sep);
    const cmd = rest.slice(sep + 1);
    const bySession = out.get(session) ?? new Map<string, number>();
    bySession.set(cmd, (bySession.get(cmd) ?? 0) + Number(count));
    out.set(session, bySession);
  }
  return out;
}

/**
 * Session id → client name, from the `ID sent: name=…` lines Dovecot logs (imap_id_log). The
 * log may be read from an offset to see only the sessions started since then.
 */
export function sessionClients(dovecotLog: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /imap-login: Info: ID sent: name=(.*?): user=<[^>]*>.*? session=<([^>]+)>/g;
  for (const m of dovecotLog.matchAll(re)) out.set(m[2]!, m[1]!);
  return out;
}

/**
 * Session id → user name, from the `Login: user=<…>` lines Dovecot logs: tells sessions apart
 * when each measured client has users of its own.
 */
export function sessionUsers(dovecotLog: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /imap-login: Info: Login: user=<([^>]*)>.*? session=<([^>]+)>/g;
  for (const m of dovecotLog.matchAll(re)) out.set(m[2]!, m[1]!);
  return out;
}

/** Commands issued between two {@link commandCounts} snapshots, per client name and command. */
export function commandsBetween(
  before: CommandCounts,
  after: CommandCounts,
  clients: Map<string, string>,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [session, cmds] of after) {
    const client = clients.get(session) ?? '(unknown client)';
    const byCmd = out.get(client) ?? new Map<string, number>();
    for (const [cmd, n] of cmds) {
      const delta = n - (before.get(session)?.get(cmd) ?? 0);
      if (delta > 0) byCmd.set(cmd, (byCmd.get(cmd) ?? 0) + delta);
    }
    out.set(client, byCmd);
  }
  return out;
}
