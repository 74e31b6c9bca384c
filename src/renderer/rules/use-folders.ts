import { useCallback, useEffect, useState } from 'react';
import type { FolderInfo } from '../../shared/contract';
import { errorText } from '../format';

export type FoldersState =
  | { state: 'none' }
  | { state: 'loading' }
  | { state: 'ok'; folders: FolderInfo[] }
  | { state: 'error'; message: string };

// Listing folders is a fresh IMAP login each time; the editors ask often (every account switch,
// every reopen), so keep each account's answer until the user asks for a fresh one.
const cache = new Map<string, Promise<FolderInfo[]>>();

function load(accountId: string): Promise<FolderInfo[]> {
  let p = cache.get(accountId);
  if (p === undefined) {
    p = window.solon.accounts.folders({ accountId });
    cache.set(accountId, p);
    // A failure is not kept: the next editor tries again.
    p.catch(() => cache.delete(accountId));
  }
  return p;
}

/** An account's folders for pickers; `reload` asks the server again. */
export function useFolders(accountId: string | undefined): {
  folders: FoldersState;
  reload: () => void;
} {
  const [folders, setFolders] = useState<FoldersState>({ state: 'none' });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (accountId === undefined) {
      setFolders({ state: 'none' });
      return;
    }
    let live = true;
    setFolders({ state: 'loading' });
    load(accountId).then(
      (list) => live && setFolders({ state: 'ok', folders: list }),
      (e: unknown) => live && setFolders({ state: 'error', message: errorText(e) }),
    );
    return () => {
      live = false;
    };
  }, [accountId, generation]);

  const reload = useCallback(() => {
    if (accountId !== undefined) cache.delete(accountId);
    setGeneration((g) => g + 1);
  }, [accountId]);
  return { folders, reload };
}
