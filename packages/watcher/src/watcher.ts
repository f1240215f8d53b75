// Composes the watcher: one list/watch per resource type (and per namespace when scoped), the key index, leader
// election, the enqueuer, the resync loop and the probe/metrics servers.
//
// High availability: every replica watches and enqueues what its watches deliver (events and relists), leader or
// not. Enqueuing is idempotent — the queue coalesces a key's waiting job and keeps one follow-up for a running one —
// so two replicas enqueuing the same event cost a dedup hit, not a second reconcile (at most one when the second
// enqueue lands after a worker took the first). A SIGKILLed replica therefore stops nothing: the others' events keep
// flowing without waiting for the Lease to expire. The Lease gates only what needs one writer: the full resyncs
// (on becoming leader, periodic, after Redis data loss or a failed enqueue).
import {
  WATCHED_RESOURCES,
  createLogger,
  type AmbientApiClient,
  type BindAddress,
  type OperatorMode,
  parseQueueKey,
  ignoresStatusOnly,
  ignoresWhileDeleting,
  isStatusOnlyChange,
  keysForEvent,
  statusOnlyFingerprint,
  startOperatorEndpoints,
  watchPath,
  watchedKindsOfKeyKinds,
  type Logger,
  type Readiness,
  type RedisConnection,
  type SharedAgentKubeConfig,
  type WatchedKind,
  type WatchedResourceSpec,
} from '@ambient-operator/shared';
import type { ApiSource } from './api-source.js';
import { createApiSourceMetrics } from './api-source-metrics.js';
import type { EnqueueOutcome, Enqueuer } from './enqueue.js';
import { createJobCascades } from './job-cascades.js';
import { KeyIndex, type ListSnapshot } from './key-index.js';
import { startLeaderElection, type LeaderElection } from './leader-election.js';
import { startListWatch, type ListWatch, type WatchedObject, type WatchEvent } from './list-watch.js';
import { createWatcherMetrics, listWatchStates } from './metrics.js';
import { ownKeysFor, type OwnKeyVisitor } from './own-keys.js';
import { startResyncLoop, type ResyncReason } from './resync.js';

export interface WatcherOptions {
  /** API server connection; pass shared's `createKubeConfig()` so every request shares one keep-alive agent. */
  kubeConfig: SharedAgentKubeConfig;
  /** Redis URL (or a caller-owned ioredis client) of the sessions queue. */
  redis: RedisConnection;
  /** Queue key prefix. @defaultValue 'ambient' */
  queuePrefix?: string;
  /** Queue name. @defaultValue 'sessions' */
  queueName?: string;
  /** Namespace of the leader-election Lease (the operator's NAMESPACE). @defaultValue 'default' */
  namespace?: string;
  /** Hold a Lease before resyncing; every replica enqueues its watch events regardless. @defaultValue false */
  leaderElect?: boolean;
  /** @defaultValue 'ambient-session-watcher' */
  leaseName?: string;
  /** Leader identity. @defaultValue `<hostname>_<pid>` */
  identity?: string;
  /** @defaultValue 15000 */
  leaseDurationMs?: number;
  /** @defaultValue 10000 */
  renewDeadlineMs?: number;
  /** @defaultValue 2000 */
  retryPeriodMs?: number;
  /** Watch only these namespaces (no Namespace watch then); all namespaces when empty. @defaultValue [] */
  namespaceScope?: readonly string[];
  /** Extra label selector for AgenticSessions. @defaultValue none */
  sessionLabelSelector?: string;
  /** Full resync interval, in ms. @defaultValue 600000 */
  resyncIntervalMs?: number;
  /** Redis data-loss check interval, in ms. @defaultValue 2000 */
  redisCheckIntervalMs?: number;
  /** A watch silent this long is treated as stalled and relisted, in ms. @defaultValue 90000 */
  watchStallTimeoutMs?: number;
  /** Server-side watch timeout, in seconds. @defaultValue 300 */
  watchTimeoutSeconds?: number;
  /** Cap of the list/watch retry backoff, in ms. @defaultValue 4000 */
  watchBackoffMaxMs?: number;
  /** /healthz + /readyz; `null` disables. @defaultValue null */
  healthProbeBindAddress?: BindAddress | null;
  /** /metrics; `null` disables (may equal the probe address: then one server serves all three). @defaultValue null */
  metricsBindAddress?: BindAddress | null;
  /** @defaultValue a silent logger */
  logger?: Logger;
  /**
   * The ambient-api-server source (issue 16), under the same Lease: its objects' keys join the queue
   * (MODE=kube), or are only counted (MODE=test). @defaultValue none
   */
  apiServer?: WatcherApiServerOptions;
}

export interface WatcherApiServerOptions {
  client: AmbientApiClient;
  grpcAddress: string;
  token: string;
  grpcUseTls?: boolean;
  mode: OperatorMode;
  /** @defaultValue resyncIntervalMs */
  relistIntervalMs?: number;
  /** First reconnect delay, in ms. @defaultValue 1000 */
  backoffInitialMs?: number;
  /** Cap of the reconnect delay, in ms. @defaultValue 5000 */
  backoffMaxMs?: number;
}

export interface Watcher {
  isLeader(): boolean;
  /** Every watch synced and fresh, and Redis answering. */
  readiness(): Promise<Readiness>;
  /** Session keys currently known. */
  knownSessions(): number;
  /** The api-server source, when configured. */
  readonly apiSource: ApiSource | undefined;
  /** Enqueues every key now (as a resync would); resolves with what the queue did. */
  resyncNow(): Promise<EnqueueOutcome>;
  /** Ports actually bound (useful with port 0). */
  readonly healthPort: number | undefined;
  readonly metricsPort: number | undefined;
  /** Stops watches and loops, releases the Lease, closes Redis and the servers. */
  stop(): Promise<void>;
}

interface WatchSpec {
  kind: WatchedKind;
  /** The plural, as metrics and logs name the watch. */
  resource: string;
  clusterScoped: boolean;
  labelSelector?: string | undefined;
}

/**
 * The watches the key-kind table asks for: every resource some kind's trigger names. Cluster-scoped resources
 * (Namespaces) only when the watcher is not limited to some namespaces.
 */
function watchSpecs(namespaceScoped: boolean, sessionLabelSelector: string | undefined): WatchSpec[] {
  return watchedKindsOfKeyKinds().flatMap((kind) => {
    const resource: WatchedResourceSpec = WATCHED_RESOURCES[kind];
    const clusterScoped = resource.clusterScoped === true;
    if (clusterScoped && namespaceScoped) return [];
    // The user's --label-selector narrows the sessions watched; it applies to AgenticSessions only.
    const userSelector = kind === 'AgenticSession' ? sessionLabelSelector : undefined;
    const labelSelector = [resource.labelSelector, userSelector].filter(Boolean).join(',') || undefined;
    return [{ kind, resource: resource.plural, clusterScoped, labelSelector }];
  });
}

export async function startWatcher(options: WatcherOptions): Promise<Watcher> {
  const log = options.logger ?? createLogger({ level: 'silent' });
  const scope = [...(options.namespaceScope ?? [])];
  const specs = watchSpecs(scope.length > 0, options.sessionLabelSelector);

  const index = new KeyIndex();
  const enqueuer = lazyEnqueuer(async () => {
    const { createEnqueuer } = await import('./enqueue.js');
    return createEnqueuer({
      connection: options.redis,
      prefix: options.queuePrefix,
      name: options.queueName,
      onEvents(r) {
        metrics.keysEnqueued.inc({ reason: 'event' }, r.submitted);
        metrics.dedupHits.inc(r.coalesced);
      },
      onEventsFailed(err, keys) {
        metrics.enqueueErrors.inc();
        log.warn({ err, keys }, 'enqueue failed; a full resync follows once Redis answers');
        resync.request('enqueue_failed');
      },
    });
  });
  const watches: { spec: WatchSpec; scope: string; lw: ListWatch }[] = [];
  const cascades = createJobCascades((keys) => void enqueue(keys, 'event'));
  let leader: LeaderElection | undefined;
  let leading = !options.leaderElect;
  let leaderResyncDue = true;

  const metrics = createWatcherMetrics(
    {
      watchAges: () =>
        watches.map((w) => [
          w.scope === '*' ? w.spec.resource : `${w.spec.resource}/${w.scope}`,
          w.lw.lastActivityAgeMs(),
        ]),
      knownSessions: () => index.count('session'),
      queueStats: async () => ({
        depth: await enqueuer.counts(),
        oldestJobAgeSeconds: await enqueuer.oldestJobAgeSeconds(),
      }),
    },
    specs.flatMap((s) => (scope.length ? scope.map((ns) => `${s.resource}/${ns}`) : [s.resource])),
  );

  const allSynced = () => watches.length > 0 && watches.every((w) => w.lw.synced());

  // A snapshot: the resync enqueues in batches while events keep changing the index.
  const allKeys = (): string[] => [
    ...index.keys(),
    ...apiKeysFor(options.apiServer?.mode, apiSource?.allKeys() ?? []),
  ];

  async function enqueue(keys: string[], reason: 'event' | 'relist'): Promise<void> {
    if (keys.length === 0) return;
    // Event keys go in short batches; their metrics and failures are counted when a batch is sent (above).
    if (reason === 'event') return enqueuer.events(keys);
    try {
      const r = await enqueuer.resync(keys);
      metrics.keysEnqueued.inc({ reason }, r.added + r.coalesced);
      metrics.dedupHits.inc(r.coalesced);
    } catch (err) {
      metrics.enqueueErrors.inc();
      log.warn({ err, keys: keys.length }, 'enqueue failed; a full resync follows once Redis answers');
      resync.request('enqueue_failed');
    }
  }

  const resync = startResyncLoop({
    intervalMs: options.resyncIntervalMs,
    redisCheckIntervalMs: options.redisCheckIntervalMs,
    active: () => leading && allSynced(),
    redisDataLost: () => enqueuer.redisDataLost(),
    resync: async (reason: ResyncReason) => {
      const r = await enqueuer.resync(allKeys());
      metrics.resyncs.inc({ reason });
      metrics.keysEnqueued.inc({ reason: 'resync' }, r.added + r.coalesced);
      metrics.dedupHits.inc(r.coalesced);
      log.info({ reason, added: r.added, coalesced: r.coalesced }, 'resynced every key');
    },
    onError: (err) => log.warn({ err }, 'resync check failed'),
  });

  function requestLeaderResyncIfReady(): void {
    if (leading && leaderResyncDue && allSynced()) {
      leaderResyncDue = false;
      resync.request(options.leaderElect ? 'leader' : 'start');
    }
  }

  function keysOf(
    kind: WatchedKind,
    object: WatchedObject,
    reason: 'event' | 'relist',
    statusOnly = false,
    alreadyDeleting = false,
    modifiedAlive = false,
  ): string[] {
    return keysForEvent(
      kind,
      object,
      (keyKind, ns) => index.keysIn(keyKind, ns),
      reason,
      statusOnly,
      alreadyDeleting,
      modifiedAlive,
    );
  }

  function startWatch(spec: WatchSpec, namespace: string | undefined): void {
    const scopeKey = namespace ?? '*';
    const resourceLabel = namespace ? `${spec.resource}/${namespace}` : spec.resource;
    let relistKeys: string[] = [];
    let snapshot: ListSnapshot | undefined;
    // Kinds whose status-only changes (and removals of consumed annotations) enqueue nothing: what a status write
    // leaves unchanged, per object as last seen (a number each; rebuilt by every complete list, so objects that
    // vanished unseen are dropped).
    const fingerprinted = ignoresStatusOnly(spec.kind);
    let fingerprints = new Map<string, number>();
    let listedFingerprints = new Map<string, number>();
    const objectId = (o: WatchedObject) => `${o.namespace ?? ''}/${o.name}`;
    // Kinds whose changes while being deleted enqueue nothing: the objects seen with a deletion mark (few, and each
    // only until its DELETED; rebuilt by every complete list).
    const tracksDeletion = ignoresWhileDeleting(spec.kind);
    let deleting = new Set<string>();
    let listedDeleting = new Set<string>();
    const keepsIds = fingerprinted || tracksDeletion;
    const ownKeys = ownKeysFor(spec.kind);
    const lw = startListWatch({
      kubeConfig: options.kubeConfig,
      path: watchPath(spec.kind, namespace),
      labelSelector: spec.labelSelector,
      stallTimeoutMs: options.watchStallTimeoutMs,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
      backoffMaxMs: options.watchBackoffMaxMs,
      async onListPage(objects, page) {
        const relist = lw.synced();
        if (page.first || snapshot === undefined) {
          snapshot = index.beginSnapshot(spec.kind, scopeKey);
          listedFingerprints = new Map();
          listedDeleting = new Set();
        }
        const listing = snapshot;
        const add: OwnKeyVisitor = (key, parts) => listing.add(key, parts);
        for (const o of objects) {
          const id = keepsIds ? objectId(o) : undefined;
          // A session's key is its object id: the index and the fingerprints then hold one string, not two.
          ownKeys(o, id, add);
          if (id === undefined) continue;
          if (fingerprinted) listedFingerprints.set(id, statusOnlyFingerprint(o));
          if (tracksDeletion && o.deletionTimestamp) listedDeleting.add(id);
        }
        if (page.last && fingerprinted) fingerprints = listedFingerprints;
        if (page.last && tracksDeletion) deleting = listedDeleting;
        // A relist means events may have been missed: everything listed (and what vanished) goes back to the queue.
        if (relist)
          for (const o of objects) for (const key of keysOf(spec.kind, o, 'relist')) relistKeys.push(key);
        if (page.last) {
          const vanished = snapshot.end();
          snapshot = undefined;
          if (relist) relistKeys.push(...vanished);
          const keys = relistKeys;
          relistKeys = [];
          await enqueue(keys, 'relist');
        }
      },
      async onEvent(event: WatchEvent) {
        metrics.watchEvents.inc({ resource: resourceLabel, type: event.type });
        const o = event.object;
        const present = event.type !== 'DELETED';
        ownKeys(o, undefined, (key, parts) => index.set(key, spec.kind, present, parts));
        let statusOnly = false;
        if (fingerprinted) {
          const id = objectId(o);
          const fingerprint = statusOnlyFingerprint(o);
          statusOnly = event.type === 'MODIFIED' && isStatusOnlyChange(fingerprints.get(id), fingerprint);
          if (present) fingerprints.set(id, fingerprint);
          else fingerprints.delete(id);
        }
        let alreadyDeleting = false;
        if (tracksDeletion) {
          const id = objectId(o);
          alreadyDeleting =
            event.type === 'MODIFIED' && o.deletionTimestamp !== undefined && deleting.has(id);
          if (present && o.deletionTimestamp) deleting.add(id);
          else deleting.delete(id);
        }
        const modifiedAlive = event.type === 'MODIFIED' && o.deletionTimestamp === undefined;
        const keys = keysOf(spec.kind, o, 'event', statusOnly, alreadyDeleting, modifiedAlive);
        // A runner Job's deletion is told by its pod's DELETED (job-cascades.ts).
        if (spec.kind === 'Job' && event.type === 'DELETED') return cascades.jobDeleted(o.uid, keys);
        const deletionStart =
          event.type === 'MODIFIED' && o.deletionTimestamp !== undefined && !alreadyDeleting;
        if (spec.kind === 'Pod' && deletionStart && cascades.podDeletionOfDeletedJob(controllerJobUid(o)))
          return;
        await enqueue(keys, 'event');
      },
      onStateChange(state) {
        for (const s of listWatchStates)
          metrics.watchState.set({ resource: resourceLabel, state: s }, s === state ? 1 : 0);
        if (state === 'watching') requestLeaderResyncIfReady();
        log.debug({ resource: resourceLabel, state }, 'list/watch state');
      },
      onRestart(reason, err) {
        metrics.watchRestarts.inc({ resource: resourceLabel, reason });
        if (reason === 'error') log.warn({ resource: resourceLabel, err }, 'list/watch failed; retrying');
        else log.info({ resource: resourceLabel, reason }, 'watch restarted');
      },
    });
    watches.push({ spec, scope: scopeKey, lw });
  }

  for (const spec of specs) {
    if (spec.clusterScoped || scope.length === 0) startWatch(spec, undefined);
    else for (const ns of scope) startWatch(spec, ns);
  }
  // The queue's code loads (and its Redis connection opens) while the servers answer the first lists.
  enqueuer.load();

  let apiSource: ApiSource | undefined;
  let tallyTimer: NodeJS.Timeout | undefined;
  if (options.apiServer) {
    const api = options.apiServer;
    const apiMetrics = createApiSourceMetrics(metrics.registry);
    // Loaded only here: the api-server source brings gRPC and protobufjs (~0.4 MiB of code, ~6 MiB of RSS once
    // loaded), which a watcher of Kubernetes alone never uses.
    const { startApiSource } = await import('./api-source.js');
    apiSource = startApiSource({
      client: api.client,
      grpcAddress: api.grpcAddress,
      token: api.token,
      grpcUseTls: api.grpcUseTls,
      relistIntervalMs: api.relistIntervalMs ?? options.resyncIntervalMs,
      backoffInitialMs: api.backoffInitialMs,
      backoffMaxMs: api.backoffMaxMs,
      logger: log,
      onActivity: (activity) => apiMetrics.record(activity),
      // MODE=test only counts (no queue, so no Kubernetes writes); kube enqueues (every replica, as for watches);
      // local enqueues sessions only, for the one local worker that runs them as processes.
      onKeys: (keys, reason) => enqueue(apiKeysFor(api.mode, keys), reason),
    });
    if (api.mode === 'test') {
      let last = '';
      tallyTimer = setInterval(() => {
        const tally = apiMetrics.tally();
        const text = JSON.stringify(tally);
        if (text !== last) log.info({ tally }, 'api-server events (MODE=test)');
        last = text;
      }, 5000);
      tallyTimer.unref();
    }
  }

  if (options.leaderElect) {
    leader = startLeaderElection({
      kubeConfig: options.kubeConfig,
      namespace: options.namespace ?? 'default',
      leaseName: options.leaseName,
      identity: options.identity,
      leaseDurationMs: options.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs,
      onStartedLeading() {
        leading = true;
        leaderResyncDue = true;
        metrics.setLeader(true);
        log.info({ identity: leader?.identity }, 'became leader');
        requestLeaderResyncIfReady();
      },
      onStoppedLeading() {
        leading = false;
        metrics.setLeader(false);
        log.warn('lost leadership; still enqueuing events, no longer resyncing');
      },
      onError: (err) => log.warn({ err }, 'leader election request failed'),
    });
  } else {
    metrics.setLeader(true);
  }

  async function readiness(): Promise<Readiness> {
    const problems: string[] = [];
    // Redis is asked only once every watch has its initial list: before that the answer is 503 whatever Redis says,
    // and a probe polled while 50,000 sessions are listed cost a PING round trip each on the connection the start
    // resync then fills (the bench polls /readyz every 5 ms to time the start).
    if (watches.every((w) => w.lw.synced()))
      await enqueuer.ping().catch((err: unknown) => {
        problems.push(`redis: ${err instanceof Error ? err.message : String(err)}`);
      });
    for (const w of watches) {
      const name = w.scope === '*' ? w.spec.resource : `${w.spec.resource}/${w.scope}`;
      if (!w.lw.synced()) problems.push(`${name}: initial list not complete (${w.lw.state()})`);
      else if (!w.lw.healthy())
        problems.push(
          `${name}: ${w.lw.state()}, last heard ${Math.round(w.lw.lastActivityAgeMs() / 1000)} s ago`,
        );
    }
    if (apiSource && !apiSource.synced()) problems.push('api-server: initial list not complete');
    return { ready: problems.length === 0, problems };
  }

  const endpoints = await startOperatorEndpoints({
    metricsAddress: options.metricsBindAddress ?? null,
    probeAddress: options.healthProbeBindAddress ?? null,
    registry: metrics.registry,
    ready: readiness,
  });

  let stopped: Promise<void> | undefined;
  return {
    isLeader: () => leading,
    readiness,
    knownSessions: () => index.count('session'),
    apiSource,
    healthPort: endpoints.probes?.port,
    metricsPort: endpoints.metrics?.port,
    async resyncNow() {
      return enqueuer.resync(allKeys());
    },
    stop() {
      stopped ??= (async () => {
        leading = false;
        clearInterval(tallyTimer);
        // The Lease goes first: stopping the resync loop waits for a resync in flight, and one of 50,000 keys takes
        // seconds — the standby took over only once it was done (SIGTERM handover 22 s in the bench, under load). The
        // next leader's own resync enqueues what this one leaves undone; enqueuing twice is harmless.
        await leader?.stop();
        await apiSource?.stop();
        await resync.stop();
        await Promise.all(watches.map((w) => w.lw.stop()));
        cascades.flush();
        await enqueuer.close();
        await endpoints.close();
      })();
      return stopped;
    },
  };
}

/**
 * The enqueuer, its module loaded at `load()` (or first use) rather than with the watcher's: the queue's code
 * (BullMQ, ioredis and what they bring: 0.85 of the 1.5 MiB the watcher loaded at start) is first needed once an
 * initial list is complete — the start resync, /readyz's Redis PING, the first watch event. Loaded at start it cost
 * ~0.15–0.2 CPU-seconds before the first list request went out (measured at 50,000 sessions: CPU at the first
 * request ~0.5 → ~0.35 s); loaded just after, it runs while the API server prepares the first pages. A failed load
 * rejects every call (readiness then names it). scripts/build.ts keeps it out of the files loaded at start.
 */
function lazyEnqueuer(create: () => Promise<Enqueuer>): Enqueuer & { load(): void } {
  let loaded: Promise<Enqueuer> | undefined;
  const get = () => (loaded ??= create());
  return {
    load() {
      get().catch(() => undefined); // seen by the calls that await it
    },
    events: async (keys) => (keys.length === 0 ? undefined : (await get()).events(keys)),
    resync: async (keys) => (await get()).resync(keys),
    redisDataLost: async () => (await get()).redisDataLost(),
    ping: async () => (await get()).ping(),
    counts: async () => (await get()).counts(),
    oldestJobAgeSeconds: async () => (await get()).oldestJobAgeSeconds(),
    close: async () => (await get()).close(),
  };
}

/** The uid of the Job that controls a pod, if one does. */
function controllerJobUid(pod: WatchedObject): string | undefined {
  return pod.ownerReferences?.find((o) => o.controller && o.kind === 'Job')?.uid;
}

/** The api-server keys a MODE queues: all in kube, sessions only in local (no Kubernetes), none in test. */
function apiKeysFor(mode: OperatorMode | undefined, keys: string[]): string[] {
  if (mode === 'kube') return keys;
  if (mode === 'local') return keys.filter((key) => parseQueueKey(key).kind === 'api-session');
  return [];
}
