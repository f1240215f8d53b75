export { decideLocal, exitPhase, freePort, runnerEnvironment } from './local-phase.js';
export type { LocalAction, LocalPhaseInput } from './local-phase.js';
export { LocalRunners } from './local-runners.js';
export type { LocalRunnersOptions } from './local-runners.js';
export { startLocalProxy } from './local-proxy.js';
export type { LocalProxy } from './local-proxy.js';
export { startLocalMode } from './local-mode.js';
export type { LocalMode } from './local-mode.js';
