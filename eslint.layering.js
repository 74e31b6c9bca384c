// Where code may run is said by its folder; these rules prove it (DESIGN.md §1).
//   src/shared     runs anywhere: no electron, no node:* builtins
//   src/main/core  plain Node: never electron
//   src/main       the Electron shell: only ipc.ts touches ipcMain
//   src/preload    the only user of ipcRenderer/contextBridge
const noElectron = {
  name: 'electron',
  message: 'src/main/core and src/shared never import electron: inject a port (src/main/core/ports.ts) instead.',
};
const ipcOnlyInIpcTs = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'Raw IPC is banned: declare the channel in src/shared/contract.ts; only src/main/ipc.ts and src/preload touch Electron IPC.',
};

/** @type {import('eslint').Linter.Config[]} */
export const layering = [
  {
    files: ['src/main/core/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
  {
    files: ['src/shared/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [{ group: ['node:*'], message: 'src/shared runs anywhere: no Node builtins.' }],
        },
      ],
    },
  },
  {
    files: ['src/main/**/*.{ts,tsx}', 'src/renderer/**/*.{ts,tsx}'],
    ignores: ['src/main/core/**', 'src/main/ipc.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ipcOnlyInIpcTs] }] },
  },
];
