import type { Logger } from 'pino';
import { ApiError } from '../errors.js';
import type { PodTimings } from '../pod-timings.js';
import type { Obj } from '../pod-status.js';
import { obj } from '../pod-status.js';
import type { ResourceApi } from '../resource-api.js';
import type { ResourceType } from '../resource-registry.js';
import type { StoreEvent } from '../store.js';
import type { KubeObject } from '../types.js';
import { cloneJson, deepEqualJson, nowRfc3339 } from '../types.js';
import type { EventRecorder } from './events.js';
import { condition, conditions, hasCondition, markTarget } from './job-conditions.js';
import {
  JOB_TRACKING_FINALIZER,
  controllerJobRef,
  isTerminal,
  jobPodBody,
  summarizePods,
  tallyTerminalPods,
} from './job-pods.js';
import { WorkQueue } from './work-queue.js';

/**
 * The batch/v1 Job controller: one pod at a time per needed completion, pod tracking with the
 * job-tracking finalizer, backoffLimit, activeDeadlineSeconds, podFailurePolicy, success/failure
 * conditions (SuccessCriteriaMet/FailureTarget, then Complete/Failed) and ttlSecondsAfterFinished.
 */
export class JobController {
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly jobs: ResourceType;
  private readonly pods: ResourceType;

  constructor(
    private readonly api: ResourceApi,
    private readonly timings: PodTimings,
    private readonly events: EventRecorder,
    private readonly logger: Logger,
  ) {
    this.jobs = api.registry.byGroupResource('batch', 'jobs')!;
    this.pods = api.registry.byGroupResource('', 'pods')!;
    this.queue = new WorkQueue(
      (key) => this.reconcile(key),
      (key, err) => {
        this.logger.warn({ err, job: key }, 'job reconcile failed');
        this.queue.addAfter(key, 100);
      },
    );
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe((event) => this.onEvent(event));
    for (const [key] of this.api.store.iterate(this.jobs.id)) this.queue.add(key);
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private onEvent(event: StoreEvent): void {
    if (event.resourceId === this.jobs.id) {
      const key = `${event.object.metadata.namespace ?? ''}/${event.object.metadata.name ?? ''}`;
      if (event.type === 'DELETED') {
        this.queue.forget(key);
        // Nobody will count the pods of a deleted Job: release them so they can go.
        for (const pod of this.podsOf(event.object)) this.queue.add(orphanPodKey(pod));
      } else this.queue.add(key);
      return;
    }
    if (event.resourceId !== this.pods.id || event.type === 'DELETED') return;
    const pod = event.object;
    if (!pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) return;
    const owner = controllerJobRef(pod);
    if (owner && this.api.store.byUid(owner.uid)?.resourceId === this.jobs.id)
      this.queue.add(`${pod.metadata.namespace ?? ''}/${owner.name}`);
    else this.queue.add(orphanPodKey(pod));
  }

  private podsOf(job: KubeObject): KubeObject[] {
    return this.api.store
      .dependentsOf(job.metadata.uid ?? '')
      .filter((d) => d.resourceId === this.pods.id)
      .map((d) => d.object)
      .filter((p) =>
        p.metadata.ownerReferences?.some((r) => r.uid === job.metadata.uid && r.controller === true),
      );
  }

  /** Removes the tracking finalizer (the pod has been counted, or its job is gone). */
  private releasePod(pod: KubeObject): void {
    const finalizers = (pod.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    try {
      this.api.patch(this.pods, pod.metadata.namespace, pod.metadata.name ?? '', 'merge', {
        metadata: {
          finalizers: finalizers.length ? finalizers : null,
          resourceVersion: pod.metadata.resourceVersion,
        },
      });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
  }

  /**
   * A pod whose Job is gone (or that has no controller) keeps the tracking finalizer only while
   * some Job may still count it; upstream's syncOrphanPod.
   */
  private releaseOrphanPod(uid: string): void {
    const found = this.api.store.byUid(uid);
    if (!found || found.resourceId !== this.pods.id) return;
    const pod = found.object;
    if (!pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) return;
    const controller = pod.metadata.ownerReferences?.find((r) => r.controller === true);
    if (controller && controller.kind !== 'Job') return;
    const job = controller ? this.api.store.byUid(controller.uid) : undefined;
    if (job && job.resourceId === this.jobs.id) {
      this.queue.add(`${job.object.metadata.namespace ?? ''}/${job.object.metadata.name ?? ''}`);
      return;
    }
    this.releasePod(pod);
  }

  private reconcile(key: string): void {
    if (key.startsWith(ORPHAN_POD_PREFIX)) return this.releaseOrphanPod(key.slice(ORPHAN_POD_PREFIX.length));
    const slash = key.indexOf('/');
    const job = this.api.store.get(this.jobs.id, key.slice(0, slash), key.slice(slash + 1));
    if (!job) return;
    const spec = obj(job.spec);
    const status: Obj = cloneJson(obj(job.status));
    const now = nowRfc3339();
    const pods = this.podsOf(job);
    const finished = hasCondition(job, 'Complete') || hasCondition(job, 'Failed');

    const tally = tallyTerminalPods(job, pods, Number(status.succeeded ?? 0), Number(status.failed ?? 0));
    const { succeeded, failed } = tally;
    for (const pod of tally.counted) this.releasePod(pod);
    // A Job being deleted or finished counts nothing more: its remaining pods are released so the
    // garbage collector (or the Job's own cleanup) can remove them.
    if (job.metadata.deletionTimestamp || finished) {
      for (const pod of pods)
        if (pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) && !isTerminal(pod))
          this.releasePod(pod);
    }

    const { live, active, terminating, ready } = summarizePods(pods);

    status.succeeded = succeeded;
    status.failed = failed;
    if (!succeeded) delete status.succeeded;
    if (!failed) delete status.failed;
    status.active = active.length;
    if (!active.length) delete status.active;
    status.ready = ready;
    status.terminating = terminating;
    status.uncountedTerminatedPods = {};
    const suspended = spec.suspend === true;
    if (!status.startTime && !suspended && !finished) status.startTime = now;

    if (!finished && !job.metadata.deletionTimestamp) {
      const completions = Number(spec.completions ?? 1);
      const parallelism = Number(spec.parallelism ?? 1);
      const backoffLimit = Number(spec.backoffLimit ?? 6);
      const deadline =
        typeof spec.activeDeadlineSeconds === 'number' ? spec.activeDeadlineSeconds : undefined;
      const started = typeof status.startTime === 'string' ? Date.parse(status.startTime) : Date.now();
      const list = markTarget(status, {
        succeeded,
        failed,
        completions,
        backoffLimit,
        deadline,
        started,
        failJob: tally.failJob,
        now,
      });
      const failing = list.find((c) => c.type === 'FailureTarget' && c.status === 'True');
      const succeeding = list.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
      if (failing || succeeding || suspended) {
        for (const pod of active) this.deletePod(pod);
        if (live.length === 0 && failing) {
          list.push(condition('Failed', String(failing.reason), String(failing.message), now));
          this.events.record(
            job,
            'Warning',
            String(failing.reason),
            String(failing.message),
            'job-controller',
          );
        } else if (live.length === 0 && succeeding) {
          list.push(condition('Complete', '', '', now));
          status.completionTime = now;
          this.events.record(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
        }
        status.conditions = list;
      } else {
        const wanted =
          Math.min(parallelism, completions - succeeded) -
          active.length -
          (spec.podReplacementPolicy === 'Failed' ? terminating : 0);
        const retryAt = failed > 0 ? this.timings.jobRetryDelayMs : 0;
        for (let i = 0; i < wanted; i++) {
          if (retryAt > 0 && !this.retryDue(key)) {
            this.queue.addAfter(`${key}`, retryAt);
            this.retryScheduled.add(key);
            break;
          }
          this.createPod(job);
        }
        if (deadline !== undefined) this.queue.addAfter(key, started + deadline * 1000 - Date.now() + 1);
      }
    }
    if (!(status.conditions as unknown[] | undefined)?.length) delete status.conditions;

    const current = this.api.store.get(this.jobs.id, job.metadata.namespace, job.metadata.name ?? '');
    if (!current || current.metadata.uid !== job.metadata.uid) return;
    // Most reconciles (one per pod status write) change nothing: the update would store nothing either, but
    // only after copying, defaulting and validating the whole Job.
    if (deepEqualJson(status, current.status)) return this.scheduleTtl(current);
    const written = this.api.update(
      this.jobs,
      job.metadata.namespace,
      job.metadata.name ?? '',
      { ...current, status },
      { subresource: 'status' },
    );
    this.scheduleTtl(written);
  }

  private readonly retryScheduled = new Set<string>();

  /** Failed pods are replaced after jobRetryDelayMs (a compressed version of the real back-off). */
  private retryDue(key: string): boolean {
    if (this.retryScheduled.has(key)) {
      this.retryScheduled.delete(key);
      return true;
    }
    return false;
  }

  private scheduleTtl(job: KubeObject): void {
    const ttl = obj(job.spec).ttlSecondsAfterFinished;
    if (typeof ttl !== 'number' || job.metadata.deletionTimestamp) return;
    const done = conditions(job).find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    if (!done) return;
    const at = Date.parse(String(done.lastTransitionTime)) + ttl * 1000;
    const delay = at - Date.now();
    const name = job.metadata.name ?? '';
    const namespace = job.metadata.namespace;
    const timer = setTimeout(
      () => {
        try {
          this.api.delete(this.jobs, namespace, name, {
            propagationPolicy: 'Background',
            preconditions: { uid: job.metadata.uid },
          });
        } catch (err) {
          if (!(err instanceof ApiError && (err.code === 404 || err.code === 409)))
            this.logger.warn({ err }, 'ttl delete failed');
        }
      },
      Math.max(0, delay),
    );
    timer.unref();
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

  private createPod(job: KubeObject): void {
    const name = job.metadata.name ?? '';
    const body = jobPodBody(job);
    try {
      const pod = this.api.create(this.pods, job.metadata.namespace, body, { privateBody: true });
      this.events.record(
        job,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${pod.metadata.name ?? ''}`,
        'job-controller',
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.events.record(job, 'Warning', 'FailedCreate', `Error creating: ${message}`, 'job-controller');
      this.queue.addAfter(`${job.metadata.namespace ?? ''}/${name}`, 500);
    }
  }
}

const ORPHAN_POD_PREFIX = 'orphan-pod:';

/** Queue key for a pod to release (namespaces cannot contain ':', so it never clashes with a Job key). */
function orphanPodKey(pod: KubeObject): string {
  return `${ORPHAN_POD_PREFIX}${pod.metadata.uid ?? ''}`;
}
