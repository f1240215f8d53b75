import type { Logger } from 'pino';
import type { ResourceApi } from '../resource-api.js';
import type { ResourceType } from '../resource-registry.js';
import { matchesStructuredSelector } from '../selectors.js';
import type { StoreEvent } from '../store.js';
import type { KubeObject } from '../types.js';
import { deepEqualJson, isPlainObject, nowRfc3339 } from '../types.js';
import { WorkQueue } from './work-queue.js';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

/** Keeps `lastTransitionTime` when a condition's status did not change. */
function condition(previous: Obj[], next: Obj): Obj {
  const old = previous.find((c) => c.type === next.type);
  const now = nowRfc3339();
  const at = old && old.status === next.status ? old.lastTransitionTime : now;
  return next.type === 'Available'
    ? { ...next, lastUpdateTime: at, lastTransitionTime: at } // Deployment conditions carry both
    : { ...next, lastTransitionTime: at };
}

function isReadyPod(pod: KubeObject): boolean {
  const conditions = obj(pod.status).conditions;
  return (
    Array.isArray(conditions) && conditions.map(obj).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

function resolveCount(value: unknown, total: number): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.endsWith('%'))
    return Math.ceil((total * Number(value.slice(0, -1))) / 100);
  return undefined;
}

/**
 * Status for PodDisruptionBudgets: counts from the pods in its namespace that its selector matches.
 * (Deployments have their own controller, deployment-controller.ts.)
 */
export class WorkloadStatusController {
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly pdbs: ResourceType;
  private readonly pods: ResourceType;

  constructor(
    private readonly api: ResourceApi,
    private readonly logger: Logger,
  ) {
    this.pdbs = api.registry.byGroupResource('policy', 'poddisruptionbudgets')!;
    this.pods = api.registry.byGroupResource('', 'pods')!;
    this.queue = new WorkQueue(
      (key) => this.process(key),
      (key, err) => this.logger.warn({ err, key }, 'workload status failed'),
    );
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe((event) => this.onEvent(event));
    for (const [, object] of this.api.store.iterate(this.pdbs.id)) this.queue.add(keyOf(this.pdbs, object));
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private onEvent(event: StoreEvent): void {
    if (event.type === 'DELETED' && event.resourceId !== this.pods.id) return;
    if (event.resourceId === this.pdbs.id) {
      this.queue.add(keyOf(this.pdbs, event.object));
      return;
    }
    if (event.resourceId !== this.pods.id) return;
    const namespace = event.object.metadata.namespace;
    for (const [, pdb] of this.api.store.iterate(this.pdbs.id)) {
      if (pdb.metadata.namespace !== namespace) continue;
      const selector = obj(obj(pdb.spec).selector);
      const matches = (pod: KubeObject | undefined) =>
        pod !== undefined && matchesStructuredSelector(selector, pod.metadata.labels);
      if (matches(event.object) || matches(event.oldObject)) this.queue.add(keyOf(this.pdbs, pdb));
    }
  }

  private process(key: string): void {
    const [, namespace, name] = key.split('|') as [string, string, string];
    const object = this.api.store.get(this.pdbs.id, namespace, name);
    if (!object || object.metadata.deletionTimestamp) return;
    const status = this.pdbStatus(object);
    if (deepEqualJson(status, object.status)) return;
    this.api.update(this.pdbs, namespace, name, { ...object, status }, { subresource: 'status' });
  }

  private pdbStatus(pdb: KubeObject): Obj {
    const spec = obj(pdb.spec);
    const selector = obj(spec.selector);
    const pods: KubeObject[] = [];
    for (const [, pod] of this.api.store.iterate(this.pods.id)) {
      const phase = obj(pod.status).phase;
      if (pod.metadata.namespace !== pdb.metadata.namespace || pod.metadata.deletionTimestamp) continue;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      if (matchesStructuredSelector(selector, pod.metadata.labels)) pods.push(pod);
    }
    const expectedPods = pods.length;
    const currentHealthy = pods.filter(isReadyPod).length;
    const maxUnavailable = resolveCount(spec.maxUnavailable, expectedPods);
    const desiredHealthy =
      maxUnavailable !== undefined
        ? Math.max(0, expectedPods - maxUnavailable)
        : (resolveCount(spec.minAvailable, expectedPods) ?? 0);
    const disruptionsAllowed = Math.max(0, currentHealthy - desiredHealthy);
    const previous = Array.isArray(obj(pdb.status).conditions) ? (obj(pdb.status).conditions as Obj[]) : [];
    return {
      observedGeneration: pdb.metadata.generation ?? 1,
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy,
      expectedPods,
      conditions: [
        condition(previous, {
          type: 'DisruptionAllowed',
          status: disruptionsAllowed > 0 ? 'True' : 'False',
          reason: disruptionsAllowed > 0 ? 'SufficientPods' : 'InsufficientPods',
          message: '',
          observedGeneration: pdb.metadata.generation ?? 1,
        }),
      ],
    };
  }
}

function keyOf(type: ResourceType, object: KubeObject): string {
  return `${type.id}|${object.metadata.namespace ?? ''}|${object.metadata.name ?? ''}`;
}
