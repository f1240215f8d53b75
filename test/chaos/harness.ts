// The chaos harness: the whole system as separate processes (scripts/local-stack.ts: kube-sim CLI with a state
// file so it can be restarted, a Redis of its own on a free port, 2 leader-elected watchers, 2 workers), sessions
// with scripted runners, and the invariants every fault must leave intact.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import {
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1OwnerReference,
} from '@kubernetes/client-node';
import {
  closeRedis,
  createSessionQueue,
  openRedis,
  type RedisClient,
  type SessionQueue,
} from '@ambient-operator/shared';
import { clusterKindFromEnv, OPERATOR_NAMESPACE_REAL } from '@ambient-operator/testing';
import { DEMO_NAMESPACE, REPO_ROOT, startLocalStack, type LocalStack } from '../../scripts/local-stack.js';
import { isAlive } from '../processes.js';

export const NAMESPACE = DEMO_NAMESPACE;
export const WORKERS = ['worker-1', 'worker-2'] as const;
export const WATCHERS = ['watcher-1', 'watcher-2'] as const;
const SESSIONS = { group: 'vteam.ambient-code', version: 'v1alpha1', plural: 'agenticsessions' };
const STOP_ANNOTATION = 'ambient-code.io/desired-phase';
const PHASE_HISTORY_LIMIT = 20;

/** What a session is scripted to do, and the phase it must end in. */
export type SessionKind = 'runs' | 'completes' | 'fails' | 'stopped';
export const FINAL_PHASE: Record<SessionKind, string> = {
  runs: 'Running',
  completes: 'Completed',
  fails: 'Failed',
  stopped: 'Stopped',
};

/** kube-sim's runner scripting (packages/kube-sim README): the runner container exits after a second. */
function runnerEnv(kind: SessionKind): Record<string, string> {
  if (kind !== 'completes' && kind !== 'fails') return {};
  return {
    SIM_TARGET_CONTAINER: 'ambient-code-runner',
    SIM_RUN_SECONDS: '1',
    SIM_EXIT_CODE: kind === 'completes' ? '0' : '1',
  };
}

interface SessionItem {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status?: { phase?: string; phaseHistory?: unknown[] };
}

interface ChildItem {
  kind: string;
  name: string;
  labels: Record<string, string>;
  owners: V1OwnerReference[];
  phase?: string;
  deleting: boolean;
}

/** One recovery figure, as written to test-artifacts/chaos-results.json. */
export interface RecoveryRecord {
  fault: string;
  /** Fault injected (or ended, for faults with a duration) → every session of its batch in its final phase. */
  recoveryMs: number;
  /** The bound the issue sets, when it sets one: recording a slower recovery fails the test. */
  targetMs?: number;
  /** Other figures of this fault (lease takeover, transitions not counted because a process died, …). */
  details?: Record<string, number | string>;
}

export interface ChaosSystem {
  /** The cluster (CLUSTER=sim|real): kube-sim's fault hooks (`sim`) exist on kube-sim only. */
  kind: 'sim' | 'real';
  stack: LocalStack;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  batch: BatchV1Api;
  redis: RedisClient;
  queue: SessionQueue;
  /** Every session created, with the phase it must end in. */
  expected: Map<string, string>;
  /** Creates `perKind` sessions of each kind named `<tag>-<kind>-<i>`; resolves with their names. */
  createBatch(tag: string, perKind?: number): Promise<string[]>;
  /** Creates one session; `expect` is the phase it must end in. */
  createSession(name: string, spec: Record<string, unknown>, expect: string): Promise<void>;
  /** Calls kube-sim's control API (`/sim/...`). */
  sim(method: string, route: string, body?: unknown): Promise<unknown>;
  /** Resolves when every session in `names` is in its expected phase; returns when that was first seen. */
  waitForFinalPhases(names: readonly string[], timeoutMs?: number): Promise<number>;
  /** The watcher holding the Lease (by process name), if any. */
  leader(): Promise<string | undefined>;
  /** Sum of ambient_session_phase_transitions_total over every worker process this run has had. */
  countedTransitions(): Promise<number>;
  /** Sum of status.phaseHistory lengths over every session. */
  recordedTransitions(): Promise<number>;
  /** Takes the accounting baseline before a fault. */
  baseline(): Promise<Accounting>;
  /**
   * Checks every invariant after a fault: final phases, drained queue, no orphaned or stray children, every
   * process alive, and counted transitions = recorded ones (minus `uncountable`, transitions a killed process
   * may have counted after its last scrape; the caller bounds it).
   */
  checkInvariants(
    since: Accounting,
    options?: { uncountableAtMost?: number },
  ): Promise<{ uncounted: number }>;
  record(entry: RecoveryRecord): void;
  stop(): Promise<void>;
}

export interface Accounting {
  counted: number;
  recorded: number;
}

export interface ChaosSystemOptions {
  /** Where the recovery figures go (under test-artifacts/). */
  resultsFile: string;
  /** Fail a fault's test when its recovery exceeds its `targetMs` (the full suite; the CI smoke only records). */
  assertRecoveryTargets?: boolean;
  /** Extra environment for the operator processes. */
  env?: Record<string, string>;
  /** The operator's REDIS_* settings of a Redis of the test's own (Sentinel, Cluster); the stack's own otherwise. */
  redisEnv?: Record<string, string>;
  /** @defaultValue CLUSTER from the environment, else 'sim' */
  kind?: 'sim' | 'real';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns true (bounded); `describe` says what was last seen when it times out. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  describe?: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const seen = describe ? await describe().catch((e: unknown) => String(e)) : lastError;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${seen.slice(0, 3000)}`);
    }
    await sleep(100);
  }
}

function transitionsIn(metricsText: string): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    const m = /^ambient_session_phase_transitions_total\{[^}]*\} (\S+)$/.exec(line);
    if (m) sum += Number(m[1]);
  }
  return sum;
}

export async function startChaosSystem(options: ChaosSystemOptions): Promise<ChaosSystem> {
  const kind = options.kind ?? clusterKindFromEnv();
  const dir = await mkdtemp(path.join(tmpdir(), 'chaos-'));
  const logFile = path.join(
    REPO_ROOT,
    'test-artifacts',
    `${path.basename(options.resultsFile, '.json')}.log`,
  );
  await mkdir(path.dirname(logFile), { recursive: true });
  const { createWriteStream } = await import('node:fs');
  const log = createWriteStream(logFile);
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      localDir: dir,
      workers: WORKERS.length,
      watchers: WATCHERS.length,
      leaderElect: true,
      dashboard: false,
      cluster: kind,
      ...(kind === 'sim' ? { kubeSimDataFile: path.join(dir, 'kube-sim.json') } : {}),
      ...(options.redisEnv ? { redisEnv: options.redisEnv } : {}),
      output: log,
      pretty: false,
      // Vitest sets MODE=test in its process.env, which the children would inherit as the operator's MODE (the
      // api-server source); the system under test here is the Kubernetes operator alone.
      env: { LOG_LEVEL: 'warn', MODE: 'kube', ...options.env },
    });
  } catch (err) {
    log.end();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(stack.kubeconfigPath);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  // Redis restarts and failovers are faults under test; the client reconnects (and follows a promotion).
  const redisHandle = openRedis(stack.redis, { connectionName: 'chaos:harness' });
  const redis = redisHandle.client;
  const queue = createSessionQueue({ connection: stack.redis, prefix: stack.queuePrefix });
  const expected = new Map<string, string>();
  const records: RecoveryRecord[] = [];
  // Last scraped transition count of every worker process (by pid), so a killed worker's counts stay summed.
  const workerCounts = new Map<number, number>();

  const listSessions = async () =>
    (
      (await custom.listNamespacedCustomObject({ ...SESSIONS, namespace: NAMESPACE })) as {
        items: SessionItem[];
      }
    ).items;

  async function createSession(name: string, spec: Record<string, unknown>, expect: string): Promise<void> {
    expected.set(name, expect);
    await custom.createNamespacedCustomObject({
      ...SESSIONS,
      namespace: NAMESPACE,
      body: {
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'AgenticSession',
        metadata: { name },
        spec: { initialPrompt: `chaos ${name}`, ...spec },
      },
    });
  }

  async function annotate(name: string, annotations: Record<string, string>): Promise<void> {
    await custom.patchNamespacedCustomObject(
      { ...SESSIONS, namespace: NAMESPACE, name, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async function createBatch(tag: string, perKind = 2): Promise<string[]> {
    const names: string[] = [];
    const kinds = Object.keys(FINAL_PHASE) as SessionKind[];
    await Promise.all(
      kinds.flatMap((kind) =>
        Array.from({ length: perKind }, async (_, i) => {
          const name = `${tag}-${kind}-${i}`;
          names.push(name);
          await createSession(name, { environmentVariables: runnerEnv(kind) }, FINAL_PHASE[kind]);
          // A stop asked for right away: honoured in Pending or Creating, whichever the session is in.
          if (kind === 'stopped') await annotate(name, { [STOP_ANNOTATION]: 'Stopped' });
        }),
      ),
    );
    return names;
  }

  async function sim(method: string, route: string, body?: unknown): Promise<unknown> {
    if (kind !== 'sim') throw new Error(`kube-sim's ${route} hook does not exist on CLUSTER=${kind}`);
    const res = await fetch(`${stack.kubeSimUrl}${route}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    if (!res.ok) throw new Error(`kube-sim ${method} ${route}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  async function phasesOf(names: readonly string[]): Promise<Map<string, string>> {
    const wanted = new Set(names);
    return new Map(
      (await listSessions())
        .filter((s) => wanted.has(s.metadata.name))
        .map((s) => [s.metadata.name, s.status?.phase ?? '']),
    );
  }

  async function waitForFinalPhases(names: readonly string[], timeoutMs = 60_000): Promise<number> {
    const wrong = async () => {
      const phases = await phasesOf(names);
      return names
        .filter((n) => phases.get(n) !== expected.get(n))
        .map((n) => `${n}: ${phases.get(n) ?? 'missing'} (want ${expected.get(n)})`);
    };
    await until(
      `${names.length} sessions in their final phases`,
      async () => (await wrong()).length === 0,
      timeoutMs,
      async () => (await wrong()).join('; '),
    );
    return Date.now();
  }

  // Why the last scrape of a worker failed (its count is then the one before): said when the counters disagree.
  const scrapeFailures = new Map<string, string>();
  async function countedTransitions(): Promise<number> {
    for (const name of WORKERS) {
      const p = stack.process(name);
      if (!p?.metricsUrl) continue;
      const res = await fetch(`${p.metricsUrl}/metrics`).catch((err: unknown) => String(err));
      if (typeof res !== 'string' && res.ok) {
        workerCounts.set(p.pid, transitionsIn(await res.text()));
        scrapeFailures.delete(name);
      } else {
        scrapeFailures.set(
          name,
          typeof res === 'string' ? res : `${res.status} ${(await res.text()).slice(0, 200)}`,
        );
      }
    }
    return [...workerCounts.values()].reduce((a, b) => a + b, 0);
  }

  async function recordedTransitions(): Promise<number> {
    const sessions = await listSessions();
    const full = sessions.filter((s) => (s.status?.phaseHistory?.length ?? 0) >= PHASE_HISTORY_LIMIT);
    if (full.length > 0) {
      throw new Error(
        `phaseHistory reached its bound of ${PHASE_HISTORY_LIMIT} for ${full.map((s) => s.metadata.name).join(', ')}: transitions can no longer be accounted`,
      );
    }
    return sessions.reduce((sum, s) => sum + (s.status?.phaseHistory?.length ?? 0), 0);
  }

  async function children(): Promise<ChildItem[]> {
    type Meta = {
      name?: string;
      labels?: Record<string, string>;
      ownerReferences?: V1OwnerReference[];
      deletionTimestamp?: Date;
    };
    const toItem = (kind: string, o: { metadata?: Meta }, phase?: string): ChildItem => ({
      kind,
      name: o.metadata?.name ?? '',
      labels: o.metadata?.labels ?? {},
      owners: o.metadata?.ownerReferences ?? [],
      ...(phase ? { phase } : {}),
      deleting: o.metadata?.deletionTimestamp !== undefined,
    });
    const [jobs, pods, services, secrets] = await Promise.all([
      batch.listNamespacedJob({ namespace: NAMESPACE }),
      core.listNamespacedPod({ namespace: NAMESPACE }),
      core.listNamespacedService({ namespace: NAMESPACE }),
      core.listNamespacedSecret({ namespace: NAMESPACE }),
    ]);
    return [
      ...jobs.items.map((o) => toItem('Job', o)),
      ...pods.items.map((o) => toItem('Pod', o, o.status?.phase)),
      ...services.items.map((o) => toItem('Service', o)),
      ...secrets.items.map((o) => toItem('Secret', o)),
    ];
  }

  /** Children whose owner is gone, session children without an owner, and runners alive for a session that is not. */
  async function strayChildren(): Promise<string[]> {
    const sessions = await listSessions();
    const sessionUids = new Set(sessions.map((s) => s.metadata.uid));
    const phaseByName = new Map(sessions.map((s) => [s.metadata.name, s.status?.phase ?? '']));
    const items = await children();
    const jobUids = new Set(
      (await batch.listNamespacedJob({ namespace: NAMESPACE })).items.map((j) => j.metadata?.uid),
    );
    const problems: string[] = [];
    for (const c of items) {
      const ownedBySession = c.owners.some((o) => o.kind === 'AgenticSession');
      const sessionLabel = c.labels['agentic-session'];
      for (const o of c.owners) {
        const exists =
          o.kind === 'AgenticSession' ? sessionUids.has(o.uid) : o.kind === 'Job' ? jobUids.has(o.uid) : true;
        if (!exists && !c.deleting) problems.push(`${c.kind} ${c.name}: owner ${o.kind} ${o.name} is gone`);
      }
      // Everything the operator creates carries the session as controller owner (pods are owned by their Job).
      if (sessionLabel && c.kind !== 'Pod' && !ownedBySession)
        problems.push(`${c.kind} ${c.name}: labelled for session ${sessionLabel} but not owned by it`);
      if (
        c.kind === 'Pod' &&
        sessionLabel &&
        !c.deleting &&
        (c.phase === 'Pending' || c.phase === 'Running')
      ) {
        const phase = phaseByName.get(sessionLabel);
        if (!['Pending', 'Creating', 'Running'].includes(phase ?? ''))
          problems.push(
            `Pod ${c.name}: runner ${c.phase} while session ${sessionLabel} is ${phase ?? 'gone'}`,
          );
      }
    }
    return problems;
  }

  async function leader(): Promise<string | undefined> {
    const lease = await coordination
      .readNamespacedLease({
        name: 'ambient-session-watcher',
        namespace: kind === 'real' ? OPERATOR_NAMESPACE_REAL : 'default',
      })
      .catch(() => undefined);
    const pid = Number(lease?.spec?.holderIdentity?.split('_').at(-1));
    return WATCHERS.find((w) => stack.process(w)?.pid === pid);
  }

  // The two sums are read one after the other: a transition written between the reads would be in one and not the
  // other, and every later comparison would be off by it. A baseline is taken only when neither sum moved across a
  // second read of both.
  async function baseline(): Promise<Accounting> {
    let taken: Accounting | undefined;
    await until(
      'a still baseline of counted and recorded transitions',
      async () => {
        const first = { counted: await countedTransitions(), recorded: await recordedTransitions() };
        const again = { counted: await countedTransitions(), recorded: await recordedTransitions() };
        if (first.counted !== again.counted || first.recorded !== again.recorded) return false;
        taken = again;
        return true;
      },
      30_000,
    );
    if (taken === undefined) throw new Error('no baseline was taken');
    return taken;
  }

  async function checkInvariants(
    since: Accounting,
    opts: { uncountableAtMost?: number } = {},
  ): Promise<{ uncounted: number }> {
    // 1. No session lost or stuck: every one ever created is in the phase it must end in.
    await waitForFinalPhases([...expected.keys()], 90_000);
    // 2. The queue drained: nothing waiting, nothing held by a dead worker (timers may stay delayed).
    await until(
      'the queue to drain',
      async () => {
        const c = await queue.counts();
        return c.waiting + c.prioritized + c.active === 0;
      },
      60_000,
      async () => JSON.stringify(await queue.counts()),
    );
    // 3. No orphaned or stray children.
    await until(
      'no orphaned children',
      async () => (await strayChildren()).length === 0,
      30_000,
      async () => (await strayChildren()).join('; '),
    );
    // 4. Every operator process still runs (a fault must not crash one).
    for (const name of [...WORKERS, ...WATCHERS]) {
      const p = stack.process(name);
      if (!p || !isAlive(p.pid)) throw new Error(`${name} is not running after the fault`);
    }
    // 5. Each written transition counted once: Σ counters over workers = Σ phaseHistory entries.
    let uncounted = 0;
    await until(
      'transition counters to match phaseHistory',
      async () => {
        const counted = (await countedTransitions()) - since.counted;
        const recorded = (await recordedTransitions()) - since.recorded;
        uncounted = recorded - counted;
        return uncounted >= 0 && uncounted <= (opts.uncountableAtMost ?? 0);
      },
      10_000,
      async () =>
        `counted ${(await countedTransitions()) - since.counted}, recorded ${(await recordedTransitions()) - since.recorded}` +
        (scrapeFailures.size > 0
          ? `; last scrape failed: ${JSON.stringify(Object.fromEntries(scrapeFailures))}`
          : ''),
    );
    return { uncounted };
  }

  return {
    kind,
    stack,
    custom,
    core,
    batch,
    redis,
    queue,
    expected,
    createBatch,
    createSession,
    sim,
    waitForFinalPhases,
    leader,
    countedTransitions,
    recordedTransitions,
    baseline,
    checkInvariants,
    record(entry) {
      records.push(entry);
      process.stdout.write(`chaos: ${JSON.stringify(entry)}\n`);
      // Recorded first, so the results file keeps the figure that missed its bound.
      if (options.assertRecoveryTargets && entry.targetMs !== undefined) {
        expect(entry.recoveryMs, `${entry.fault}: recovery within ${entry.targetMs} ms`).toBeLessThanOrEqual(
          entry.targetMs,
        );
      }
    },
    async stop() {
      try {
        await writeFile(options.resultsFile, JSON.stringify(records, null, 2) + '\n');
      } finally {
        await queue.close().catch(() => undefined);
        await closeRedis(redisHandle);
        await stack.stop();
        await new Promise<void>((r) => log.end(r));
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export const RESULTS_DIR = path.join(REPO_ROOT, 'test-artifacts');
