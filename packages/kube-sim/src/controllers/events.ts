import { randomBytes } from 'node:crypto';
import type { ResourceApi } from '../resource-api.js';
import type { KubeObject } from '../types.js';
import { nowRfc3339 } from '../types.js';

/** Records core/v1 Events for simulated components, keeping at most `maxEvents` (oldest dropped). */
export class EventRecorder {
  private readonly recent: Array<{ namespace: string; name: string }> = [];

  constructor(
    private readonly api: ResourceApi,
    private readonly maxEvents: number,
  ) {}

  record(
    involved: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
  ): void {
    const events = this.api.registry.byGroupResource('', 'events');
    if (!events || this.maxEvents <= 0) return;
    const namespace = involved.metadata.namespace ?? 'default';
    const ns = this.api.store.get('/namespaces', undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const now = nowRfc3339();
    const name = `${involved.metadata.name ?? 'unknown'}.${randomBytes(8).toString('hex')}`;
    try {
      this.api.create(events, namespace, {
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: involved.metadata.name,
          namespace: involved.metadata.namespace,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component, host: component === 'kubelet' ? 'kube-sim-node' : undefined },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: component === 'kubelet' ? 'kube-sim-node' : '',
      });
    } catch {
      return; // events are best effort, as in a real cluster
    }
    this.recent.push({ namespace, name });
    while (this.recent.length > this.maxEvents) {
      const oldest = this.recent.shift()!;
      try {
        this.api.delete(events, oldest.namespace, oldest.name);
      } catch {
        // already gone (namespace deleted)
      }
    }
  }
}
