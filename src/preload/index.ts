/**
 * The only code that will touch contextBridge/ipcRenderer, derived from src/shared/contract.ts
 * (the desktop-app issue). Until then it exposes nothing.
 */
export {};
