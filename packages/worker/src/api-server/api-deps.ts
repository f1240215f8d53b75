import type { AmbientApiClient, KubeClients, Logger } from '@ambient-operator/shared';

/** What the api-server reconcilers need: the cluster, the ambient-api-server, a logger. No state. */
export interface ApiReconcileDeps {
  kube: KubeClients;
  ambient: AmbientApiClient;
  log: Logger;
}
