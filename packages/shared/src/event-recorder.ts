import { createHash } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type EventsV1Api } from '@kubernetes/client-node';
import { z } from 'zod';
import { isAlreadyExists, isConflict } from './errors.js';
import { microTime } from './kube-rest.js';
import type { Logger } from './logger.js';

/** What an Event is about (`regarding`) or related to: an object reference with its uid. */
export interface EventObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface EventToRecord {
  /** The object users look at: `kubectl describe <kind> <name>` lists the Event. */
  regarding: EventObjectRef;
  /** A second object involved (e.g. the session when the Event is about its runner Job). */
  related?: EventObjectRef;
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, machine-readable (a transition's or a condition's reason). */
  reason: string;
  /** What the operator did or saw (events.k8s.io/v1 requires it), e.g. `Transition`, `RecreateRunner`. */
  action: string;
  /** Human-readable; the latest one wins in a series. At most 1 kB (longer is cut). */
  note: string;
}

export interface EventRecorderOptions {
  events: Pick<EventsV1Api, 'createNamespacedEvent' | 'readNamespacedEvent' | 'patchNamespacedEvent'>;
  /** `reportingController`, e.g. `ambient-code.io/session-operator`. */
  reportingController: string;
  /** `reportingInstance`: this process (pod name or hostname). */
  reportingInstance: string;
  log: Logger;
  /** @defaultValue Date.now */
  now?: () => number;
  /**
   * Per-object token bucket (client-go's EventRecorder: burst 25, one more every 5 minutes), so a hot loop on
   * one object cannot flood the API server; Events beyond it are dropped (logged at debug).
   * @defaultValue { burst: 25, refillEveryMs: 300000 }
   */
  rateLimit?: { burst: number; refillEveryMs: number };
  /** Objects whose bucket is remembered (least recently used forgotten first). @defaultValue 4096 */
  maxTrackedObjects?: number;
}

export interface EventRecorder {
  /**
   * Records an events.k8s.io/v1 Event, or counts one more of its series. Never throws: a failure to record
   * must not fail a reconcile. Resolves once written, dropped, or abandoned because `signal` aborted.
   */
  record(event: EventToRecord, signal?: AbortSignal): Promise<void>;
}

const MAX_NOTE_BYTES = 1024;

/**
 * One Event object per (object uid, type, reason, action, related), named deterministically from them:
 * workers are stateless and many, so a repeat recorded by any worker finds the same object (AlreadyExists)
 * and patches its series (count, lastObservedTime) under the read resourceVersion, re-reading once on a
 * conflict with another worker. client-go aggregates in memory within one process; this gives the same
 * series across processes, at the price of a series that never restarts for one object and reason.
 */
export function eventName(event: EventToRecord): string {
  const { regarding, related } = event;
  const identity = [
    regarding.uid ?? `${regarding.kind}/${regarding.namespace}/${regarding.name}`,
    event.type,
    event.reason,
    event.action,
    related ? `${related.kind}/${related.name}/${related.uid ?? ''}` : '',
  ].join('|');
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  return `${regarding.name.slice(0, 200)}.${hash}`;
}

const seriesSchema = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string().optional() }),
  series: z.looseObject({ count: z.number().int() }).nullish(),
});

function cutNote(note: string): string {
  if (Buffer.byteLength(note) <= MAX_NOTE_BYTES) return note;
  return (
    Buffer.from(note)
      .subarray(0, MAX_NOTE_BYTES - 3)
      .toString()
      .replace(/\uFFFD$/, '') + '...'
  );
}

/** A token bucket per object in a Map kept in least-recently-used order, capped. */
class PerObjectRateLimit {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly burst: number,
    private readonly refillEveryMs: number,
    private readonly maxObjects: number,
  ) {}

  take(object: string, nowMs: number): boolean {
    const previous = this.buckets.get(object) ?? { tokens: this.burst, atMs: nowMs };
    this.buckets.delete(object);
    const refilled = Math.min(this.burst, previous.tokens + (nowMs - previous.atMs) / this.refillEveryMs);
    const allowed = refilled >= 1;
    this.buckets.set(object, { tokens: allowed ? refilled - 1 : refilled, atMs: nowMs });
    if (this.buckets.size > this.maxObjects) this.buckets.delete(this.buckets.keys().next().value!);
    return allowed;
  }
}

export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  const now = options.now ?? Date.now;
  const limit = options.rateLimit ?? { burst: 25, refillEveryMs: 300_000 };
  const rateLimit = new PerObjectRateLimit(
    limit.burst,
    limit.refillEveryMs,
    options.maxTrackedObjects ?? 4096,
  );
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  async function write(event: EventToRecord, signal: AbortSignal | undefined): Promise<void> {
    const namespace = event.regarding.namespace;
    const name = eventName(event);
    const at = microTime(now());
    const note = cutNote(event.note);
    try {
      await options.events.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name, namespace },
          // client-node's Date fields serialize with milliseconds; the API server wants MicroTime.
          eventTime: at as unknown as Date,
          reportingController: options.reportingController,
          reportingInstance: options.reportingInstance,
          regarding: event.regarding,
          ...(event.related && { related: event.related }),
          type: event.type,
          reason: event.reason,
          action: event.action,
          note,
        },
      });
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    for (let attempt = 0; attempt < 2 && !signal?.aborted; attempt++) {
      const current = seriesSchema.parse(await options.events.readNamespacedEvent({ name, namespace }));
      try {
        await options.events.patchNamespacedEvent(
          {
            name,
            namespace,
            body: {
              metadata: { resourceVersion: current.metadata.resourceVersion },
              series: { count: (current.series?.count ?? 1) + 1, lastObservedTime: at },
              note,
              reportingInstance: options.reportingInstance,
            },
          },
          mergePatch,
        );
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  return {
    async record(event, signal) {
      const object = event.regarding.uid ?? `${event.regarding.namespace}/${event.regarding.name}`;
      if (signal?.aborted) return;
      if (!rateLimit.take(object, now())) {
        options.log.debug(
          { event: eventName(event), reason: event.reason },
          'event dropped by the rate limit',
        );
        return;
      }
      try {
        await write(event, signal);
      } catch (err) {
        options.log.warn(
          { err, reason: event.reason, regarding: event.regarding.name },
          'could not record an Event',
        );
      }
    },
  };
}
