export { startWatcher, type Watcher, type WatcherOptions } from './watcher.js';
export {
  startListWatch,
  WatchError,
  type ListWatch,
  type ListWatchState,
  type RestartReason,
  type WatchedObject,
  type WatchErrorKind,
  type WatchEvent,
  type WatchEventType,
} from './list-watch.js';
export { startLeaderElection, type LeaderElection, type LeaderElectionOptions } from './leader-election.js';
export { KeyIndex } from './key-index.js';
export { splitWatcherFlags } from './cli-flags.js';
export {
  reconnectDelayMs,
  startApiSource,
  updatedAtKey,
  type ApiSource,
  type ApiSourceActivity,
  type ApiSourceOptions,
  type ApiSourceReason,
  type ApiStreamState,
  type RelistReason,
} from './api-source.js';
