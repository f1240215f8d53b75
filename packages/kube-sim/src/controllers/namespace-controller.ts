import type { Logger } from 'pino';
import { ApiError } from '../errors.js';
import type { ResourceApi } from '../resource-api.js';
import type { StoreEvent } from '../store.js';
import { isPlainObject } from '../types.js';
import { WorkQueue } from './work-queue.js';

/**
 * Namespace lifecycle: a new namespace gets its `default` ServiceAccount; a deleted namespace
 * (phase Terminating) has its contents deleted, then its `kubernetes` finalizer removed, then it is gone.
 */
export class NamespaceController {
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly api: ResourceApi,
    private readonly logger: Logger,
  ) {
    this.queue = new WorkQueue(
      (name) => this.reconcile(name),
      (name, err) => this.logger.warn({ err, namespace: name }, 'namespace reconcile failed'),
    );
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe((event) => this.onEvent(event));
    for (const [, ns] of this.api.store.iterate('/namespaces')) this.queue.add(ns.metadata.name ?? '');
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private onEvent(event: StoreEvent): void {
    if (event.resourceId === '/namespaces') {
      if (event.type !== 'DELETED') this.queue.add(event.object.metadata.name ?? '');
      return;
    }
    const ns = event.object.metadata.namespace;
    if (event.type === 'DELETED' && ns) {
      const namespace = this.api.store.get('/namespaces', undefined, ns);
      if (namespace?.metadata.deletionTimestamp) this.queue.add(ns);
    }
  }

  private reconcile(name: string): void {
    const ns = this.api.store.get('/namespaces', undefined, name);
    if (!ns) return;
    if (!ns.metadata.deletionTimestamp) {
      const sa = this.api.registry.byGroupResource('', 'serviceaccounts')!;
      if (!this.api.store.get(sa.id, name, 'default')) {
        try {
          this.api.create(sa, name, { metadata: { name: 'default' } });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 409)) throw err;
        }
      }
      return;
    }
    let remaining = 0;
    for (const type of this.api.registry.all()) {
      if (!type.namespaced) continue;
      for (const [, object] of [...this.api.store.iterate(type.id, name)]) {
        remaining++;
        if (object.metadata.deletionTimestamp) continue;
        try {
          this.api.delete(type, name, object.metadata.name ?? '', { propagationPolicy: 'Background' });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
    }
    const stillThere = this.api.registry
      .all()
      .some((t) => t.namespaced && this.api.store.iterate(t.id, name).next().done === false);
    if (remaining > 0 && stillThere) return;
    const spec = isPlainObject(ns.spec) ? ns.spec : {};
    const namespaces = this.api.registry.byGroupResource('', 'namespaces')!;
    this.api.update(namespaces, undefined, name, { ...ns, spec: { ...spec, finalizers: [] } });
  }
}
