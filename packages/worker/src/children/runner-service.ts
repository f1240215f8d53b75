import type { V1Service } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { StoredAgenticSession } from '@ambient-operator/shared';
import { sessionOwnerReference } from './agentic-session.js';
import { serviceName } from '@ambient-operator/shared';
import { RUNNER_LABELS } from './names.js';
import { runnerPodLabels } from './runner-job.js';

/**
 * Service `session-<n>`, through which the backend and the operator reach the runner's AG-UI server
 * (`http://session-<n>.<ns>.svc.cluster.local:<port>`). Owned by the session, not the pod (fix of §10.7:
 * a pod-owned Service was garbage-collected after a pod re-creation and never came back).
 */
export function buildRunnerService(input: { session: StoredAgenticSession; port: number }): Wire<V1Service> {
  const { session, port } = input;
  const name = session.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: serviceName(name),
      namespace: session.metadata.namespace,
      labels: { [RUNNER_LABELS.appKey]: RUNNER_LABELS.serviceApp, [RUNNER_LABELS.sessionKey]: name },
      ownerReferences: [sessionOwnerReference(session)],
    },
    spec: {
      type: 'ClusterIP',
      selector: runnerPodLabels(name),
      ports: [{ name: 'agui', protocol: 'TCP', port, targetPort: port }],
    },
  };
}
