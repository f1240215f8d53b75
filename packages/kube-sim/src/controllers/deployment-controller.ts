import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError } from '../errors.js';
import { obj } from '../pod-status.js';
import type { ResourceApi } from '../resource-api.js';
import type { ResourceType } from '../resource-registry.js';
import type { StoreEvent } from '../store.js';
import type { KubeObject } from '../types.js';
import { deepEqualJson } from '../types.js';
import { deploymentStatus } from './deployment-status.js';
import type { EventRecorder } from './events.js';
import { WorkQueue } from './work-queue.js';

/** Label the real controller puts on ReplicaSets and their pods: the hash of the pod template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A label-safe hash of a pod template: a changed template makes a new ReplicaSet. */
export function podTemplateHash(template: unknown): string {
  return createHash('sha256').update(stableJson(template)).digest('hex').slice(0, 10);
}

/**
 * The apps/v1 Deployment controller: one ReplicaSet per pod template (`<name>-<hash>`, owned by the
 * Deployment). A rollout gives the new ReplicaSet all replicas at once (a surge of 100%) and scales the
 * old ones to 0 once the new one has every replica ready, so there is never less capacity than wanted;
 * the real controller steps by maxSurge/maxUnavailable and Recreate stops the old pods first (both
 * simplified here). Old ReplicaSets beyond revisionHistoryLimit are deleted. Status comes from the
 * ReplicaSets (deployment-status.ts).
 */
export class DeploymentController {
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly deployments: ResourceType;
  private readonly replicaSets: ResourceType;

  constructor(
    private readonly api: ResourceApi,
    private readonly events: EventRecorder,
    private readonly logger: Logger,
  ) {
    this.deployments = api.registry.byGroupResource('apps', 'deployments')!;
    this.replicaSets = api.registry.byGroupResource('apps', 'replicasets')!;
    this.queue = new WorkQueue(
      (key) => this.reconcile(key),
      (key, err) => {
        this.logger.warn({ err, deployment: key }, 'deployment reconcile failed');
        this.queue.addAfter(key, 100);
      },
    );
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe((event) => this.onEvent(event));
    for (const [key] of this.api.store.iterate(this.deployments.id)) this.queue.add(key);
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private onEvent(event: StoreEvent): void {
    const namespace = event.object.metadata.namespace ?? '';
    if (event.resourceId === this.deployments.id) {
      const key = `${namespace}/${event.object.metadata.name ?? ''}`;
      if (event.type === 'DELETED') this.queue.forget(key);
      else this.queue.add(key);
      return;
    }
    if (event.resourceId !== this.replicaSets.id) return;
    const owner = event.object.metadata.ownerReferences?.find(
      (r) => r.controller === true && r.kind === 'Deployment',
    );
    if (owner) this.queue.add(`${namespace}/${owner.name}`);
  }

  private replicaSetsOf(deployment: KubeObject): KubeObject[] {
    return this.api.store
      .dependentsOf(deployment.metadata.uid ?? '')
      .filter((d) => d.resourceId === this.replicaSets.id)
      .map((d) => d.object)
      .filter((rs) =>
        rs.metadata.ownerReferences?.some((r) => r.uid === deployment.metadata.uid && r.controller === true),
      );
  }

  private reconcile(key: string): void {
    const slash = key.indexOf('/');
    const deployment = this.api.store.get(this.deployments.id, key.slice(0, slash), key.slice(slash + 1));
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const spec = obj(deployment.spec);
    const desired = Number(spec.replicas ?? 1);
    const hash = podTemplateHash(spec.template);
    const owned = this.replicaSetsOf(deployment).filter((rs) => !rs.metadata.deletionTimestamp);
    let current = owned.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
    const old = owned.filter((rs) => rs !== current);

    if (!current) current = this.createReplicaSet(deployment, hash, old);
    else if (Number(obj(current.spec).replicas ?? 1) !== desired) this.scale(current, desired);

    // Old pods go only once the new ReplicaSet carries every replica, ready.
    const newReady = Number(obj(current?.status).readyReplicas ?? 0);
    const rolledOut = current !== undefined && newReady >= desired;
    if (rolledOut) for (const rs of old) if (Number(obj(rs.spec).replicas ?? 1) > 0) this.scale(rs, 0);
    this.pruneHistory(deployment, old);
    this.writeStatus(deployment, current, old);
  }

  private createReplicaSet(deployment: KubeObject, hash: string, old: KubeObject[]): KubeObject | undefined {
    const spec = obj(deployment.spec);
    const template = obj(spec.template);
    const templateMeta = obj(template.metadata);
    const selector = obj(spec.selector);
    const name = `${deployment.metadata.name ?? ''}-${hash}`;
    const revision =
      Math.max(0, ...old.map((rs) => Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0))) + 1;
    const labels = {
      ...(obj(templateMeta.labels) as Record<string, string>),
      [POD_TEMPLATE_HASH_LABEL]: hash,
    };
    try {
      const rs = this.api.create(this.replicaSets, deployment.metadata.namespace, {
        metadata: {
          name,
          labels,
          annotations: { [REVISION_ANNOTATION]: String(revision) },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: deployment.metadata.name,
              uid: deployment.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          replicas: Number(spec.replicas ?? 1),
          selector: {
            ...selector,
            matchLabels: {
              ...(obj(selector.matchLabels) as Record<string, string>),
              [POD_TEMPLATE_HASH_LABEL]: hash,
            },
          },
          template: { ...template, metadata: { ...templateMeta, labels } },
        },
      });
      this.events.record(
        deployment,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${name} to ${String(spec.replicas ?? 1)}`,
        'deployment-controller',
      );
      return rs;
    } catch (err) {
      // AlreadyExists: an orphan of that name (its owner event brings us back); 403: namespace terminating.
      if (err instanceof ApiError && (err.code === 409 || err.code === 403)) return undefined;
      throw err;
    }
  }

  private scale(rs: KubeObject, replicas: number): void {
    try {
      this.api.patch(this.replicaSets, rs.metadata.namespace, rs.metadata.name ?? '', 'merge', {
        spec: { replicas },
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }

  private pruneHistory(deployment: KubeObject, old: KubeObject[]): void {
    const limit = Number(obj(deployment.spec).revisionHistoryLimit ?? 10);
    const idle = old
      .filter((rs) => Number(obj(rs.spec).replicas ?? 1) === 0 && Number(obj(rs.status).replicas ?? 0) === 0)
      .sort(
        (a, b) =>
          Number(a.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) -
          Number(b.metadata.annotations?.[REVISION_ANNOTATION] ?? 0),
      );
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        this.api.delete(this.replicaSets, rs.metadata.namespace, rs.metadata.name ?? '', {
          propagationPolicy: 'Background',
        });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
  }

  private writeStatus(deployment: KubeObject, current: KubeObject | undefined, old: KubeObject[]): void {
    const status = deploymentStatus(deployment, current, old);
    const previous = obj(deployment.status);
    // Condition times change only with their status; compare the rest to avoid a write loop.
    const strip = (s: Record<string, unknown>) => ({
      ...s,
      conditions: Array.isArray(s.conditions)
        ? (s.conditions as Record<string, unknown>[]).map(
            ({ lastUpdateTime: _u, lastTransitionTime: _t, ...c }) => c,
          )
        : undefined,
    });
    if (deepEqualJson(strip(status), strip(previous))) return;
    try {
      this.api.update(
        this.deployments,
        deployment.metadata.namespace,
        deployment.metadata.name ?? '',
        { ...deployment, status },
        { subresource: 'status' },
      );
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      this.queue.addAfter(`${deployment.metadata.namespace ?? ''}/${deployment.metadata.name ?? ''}`, 10);
    }
  }
}
