import type { Account } from '../../../shared/domain/account.js';
import type { EngineSettings } from '../../../shared/domain/config.js';
import type { Logger } from '../ports.js';
import { withSession } from './session.js';

export interface FolderInfo {
  /**
   * The folder's path as Solon uses it (rules, config, every imapflow call): Unicode.
   * imapflow decodes modified UTF-7 on the way in and encodes it on the way out.
   */
  path: string;
  /** The path exactly as the server listed it (modified UTF-7 unless the server speaks UTF8=ACCEPT). */
  rawPath: string;
  /** Last segment of the path, for display (Unicode). */
  name: string;
  /** Hierarchy delimiter, usually "/" or ".". */
  delimiter: string;
  /** RFC 6154 special use (\Sent, \Trash, \Junk …), when the server or the name says so. */
  specialUse?: string;
  /** The whole path for display (Unicode). */
  decodedPath: string;
}

/** Every folder of the account, sorted by path (INBOX first). */
export async function listFolders(
  account: Account,
  password: string,
  settings: EngineSettings,
  log: Logger,
): Promise<FolderInfo[]> {
  return withSession(account, password, settings, log, async (session) => {
    const list = await session.client.list();
    const utf8 = session.client.enabled.has('UTF8=ACCEPT');
    const folders = list.map((m): FolderInfo => {
      // imapflow already gives Unicode in `path`. Should a path come through undecoded (the
      // path equals what was listed and still holds "&…-"), decode it for display only; with
      // UTF8=ACCEPT "&" is a literal character and nothing is decoded.
      const undecoded = !utf8 && m.path === m.pathAsListed && /&[A-Za-z0-9+,]+-/.test(m.path);
      const decodedPath = undecoded ? decodeModifiedUtf7(m.path) : m.path;
      const segments = m.delimiter ? decodedPath.split(m.delimiter) : [decodedPath];
      const info: FolderInfo = {
        path: m.path,
        rawPath: m.pathAsListed,
        name: undecoded ? (segments[segments.length - 1] ?? decodedPath) : m.name,
        delimiter: m.delimiter,
        decodedPath,
      };
      if (m.specialUse) info.specialUse = m.specialUse;
      return info;
    });
    const inboxFirst = (p: string): string => (p.toUpperCase() === 'INBOX' ? '' : p);
    return folders.sort((a, b) => inboxFirst(a.path).localeCompare(inboxFirst(b.path)));
  });
}

/**
 * RFC 3501 §5.1.3 modified UTF-7 → Unicode. Leaves text that is not valid modified UTF-7 as is
 * (so an already-decoded name passes through unchanged unless it contains "&…-" sequences).
 */
export function decodeModifiedUtf7(s: string): string {
  return s.replace(/&([A-Za-z0-9+,]*)-/g, (whole, b64: string) => {
    if (b64 === '') return '&';
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0) return whole;
    let out = '';
    for (let i = 0; i < bytes.length; i += 2) out += String.fromCharCode(bytes.readUInt16BE(i));
    return out;
  });
}
