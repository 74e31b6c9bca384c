import type { SolonApi } from '../shared/contract';

declare global {
  interface Window {
    /** The preload's bridge (or the browser tests' stand-in): the window's only way to main. */
    solon: SolonApi;
  }
}

export {};
