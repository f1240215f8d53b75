export { startKubeReal } from './control-plane.js';
export type { KubeReal, KubeRealOptions } from './control-plane.js';
export { ensureBinaries, BUILD_SCRIPT } from './binaries.js';
export { buildKubeconfig, KUBE_REAL_CONTEXT } from './kubeconfig.js';
export { REAL_NODE_NAME } from './node-agent.js';
export { readAuditLog, summariseAccess } from './audit-log.js';
export type { AccessSummary, AuditEvent } from './audit-log.js';
