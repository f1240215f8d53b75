export { startApiSim } from './api-sim.js';
export type { ApiSim, ApiSimOptions } from './api-sim.js';
export { ApiSimFaults } from './faults.js';
export type { ApiCall, ApiOperation, FailNextOptions, FaultSettings } from './faults.js';
export { ApiStore } from './store.js';
export type { StoreEvent, StoreSnapshot, WatchEventType } from './store.js';
export type { ApiObject } from './search.js';
export type { RequestCounts } from './core.js';
export { isKsuid, newKsuid, KSUID_LENGTH } from './ksuid.js';
