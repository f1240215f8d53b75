import type { Logger } from 'pino';
import { ApiError } from '../errors.js';
import type { Obj } from '../pod-status.js';
import { obj } from '../pod-status.js';
import type { ResourceApi } from '../resource-api.js';
import type { ResourceType } from '../resource-registry.js';
import type { StoreEvent } from '../store.js';
import type { KubeObject } from '../types.js';
import { cloneJson, deepEqualJson } from '../types.js';
import type { EventRecorder } from './events.js';
import { WorkQueue } from './work-queue.js';

/** The pod is Ready (the kubelet sets the condition once its containers run). */
export function isPodReady(pod: KubeObject): boolean {
  const conditions = obj(pod.status).conditions;
  return (
    Array.isArray(conditions) && conditions.map(obj).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** Counted as a replica: not terminating and not finished (a finished pod of a ReplicaSet is replaced). */
function isActive(pod: KubeObject): boolean {
  const phase = obj(pod.status).phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * The apps/v1 ReplicaSet controller: keeps `spec.replicas` active pods from the template (owned by the
 * ReplicaSet, so the garbage collector removes them with it), replaces finished ones, removes extras
 * (not-ready first) and reports `replicas`, `readyReplicas`, `availableReplicas` (minReadySeconds is
 * not simulated: ready is available), `fullyLabeledReplicas` and `observedGeneration`.
 */
export class ReplicaSetController {
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly replicaSets: ResourceType;
  private readonly pods: ResourceType;

  constructor(
    private readonly api: ResourceApi,
    private readonly events: EventRecorder,
    private readonly logger: Logger,
  ) {
    this.replicaSets = api.registry.byGroupResource('apps', 'replicasets')!;
    this.pods = api.registry.byGroupResource('', 'pods')!;
    this.queue = new WorkQueue(
      (key) => this.reconcile(key),
      (key, err) => {
        this.logger.warn({ err, replicaSet: key }, 'replicaset reconcile failed');
        this.queue.addAfter(key, 100);
      },
    );
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe((event) => this.onEvent(event));
    for (const [key] of this.api.store.iterate(this.replicaSets.id)) this.queue.add(key);
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private onEvent(event: StoreEvent): void {
    const namespace = event.object.metadata.namespace ?? '';
    if (event.resourceId === this.replicaSets.id) {
      const key = `${namespace}/${event.object.metadata.name ?? ''}`;
      if (event.type === 'DELETED') this.queue.forget(key);
      else this.queue.add(key);
      return;
    }
    if (event.resourceId !== this.pods.id) return;
    const owner = event.object.metadata.ownerReferences?.find(
      (r) => r.controller === true && r.kind === 'ReplicaSet',
    );
    if (owner) this.queue.add(`${namespace}/${owner.name}`);
  }

  private podsOf(rs: KubeObject): KubeObject[] {
    return this.api.store
      .dependentsOf(rs.metadata.uid ?? '')
      .filter((d) => d.resourceId === this.pods.id)
      .map((d) => d.object)
      .filter((p) =>
        p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid && r.controller === true),
      );
  }

  private reconcile(key: string): void {
    const slash = key.indexOf('/');
    const rs = this.api.store.get(this.replicaSets.id, key.slice(0, slash), key.slice(slash + 1));
    if (!rs || rs.metadata.deletionTimestamp) return;
    const wanted = Number(obj(rs.spec).replicas ?? 1);
    const pods = this.podsOf(rs);
    for (const pod of pods.filter((p) => !isActive(p) && !p.metadata.deletionTimestamp)) this.deletePod(pod);
    const active = pods.filter(isActive);
    if (active.length < wanted) for (let i = active.length; i < wanted; i++) this.createPod(rs);
    if (active.length > wanted) {
      // Not-ready pods go first, then the newest, as the real controller prefers.
      const victims = [...active].sort(
        (a, b) =>
          Number(isPodReady(a)) - Number(isPodReady(b)) ||
          String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
      );
      for (const pod of victims.slice(0, active.length - wanted)) this.deletePod(pod);
    }
    this.writeStatus(rs, Math.min(active.length, wanted), active.slice(0, wanted));
  }

  private writeStatus(rs: KubeObject, count: number, pods: KubeObject[]): void {
    const ready = pods.filter(isPodReady).length;
    const status: Obj = {
      replicas: count,
      fullyLabeledReplicas: count,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (deepEqualJson(status, rs.status)) return;
    try {
      this.api.update(
        this.replicaSets,
        rs.metadata.namespace,
        rs.metadata.name ?? '',
        { ...rs, status },
        {
          subresource: 'status',
        },
      );
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      this.queue.addAfter(`${rs.metadata.namespace ?? ''}/${rs.metadata.name ?? ''}`, 10);
    }
  }

  private createPod(rs: KubeObject): void {
    const template = obj(obj(rs.spec).template);
    const meta = obj(template.metadata);
    const name = rs.metadata.name ?? '';
    try {
      const pod = this.api.create(this.pods, rs.metadata.namespace, {
        metadata: {
          generateName: `${name}-`,
          labels: { ...(obj(meta.labels) as Record<string, string>) },
          annotations: { ...(obj(meta.annotations) as Record<string, string>) },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name,
              uid: rs.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: cloneJson(obj(template.spec)),
      });
      this.events.record(
        rs,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${pod.metadata.name ?? ''}`,
        'replicaset-controller',
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.events.record(
        rs,
        'Warning',
        'FailedCreate',
        `Error creating: ${message}`,
        'replicaset-controller',
      );
      // A namespace being deleted refuses new pods: nothing to retry then.
      if (!(err instanceof ApiError && err.code === 403))
        this.queue.addAfter(`${rs.metadata.namespace ?? ''}/${name}`, 500);
    }
  }

  private deletePod(pod: KubeObject): void {
    try {
      this.api.delete(this.pods, pod.metadata.namespace, pod.metadata.name ?? '', {
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
  }
}
