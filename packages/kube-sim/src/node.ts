// The pod lifecycle of kube-sim's kubelet, for node agents that run it against another API server
// (@ambient-operator/kube-real's node agent drives pods of a real kube-apiserver with the same SIM_* scripts).
export { ContainerRuntime } from './container-runtime.js';
export type { NodePods } from './container-runtime.js';
export { podStartDelayMs, scriptOf, SIM_TARGET_CONTAINER } from './container-script.js';
export type { ContainerScript } from './container-script.js';
export { PodTimers } from './pod-timers.js';
export { SimulatedImages } from './simulated-images.js';
export type { SimulatedImage } from './simulated-images.js';
export { DEFAULT_POD_TIMINGS } from './pod-timings.js';
export type { PodTimings } from './pod-timings.js';
export { containersOf, isTerminalPhase, killedPodStatus, obj, scheduledPodStatus } from './pod-status.js';
export type { Obj } from './pod-status.js';
export type { KubeObject } from './types.js';
