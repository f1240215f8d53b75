import type { AmbientApiClient, ApiClients, Logger } from '@ambient-operator/shared';

/** What the api-server reconcilers need: the cluster, the ambient-api-server, a logger. No state. */
export interface ApiReconcileDeps {
  kube: ApiClients;
  ambient: AmbientApiClient;
  log: Logger;
}
