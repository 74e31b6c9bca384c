// The window (React) arrives with the window issue; it will talk to main only through
// window.solon, typed from src/shared/contract.ts.
export {};
