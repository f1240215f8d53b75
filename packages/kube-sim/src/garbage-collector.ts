import type { Logger } from 'pino';
import { WorkQueue } from './controllers/work-queue.js';
import { ApiError } from './errors.js';
import type { ResourceApi } from './resource-api.js';
import type { StoreEvent } from './store.js';
import type { KubeObject } from './types.js';

/**
 * The garbage collector: deletes dependents whose owners are all gone (Background), deletes
 * dependents of owners in foreground deletion and removes `foregroundDeletion` once no blocking
 * dependent remains, and for `orphan` strips the owner's references from dependents.
 */
export class GarbageCollector {
  /** Keys are `uid:<uid>` (an object to check for dangling owners) or `owner:<uid>` (an owner being deleted). */
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly api: ResourceApi,
    private readonly logger: Logger,
  ) {
    this.queue = new WorkQueue(
      (key) => this.process(key),
      (key, err) => this.logger.warn({ err, key }, 'garbage collection failed'),
    );
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe((event) => this.onEvent(event));
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private onEvent(event: StoreEvent): void {
    const { object } = event;
    const uid = object.metadata.uid;
    if (!uid) return;
    if (event.type === 'DELETED') {
      for (const dependent of this.api.store.dependentsOf(uid))
        this.queue.add(`uid:${dependent.object.metadata.uid ?? ''}`);
      return;
    }
    if (
      object.metadata.ownerReferences?.length &&
      object.metadata.ownerReferences !== event.oldObject?.metadata.ownerReferences
    ) {
      this.queue.add(`uid:${uid}`);
    }
    const finalizers = object.metadata.finalizers ?? [];
    if (
      object.metadata.deletionTimestamp &&
      (finalizers.includes('foregroundDeletion') || finalizers.includes('orphan'))
    ) {
      this.queue.add(`owner:${uid}`);
    }
    // A dependent of a foreground-deleting owner changed (e.g. it is gone or terminating): re-check the owner.
    for (const ref of object.metadata.ownerReferences ?? []) {
      const owner = this.api.store.byUid(ref.uid);
      if (owner?.object.metadata.finalizers?.includes('foregroundDeletion'))
        this.queue.add(`owner:${ref.uid}`);
    }
  }

  private process(key: string): void {
    const [kind, uid] = key.split(':') as ['uid' | 'owner', string];
    const found = this.api.store.byUid(uid);
    if (!found) return;
    if (kind === 'uid') this.collectIfOrphaned(found.resourceId, found.object);
    else this.processOwner(found.resourceId, found.object);
  }

  private typeOf(resourceId: string) {
    const [group = '', plural = ''] = resourceId.split('/');
    return this.api.registry.byGroupResource(group, plural);
  }

  private collectIfOrphaned(resourceId: string, object: KubeObject): void {
    const refs = object.metadata.ownerReferences ?? [];
    if (!refs.length || object.metadata.deletionTimestamp) return;
    const owners = refs.map((r) => this.api.store.byUid(r.uid)?.object);
    if (owners.some((o) => o && !o.metadata.deletionTimestamp)) return;
    const foreground = owners.some((o) => o?.metadata.finalizers?.includes('foregroundDeletion'));
    if (owners.some((o) => o !== undefined) && !foreground) return; // owner terminating for another reason
    const type = this.typeOf(resourceId);
    if (!type) return;
    this.deleteQuietly(type, object, 'Background');
  }

  private processOwner(resourceId: string, owner: KubeObject): void {
    const ownerUid = owner.metadata.uid ?? '';
    const type = this.typeOf(resourceId);
    if (!type || !owner.metadata.deletionTimestamp) return;
    const dependents = this.api.store.dependentsOf(ownerUid);
    const finalizers = owner.metadata.finalizers ?? [];
    if (finalizers.includes('orphan')) {
      for (const dep of dependents) {
        const depType = this.typeOf(dep.resourceId);
        if (!depType) continue;
        const refs = (dep.object.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
        const patch = {
          metadata: {
            ownerReferences: refs.length ? refs : null,
            resourceVersion: dep.object.metadata.resourceVersion,
          },
        };
        try {
          this.api.patch(
            depType,
            dep.object.metadata.namespace,
            dep.object.metadata.name ?? '',
            'merge',
            patch,
          );
        } catch (err) {
          if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
          this.queue.add(`owner:${ownerUid}`);
          return;
        }
      }
      this.removeFinalizer(type, owner, 'orphan');
      return;
    }
    if (finalizers.includes('foregroundDeletion')) {
      for (const dep of dependents) {
        const depType = this.typeOf(dep.resourceId);
        if (depType && !dep.object.metadata.deletionTimestamp)
          this.deleteQuietly(depType, dep.object, 'Background');
      }
      const blocking = this.api.store
        .dependentsOf(ownerUid)
        .filter((dep) =>
          dep.object.metadata.ownerReferences?.some(
            (r) => r.uid === ownerUid && r.blockOwnerDeletion === true,
          ),
        );
      if (blocking.length === 0) this.removeFinalizer(type, owner, 'foregroundDeletion');
    }
  }

  private removeFinalizer(
    type: NonNullable<ReturnType<GarbageCollector['typeOf']>>,
    object: KubeObject,
    finalizer: string,
  ): void {
    const current = this.api.store.get(type.id, object.metadata.namespace, object.metadata.name ?? '');
    if (!current?.metadata.finalizers?.includes(finalizer)) return;
    const finalizers = current.metadata.finalizers.filter((f) => f !== finalizer);
    this.api.patch(type, current.metadata.namespace, current.metadata.name ?? '', 'merge', {
      metadata: {
        finalizers: finalizers.length ? finalizers : null,
        resourceVersion: current.metadata.resourceVersion,
      },
    });
  }

  private deleteQuietly(
    type: NonNullable<ReturnType<GarbageCollector['typeOf']>>,
    object: KubeObject,
    propagation: 'Background' | 'Foreground',
  ): void {
    try {
      this.api.delete(type, object.metadata.namespace, object.metadata.name ?? '', {
        propagationPolicy: propagation,
        preconditions: { uid: object.metadata.uid },
      });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
  }
}
