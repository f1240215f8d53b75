import { randomUUID } from 'node:crypto';
import { DelayedError, Worker, type Job } from 'bullmq';
import { withAbortSignal } from '../abort-scope.js';
import { computeBackoffMs, type BackoffOptions } from './backoff.js';
import {
  bullDedupKeys,
  jobDataSchema,
  legacyTimerJobName,
  queueOwnKeys,
  reconcileDedupId,
  reconcileJobName,
  resolveIdentity,
  retryBackoffType,
  runMarker,
  runMarkerKey,
  type JobData,
  type QueueIdentity,
} from './queue-keys.js';
import {
  classifyReconcileError,
  HandledReconcileError,
  type ReconcileErrorKind,
  type ReconcileOutcome,
  type ReconcileResult,
} from './reconcile-outcome.js';
import { closeRedis, inOneWrite, openRedis, type RedisConnection } from './redis-connection.js';
import { createSessionQueue, delayedJobOptions } from './session-queue.js';

export interface ReconcileContext {
  /** Aborted when the worker lost the job's lock (another worker may take the key), on timeout, or on forced close. */
  signal: AbortSignal;
  /** Unique per run (conflict re-runs get their own), reported with the run's outcome. */
  reconcileId: string;
}

/** Reported once per reconcile run (conflict re-runs included), for metrics and logs. */
export interface ReconcileReport {
  key: string;
  result: ReconcileResult;
  durationMs: number;
  /** Consecutive failures of the key after this run (0 after a success). */
  failures: number;
  /** Delay of the scheduled follow-up run (requeue-after or backoff), in milliseconds. */
  nextRunInMs?: number;
  /** What the reconcile returned (after a success). */
  outcome?: ReconcileOutcome;
  /** Unique per run; in the reconcile's own log lines too. */
  reconcileId: string;
  error?: unknown;
}

export interface RateLimit {
  /** Reconciles started per window across all workers of the queue. */
  max: number;
  /** Window length in milliseconds. */
  durationMs: number;
}

export interface QueueWorkerOptions extends QueueIdentity {
  /** Redis URL or a caller-owned ioredis client (created with `maxRetriesPerRequest: null`). */
  connection: RedisConnection;
  /** The reconcile: level-based, gets only the key. Return a requeue-after or nothing; throw to fail. */
  process: (key: string, context: ReconcileContext) => Promise<ReconcileOutcome | void>;
  /**
   * Reconciles run in parallel by this process (distinct keys; one key never runs twice at once cluster-wide).
   * @defaultValue 10
   */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal, in milliseconds; a killed worker's key is taken over after about
   * lockDurationMs + stalledIntervalMs. Use the same value on every worker.
   * @defaultValue 5000
   */
  lockDurationMs?: number;
  /**
   * How often a running job's lock is renewed, in milliseconds; a renewal that finds the lock taken aborts the run.
   * @defaultValue lockDurationMs / 2
   */
  lockRenewTimeMs?: number;
  /**
   * How often each worker looks for jobs whose lock expired, in milliseconds.
   * @defaultValue 2000
   */
  stalledIntervalMs?: number;
  /**
   * Times a job may stall (its worker died) and be re-run before it is failed; a failed stalled key is re-enqueued
   * with backoff, so a key that crashes workers slows down instead of looping.
   * @defaultValue 1
   */
  maxStalledCount?: number;
  /**
   * Global rate limit of job starts toward the API server, shared by every worker of the queue (BullMQ limiter);
   * `null` for none.
   * @defaultValue `{ max: 100, durationMs: 1000 }`
   */
  rateLimit?: RateLimit | null;
  /** Per-key exponential backoff after retryable failures. @defaultValue see {@link BackoffOptions} */
  backoff?: BackoffOptions;
  /**
   * Immediate re-runs after a conflict (409) before it is treated as a retryable failure with backoff.
   * @defaultValue 3
   */
  maxConflictRetries?: number;
  /**
   * Aborts the reconcile's signal after this many milliseconds (0: never). The run still owns the key until it returns.
   * @defaultValue 0
   */
  reconcileTimeoutMs?: number;
  /** Maps a thrown error to its retry policy. @defaultValue {@link classifyReconcileError} */
  classifyError?: (err: unknown) => ReconcileErrorKind;
  /** Called after every reconcile run. Must not throw. */
  onReconciled?: (report: ReconcileReport) => void;
  /**
   * Called when a key's reconcile starts, with how long it waited: since it was enqueued, or since its timer fell
   * due (the wait never includes the requeue-after or retry delay). Must not throw.
   */
  onStarted?: (started: { key: string; queueWaitMs: number }) => void;
  /** Called for errors outside a reconcile (Redis connection, lock renewal). @defaultValue ignore */
  onError?: (err: Error) => void;
}

/**
 * The reconcile's promise, or the reason of the run's abort as soon as it aborts (see {@link abortRun}): a reconcile
 * stuck on something that ignores the signal still ends at the timeout. Whatever it does afterwards carries the
 * aborted signal, so it cannot write. No listener on the signal: only abortRun aborts it, and it settles this
 * directly (a listener added and removed per run, and a `finally`, cost a no-op run ~3 µs).
 */
function untilAborted<T>(run: InFlightRun, work: Promise<T>): Promise<T> {
  const { signal } = run.controller;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    run.stop = reject;
    work.then(
      (value) => {
        run.stop = undefined;
        resolve(value);
      },
      (err: unknown) => {
        run.stop = undefined;
        reject(err);
      },
    );
  });
}

/** Aborts a run: its signal, and the wait for its reconcile (see {@link untilAborted}). The one way a run aborts. */
function abortRun(run: InFlightRun, reason: Error): void {
  if (run.controller.signal.aborted) return;
  run.controller.abort(reason);
  run.stop?.(reason);
  run.stop = undefined;
}

/** Why a reconcile's signal was aborted after the configured reconcile timeout. Retryable (with backoff). */
export class ReconcileTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(key: string, timeoutMs: number) {
    super(`reconcile of ${key} did not finish within ${timeoutMs} ms`);
  }
}

/** Why a reconcile's signal was aborted after BullMQ could not renew its job's lock. */
export class LockLostError extends Error {
  override readonly name = 'AbortError';
  constructor(jobId: string) {
    super(`lock of job ${jobId} lost; another worker may own the key`);
  }
}

export interface QueueWorker {
  /** Stops taking jobs and waits for in-flight reconciles (`force`: aborts their signals and does not wait). */
  close(options?: { force?: boolean }): Promise<void>;
  /** Reconciles running in this process now. */
  running(): number;
  /**
   * The BullMQ worker (for events in tests and Bull Board); do not change its options. Its cancelJob/cancelAllJobs
   * do not reach a run (BullMQ is not asked for a signal): `close({ force: true })` aborts the runs.
   */
  readonly bullWorker: Worker<JobData>;
}

/** A run in progress (see `inFlight` in startQueueWorker). */
interface InFlightRun {
  key: string;
  /** When the key's run marker was last set or renewed (performance.now()); undefined until it is set. */
  markedAt: number | undefined;
  /** The run's end read its marker: it is not set any more (see markLastingRuns). */
  ending: boolean;
  /** When the reconcile times out (performance.now(); only with a reconcile timeout). */
  deadline: number;
  /** Its signal is the reconcile's; aborted only through {@link abortRun}. */
  controller: AbortController;
  /** Ends the wait for the reconcile now, while it runs (see {@link untilAborted}). */
  stop: ((reason: Error) => void) | undefined;
}

/**
 * How a run ends for the queue: the job completes, or it is delayed (requeue-after, a retry after `error`, or at
 * once for the `followUp` an event asked for during the run).
 */
type RunEnd =
  | { then: 'complete'; followUp?: Promise<boolean> }
  | { then: 'delay'; delayMs: number; error?: HandledReconcileError; followUp?: boolean }
  | { then: 'fail'; error: HandledReconcileError };

export function startQueueWorker(options: QueueWorkerOptions): QueueWorker {
  const { prefix, name } = resolveIdentity(options);
  const redis = openRedis(options.connection, { connectionName: `${prefix}:${name}:worker` });
  const client = redis.client;
  // The run markers and the end-of-run bookkeeping go on BullMQ's own client, after the commands BullMQ issued for
  // the run, each batch in one socket write (inOneWrite).
  const producer = createSessionQueue({ connection: client, prefix, name });
  const failuresKey = queueOwnKeys(prefix, name).failures;
  const followUpKey = (key: string) =>
    bullDedupKeys((type) => producer.bullQueue.toKey(type), reconcileDedupId(key)).followUp;
  const runKey = (key: string) => runMarkerKey(prefix, name, key);
  const lockDurationMs = options.lockDurationMs ?? 5000;
  const markerRenewMs = options.lockRenewTimeMs ?? lockDurationMs / 2;
  const concurrency = options.concurrency ?? 10;
  const classify = options.classifyError ?? classifyReconcileError;
  const maxConflictRetries = options.maxConflictRetries ?? 3;
  const rateLimit = options.rateLimit === undefined ? { max: 100, durationMs: 1000 } : options.rateLimit;
  const onError = options.onError ?? (() => undefined);
  /** An error outside a reconcile (a Redis command the queue's own bookkeeping sent), as an Error to onError. */
  const reportError = (err: unknown) => onError(err instanceof Error ? err : new Error(String(err)));
  const report = options.onReconciled ?? (() => undefined);
  const reconcileTimeoutMs = options.reconcileTimeoutMs ?? 0;
  /**
   * Runs in progress by job id, in the order they started (a Map keeps insertion order): their key, when its marker
   * was last set or renewed, when their reconcile times out, and their abort controller — the one signal of the run
   * (lock loss, timeout, forced close). BullMQ is not asked for a signal of its own (its processor gets one only when
   * it declares a third parameter): a second AbortController per job cost ~10 µs of CPU and its listener.
   */
  const inFlight = new Map<string, InFlightRun>();

  /**
   * Reconcile timeouts share one timer instead of one per run: runs start in the Map's order with the same timeout,
   * so the oldest run is the first to time out; the timer is armed for it and, when it fires, aborts every run
   * past its deadline and is armed again for the next one. A run that ended leaves nothing to clear.
   */
  let timeoutTimer: NodeJS.Timeout | undefined;
  function armTimeout(): void {
    if (timeoutTimer !== undefined) return;
    for (const run of inFlight.values()) {
      if (run.controller.signal.aborted) continue;
      // Unref'd, as the runs it watches keep the process alive by themselves.
      timeoutTimer = setTimeout(onTimeout, Math.max(1, run.deadline - performance.now())).unref();
      return;
    }
  }
  function onTimeout(): void {
    timeoutTimer = undefined;
    const now = performance.now();
    for (const run of inFlight.values()) {
      if (run.deadline > now) break;
      abortRun(run, new ReconcileTimeoutError(run.key, reconcileTimeoutMs));
    }
    armTimeout();
  }

  /**
   * Marks the key's run, so that an event during the run flags the marker (one command) instead of going through
   * BullMQ's add. Not awaited: the mark only spares work. A run is marked once it outlasts the event loop's turn it
   * started in (markLastingRuns): a reconcile waits on the API server within its first turn, and events, brought by
   * its own writes, come later. A run done within its turn — a no-op, a key with nothing to do — is not marked: the
   * mark and the read of it at the run's end went to Redis and back once more per run, which bounded the rate of
   * short runs (no-op pipeline at 0.5 of raw BullMQ's rate). An event that finds no mark, the run's job active, is
   * stored by BullMQ as the job's follow-up (keepLastIfActive), which the run's end sees (a requeue or retry then
   * gives way to it) and BullMQ runs once the job finishes. The run's later commands go on the same connection, so
   * they come after its mark.
   */
  function markRun(key: string): void {
    // A mark that failed (Redis unreachable) leaves events to BullMQ's own follow-up: nothing is lost.
    client.set(runKey(key), runMarker.running, 'PX', lockDurationMs).catch(reportError);
  }

  /**
   * What is left to the end of the event loop's turn, one check-phase callback for it all, in one write: the marks of
   * the runs started in the turn that outlast it, and the failure counts reset by runs that completed within it
   * (see bookkeeping).
   */
  let marksDue: InFlightRun[] = [];
  let resetsDue: string[] = [];
  let turnEndDue = false;
  function atTurnEnd(): void {
    if (turnEndDue) return;
    turnEndDue = true;
    setImmediate(() => {
      turnEndDue = false;
      const runs = marksDue;
      marksDue = [];
      const now = performance.now();
      inOneWrite(client, () => {
        for (const run of runs) {
          // A run whose end already read its marker must not set one: nothing would remove it, and events would
          // flag it for no run until it expired.
          if (run.ending || run.controller.signal.aborted) continue;
          run.markedAt = now;
          markRun(run.key);
        }
        void flushResets();
      });
    });
  }
  function markWhenLasting(run: InFlightRun): void {
    marksDue.push(run);
    atTurnEnd();
  }
  function resetFailuresSoon(key: string): void {
    resetsDue.push(key);
    atTurnEnd();
  }
  /** Sends the failure counts' resets due; before the worker's own next failure bookkeeping at the latest. */
  async function flushResets(): Promise<void> {
    if (resetsDue.length === 0) return;
    const keys = resetsDue;
    resetsDue = [];
    await client.hdel(failuresKey, ...keys).then(() => undefined, reportError);
  }

  /**
   * Keeps the markers of the runs in progress alive, all on one timer (a timer per run cost each run its setup and
   * teardown). It ticks four times per markerRenewMs and renews a marker once markerRenewMs has passed since it was
   * last set — as a run's own timer did, so a run shorter than that (nearly all) is never renewed — or sooner when
   * a tick later would come too close to the marker's expiry (a lockRenewTimeMs near lockDurationMs).
   */
  const renewTickMs = markerRenewMs / 4;
  const renewAfterMs = Math.min(markerRenewMs, lockDurationMs - 2 * renewTickMs);
  const markerRenewal = setInterval(() => {
    const now = performance.now();
    inOneWrite(client, () => {
      for (const run of inFlight.values()) {
        if (run.markedAt === undefined || run.ending || now - run.markedAt < renewAfterMs) continue;
        run.markedAt = now;
        client.pexpire(runKey(run.key), lockDurationMs).catch(() => undefined);
      }
    });
  }, renewTickMs);
  markerRenewal.unref();

  /**
   * One round trip at a run's end (its commands in one write): the failure count after `change`, whether an event
   * came in during the run (the key's marker, removed here; a run that lost its lock leaves it to the key's new
   * owner), and, unless the job simply completes (`completes`), whether BullMQ stored a follow-up for an event that
   * came while the job had no marker: only finishing the job creates that one, so the job must not be delayed past
   * it. From here on the run sets no marker (`ending`).
   */
  async function bookkeeping(
    run: InFlightRun,
    change: 'reset' | 'increment' | 'read',
    completes = false,
  ): Promise<{ failures: number; followUp: boolean; storedFollowUp: boolean }> {
    const { key } = run;
    run.ending = true;
    // A run that completes with no marker to read (a run done within its first turn) has nothing to wait for: its
    // failure count is reset at the end of the turn, in one command for all such runs, instead of a write of its own
    // per run (a third of the CPU of such a run). A failure of the key counted meanwhile by another worker would be
    // reset with it — its run would have to start and fail within what is left of this turn.
    if (completes && change === 'reset' && run.markedAt === undefined) {
      resetFailuresSoon(key);
      return { failures: 0, followUp: false, storedFollowUp: false };
    }
    let failures: Promise<unknown> = Promise.resolve(0);
    let marker: Promise<string | null> = Promise.resolve(null);
    let stored: Promise<number> = Promise.resolve(0);
    inOneWrite(client, () => {
      // This worker's resets due go first: a reset after this run's count would undo it.
      void flushResets();
      failures =
        change === 'reset'
          ? client.hdel(failuresKey, key)
          : change === 'increment'
            ? client.hincrby(failuresKey, key, 1)
            : client.hget(failuresKey, key);
      // A run that was never marked, on a job's first start (see processJob), has no marker to read.
      if (run.markedAt !== undefined && !(run.controller.signal.reason instanceof LockLostError))
        marker = client.getdel(runKey(key));
      if (!completes) stored = client.exists(followUpKey(key));
    });
    const [count, mark, storedCount] = await Promise.all([failures, marker, stored]);
    return {
      // HDEL answers how many fields it removed; HGET a string, or null for none.
      failures: change === 'reset' ? 0 : Number(count),
      followUp: mark === runMarker.followUp,
      storedFollowUp: storedCount === 1,
    };
  }

  async function reconcile(run: InFlightRun): Promise<RunEnd> {
    const { key } = run;
    const { signal } = run.controller;
    for (let conflicts = 0; ; conflicts++) {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const reconcileId = randomUUID();
      try {
        const outcome = await withAbortSignal(signal, () =>
          untilAborted(run, options.process(key, { signal, reconcileId })),
        );
        const requeueAfterMs = outcome?.requeueAfterMs;
        const requeue = requeueAfterMs !== undefined && requeueAfterMs >= 0;
        const bookkept = bookkeeping(run, 'reset', !requeue);
        report({
          key,
          result: requeue ? 'requeue_after' : 'success',
          durationMs: elapsed(),
          failures: 0,
          ...(requeue ? { nextRunInMs: requeueAfterMs } : {}),
          reconcileId,
          ...(outcome ? { outcome } : {}),
        });
        // A run that simply completes does not wait for its bookkeeping: the job's completion goes out right behind
        // it on the same connection, and an event that came in during the run gets a job of its own once the answer
        // is in (followUpAfterCompletion). Waiting made each such run two round trips instead of one.
        if (!requeue) return { then: 'complete', followUp: bookkept.then((b) => b.followUp) };
        // An event that arrived during the run makes a timer moot: the follow-up runs next and decides again.
        const { followUp, storedFollowUp } = await bookkept;
        if (followUp) return { then: 'delay', delayMs: 0, followUp };
        return storedFollowUp ? { then: 'complete' } : { then: 'delay', delayMs: requeueAfterMs };
      } catch (error) {
        const kind = classify(error);
        if (kind === 'conflict' && conflicts < maxConflictRetries && !signal.aborted) {
          report({
            key,
            result: 'conflict',
            durationMs: elapsed(),
            failures: await failureCount(key),
            reconcileId,
            error,
          });
          continue;
        }
        if (kind === 'terminal') {
          const { failures, followUp } = await bookkeeping(run, 'read', true);
          report({ key, result: 'terminal', durationMs: elapsed(), failures, reconcileId, error });
          // Not retried; an event that came in during the run still gets its run.
          const handled = new HandledReconcileError(key, kind, error);
          return followUp
            ? { then: 'delay', delayMs: 0, error: handled, followUp }
            : { then: 'fail', error: handled };
        }
        const { failures, followUp, storedFollowUp } = await bookkeeping(run, 'increment');
        // An event that came in during the run: the key runs again at once (the job fails for real when BullMQ
        // holds its follow-up), and a further failure backs off from the count kept here.
        const delayMs = followUp || storedFollowUp ? 0 : computeBackoffMs(failures, options.backoff);
        report({
          key,
          result: kind,
          durationMs: elapsed(),
          failures,
          nextRunInMs: delayMs,
          reconcileId,
          error,
        });
        const handled = new HandledReconcileError(key, kind, error);
        if (storedFollowUp && !followUp) return { then: 'fail', error: handled };
        return { then: 'delay', delayMs, error: handled, followUp };
      }
    }
  }

  /**
   * The run wanted its key to run again, but its job could not be delayed: the job is gone (the queue's data was
   * lost) or no longer this run's (its lock was lost). Another run of the key may be in flight then, under the same
   * marker — this run may even have taken that run's follow-up mark as its own — so the key is enqueued as an event
   * with no marker: a new job, or BullMQ's follow-up of the run in flight. Leaving it would lose the events the mark
   * stood for, and the marker this run set for its follow-up would swallow the next ones until it expires.
   */
  async function runAgain(key: string): Promise<void> {
    try {
      await client.del(runKey(key));
      await producer.enqueue(key);
    } catch (err) {
      reportError(err);
    }
  }

  /**
   * A run completed its job without waiting for its bookkeeping: an event that came in during the run (`followUp`,
   * its marker's answer) gets a new job, enqueued after the completion (same connection, so Redis has it first).
   * The key is not marked for it as for a delayed follow-up: the new job may start on another worker before the mark,
   * which would then overwrite that run's. An unknown answer (Redis failed) counts as an event. close() awaits them.
   */
  const followUpsInFlight = new Set<Promise<void>>();
  function followUpAfterCompletion(key: string, followUp: Promise<boolean>): void {
    const done = followUp
      .then(
        async (event) => {
          if (event) await producer.enqueue(key);
        },
        () => runAgain(key),
      )
      .catch(reportError)
      .finally(() => followUpsInFlight.delete(done));
    followUpsInFlight.add(done);
  }

  async function failureCount(key: string): Promise<number> {
    return Number((await client.hget(failuresKey, key)) ?? 0);
  }

  /**
   * Delays the running job itself: one job per wake-up, and the key keeps its single job (a follow-up is this job
   * again, at once). A retry goes through BullMQ's own failure path so the job shows its failed reason while it
   * waits. An event that came in after the run's marker was removed (BullMQ stored it as the job's follow-up) must
   * not wait for the timer: the job is then promoted.
   */
  async function delayJob(
    job: Job<JobData>,
    token: string,
    key: string,
    end: { delayMs: number; error?: HandledReconcileError; followUp?: boolean },
  ): Promise<never> {
    const dueAt = Date.now() + end.delayMs;
    await job.updateData({ key, dueAt });
    // A follow-up serves an event: it goes ahead of resync jobs, as the event's own job would.
    if (end.followUp && job.priority > 0) await job.changePriority({ priority: 0 });
    if (end.error) {
      retryDelays.set(end.error, end.delayMs);
      await job.moveToFailed(end.error, token, false);
    } else {
      await job.moveToDelayed(dueAt, token);
    }
    if (end.delayMs > 0 && (await client.exists(followUpKey(key))) === 1) {
      try {
        await job.updateData({ key, dueAt: Date.now() });
        await job.promote();
      } catch (err) {
        // Gone (an event replaced it with a job that runs now) or already due: either way the event is served.
        if ((await job.getState()) === 'delayed') throw err;
      }
    }
    throw new DelayedError();
  }

  // The retry delay of a failure, read by BullMQ's backoff strategy while the job moves to delayed.
  const retryDelays = new WeakMap<Error, number>();
  const backoffStrategy = (_attempts: number, type?: string, err?: Error): number =>
    type === retryBackoffType && err ? (retryDelays.get(err) ?? -1) : -1;

  async function scheduleRetry(key: string): Promise<{ failures: number; delayMs: number }> {
    const failures = await client.hincrby(failuresKey, key, 1);
    const delayMs = computeBackoffMs(failures, options.backoff);
    await producer.bullQueue.add(reconcileJobName, { key }, delayedJobOptions(key, delayMs));
    return { failures, delayMs };
  }

  // Two parameters: BullMQ creates an AbortController per job only for a processor declaring a third (its signal,
  // which only its cancelJob/cancelAllJobs abort); the run's own controller is the one signal (see inFlight).
  async function processJob(job: Job<JobData>, token?: string): Promise<void> {
    const { key, dueAt } = jobDataSchema.parse(job.data);
    // A timer job of an older version only asks for a normal reconcile of its key.
    if (job.name === legacyTimerJobName) {
      await producer.enqueue(key, { priority: 'event' });
      return;
    }
    options.onStarted?.({
      key,
      queueWaitMs: Math.max(0, Date.now() - (dueAt ?? job.timestamp + (job.opts.delay ?? 0))),
    });
    // One run of the key under its marker, with its abort controller (lock loss, timeout, forced close).
    const id = job.id ?? key;
    const startedAt = performance.now();
    const run: InFlightRun = {
      key,
      markedAt: undefined,
      ending: false,
      deadline: startedAt + reconcileTimeoutMs,
      controller: new AbortController(),
      stop: undefined,
    };
    inFlight.set(id, run);
    if (reconcileTimeoutMs > 0) armTimeout();
    let end: RunEnd;
    try {
      // A job on its first start, not delayed, has no marker of an earlier run of its key to take over (a run's end
      // removes its marker, and an event that finds one joins that run's job instead of adding this one); its run is
      // marked if it lasts. A job that ran or waited before — a follow-up marked for its wait, a timer, a retry, a
      // stalled run's job — is marked at once, which replaces whatever marker is left.
      if (job.attemptsStarted <= 1 && job.delay === 0 && job.stalledCounter === 0) markWhenLasting(run);
      else {
        run.markedAt = startedAt;
        markRun(key);
      }
      end = await reconcile(run);
    } finally {
      inFlight.delete(id);
    }
    const aborted = run.controller.signal.aborted;
    // The follow-up waits in the queue behind what is there (as a new job would), with the key marked again at
    // once: events until it starts join it with one command (the mark outlives that wait by its expiry at most,
    // and the follow-up's own start marks the key again).
    if (end.then === 'delay' && end.followUp && !aborted) markRun(key);
    if (end.then === 'complete' && end.followUp) followUpAfterCompletion(key, end.followUp);
    if (end.then === 'fail') throw end.error;
    if (end.then === 'delay' && token !== undefined) {
      try {
        await delayJob(job, token, key, end);
      } catch (err) {
        // A run that knows it lost its lock took no mark: the key's new owner has them all.
        if (!(err instanceof DelayedError || run.controller.signal.reason instanceof LockLostError))
          await runAgain(key);
        throw err;
      }
    }
  }

  const worker = new Worker<JobData>(name, processJob, {
    connection: client,
    prefix,
    concurrency,
    lockDuration: lockDurationMs,
    ...(options.lockRenewTimeMs ? { lockRenewTime: options.lockRenewTimeMs } : {}),
    stalledInterval: options.stalledIntervalMs ?? 2000,
    // An idle worker polls the queue when its blocking wait times out; a new or due job wakes it at once anyway,
    // so the longest wait BullMQ allows costs nothing but half the idle polls (~10 Redis commands each).
    drainDelay: 10,
    maxStalledCount: options.maxStalledCount ?? 1,
    ...(rateLimit ? { limiter: { max: rateLimit.max, duration: rateLimit.durationMs } } : {}),
    settings: { backoffStrategy },
  });
  // A lock that could not be renewed may already belong to another worker: stop this run before it writes again.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const id of jobIds) {
      const run = inFlight.get(id);
      if (run) abortRun(run, new LockLostError(id));
    }
  });
  worker.on('error', (err) => onError(err));

  // Heal jobs failed outside our processor (stalled too often, Redis errors while finishing): the key goes back
  // with backoff instead of staying failed. The watcher's periodic resync is the backstop if this process dies too.
  worker.on('failed', (job, err) => {
    if (!job || err.name === 'HandledReconcileError') return;
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success) return;
    scheduleRetry(parsed.data.key).catch(reportError);
  });

  return {
    bullWorker: worker,
    running: () => inFlight.size,
    async close(closeOptions = {}) {
      if (closeOptions.force) for (const run of inFlight.values()) abortRun(run, new Error('worker closing'));
      await worker.close(closeOptions.force ?? false);
      await Promise.all([...followUpsInFlight, flushResets()]);
      clearInterval(markerRenewal);
      clearTimeout(timeoutTimer);
      await producer.close();
      await closeRedis(redis);
    },
  };
}
