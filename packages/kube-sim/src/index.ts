export { startKubeSim } from './kube-sim.js';
export type { KubeSim, KubeSimOptions, KubeSimControllers, RequestCountFilter } from './kube-sim.js';
export { Faults, DEFAULT_FAULTS } from './faults.js';
export type { FaultSettings, FailNextOptions } from './faults.js';
export { DEFAULT_POD_TIMINGS, NODE_NAME } from './kubelet.js';
export type { PodTimings } from './kubelet.js';
export { buildKubeconfig, KUBECONFIG_CONTEXT } from './kubeconfig.js';
export { JOB_TRACKING_FINALIZER } from './controllers/job-controller.js';
export type { KubeObject, ObjectMeta, OwnerReference } from './types.js';
