/**
 * The only code that touches contextBridge and ipcRenderer. `window.solon` is built from
 * src/shared/contract.ts by buildApi: one function per channel, `on` for the contract's events,
 * nothing else — no ipcRenderer, no generic invoke, no event objects (an IpcRendererEvent
 * carries `sender`, i.e. ipcRenderer itself).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildApi } from '../shared/contract.js';

const api = buildApi(
  (channel, args) => ipcRenderer.invoke(channel, args),
  (event, listener) => {
    const forward = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(event, forward);
    return () => {
      ipcRenderer.removeListener(event, forward);
    };
  },
);

contextBridge.exposeInMainWorld('solon', api);
