// Two (then three) watcher processes started through the CLI with --leader-elect: only the leader enqueues, a
// SIGTERMed leader hands over through the released Lease, a SIGKILLed one after the Lease expires.
import type { KubeSim } from '@ambient-operator/kube-sim';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QueueProbe,
  Sessions,
  deletePrefix,
  fetchText,
  killAllWatchers,
  kubeConfigFor,
  metricValue,
  redisUrl,
  spawnWatcher,
  startSim,
  uniquePrefix,
  waitFor,
  writeKubeconfig,
  type ChildWatcher,
} from './harness.js';

const prefix = uniquePrefix('leader');
let sim: KubeSim;
let kubeconfig: { file: string; cleanup: () => Promise<void> };
let redis: Redis;
let probe: QueueProbe;
let coord: CoordinationV1Api;
let sessions: Sessions;

beforeAll(async () => {
  sim = await startSim();
  const kc = kubeConfigFor(sim);
  coord = kc.makeApiClient(CoordinationV1Api);
  sessions = new Sessions(kc);
  kubeconfig = await writeKubeconfig(sim);
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  probe = new QueueProbe(redisUrl, prefix);
});

afterAll(async () => {
  await killAllWatchers();
  await probe?.close();
  await deletePrefix(redis, prefix);
  await redis?.quit();
  await kubeconfig?.cleanup();
  await sim?.stop();
});

const spawn = () =>
  spawnWatcher({
    kubeconfigFile: kubeconfig.file,
    redisUrl,
    prefix,
    namespace: 'default',
    args: ['--leader-elect'],
  });

async function holder(): Promise<string | undefined> {
  try {
    const lease = await coord.readNamespacedLease({ name: 'ambient-session-watcher', namespace: 'default' });
    return lease.spec?.holderIdentity || undefined;
  } catch {
    return undefined;
  }
}

const pidOf = (identity: string | undefined) => (identity ? Number(identity.split('_').at(-1)) : undefined);

async function eventsEnqueuedBy(w: ChildWatcher): Promise<number> {
  const text = (await fetchText(w.metricsPort, '/metrics')).body;
  return metricValue(text, 'ambient_watcher_keys_enqueued_total', { reason: 'event' }) ?? 0;
}

describe('leader election across watcher processes', () => {
  it('only the leader enqueues; SIGTERM hands over within a retry period; SIGKILL after the lease expires', async () => {
    const a = await spawn();
    const b = await spawn();
    const byPid = new Map([a, b].map((w) => [w.pid, w]));
    const firstLeaderPid = await waitFor('a leader', async () => pidOf(await holder()));
    const leader = byPid.get(firstLeaderPid)!;
    const standby = leader === a ? b : a;
    const isLeader = async (w: ChildWatcher) =>
      metricValue((await fetchText(w.metricsPort, '/metrics')).body, 'ambient_watcher_is_leader');
    expect(await isLeader(leader)).toBe(1);
    expect(await isLeader(standby)).toBe(0);

    // Both watch; only the leader enqueues.
    await waitFor('both ready', async () =>
      (await Promise.all([a, b].map((w) => fetchText(w.healthPort, '/readyz')))).every(
        (r) => r.status === 200,
      ),
    );
    await sessions.create('team-a', 'led');
    await waitFor('the leader to enqueue', () => probe.has('team-a/led'));
    expect(await eventsEnqueuedBy(leader)).toBeGreaterThan(0);
    expect(await eventsEnqueuedBy(standby)).toBe(0);

    // SIGTERM: the leader releases the Lease on its way out.
    const c = await spawn(); // the next standby, for the SIGKILL step
    const termAt = Date.now();
    leader.kill('SIGTERM');
    expect(await leader.exited).toBe(0);
    // Either standby may win the released Lease.
    const secondLeaderPid = await waitFor(
      'a standby to take over',
      async () => {
        const pid = pidOf(await holder());
        return pid === standby.pid || pid === c.pid ? pid : undefined;
      },
      20_000,
    );
    const sigtermFailoverMs = Date.now() - termAt;
    const secondLeader = secondLeaderPid === c.pid ? c : standby;
    const lastStandby = secondLeader === c ? standby : c;

    await probe.clear();
    await sessions.create('team-a', 'after-term');
    await waitFor('the new leader to enqueue', () => probe.has('team-a/after-term'));

    // SIGKILL: no release; the last standby waits for the lease to expire (15 s) + a retry period.
    const killAt = Date.now();
    secondLeader.kill('SIGKILL');
    await secondLeader.exited;
    await waitFor(
      'the last standby to take over',
      async () => pidOf(await holder()) === lastStandby.pid,
      40_000,
      200,
    );
    const sigkillFailoverMs = Date.now() - killAt;
    console.log(
      `leader failover: SIGTERM ${sigtermFailoverMs} ms (target ≤ 3000), SIGKILL ${sigkillFailoverMs} ms (target ≤ 17000)`,
    );

    await probe.clear();
    await sessions.create('team-a', 'after-kill');
    await waitFor('the third leader to enqueue', () => probe.has('team-a/after-kill'));
    lastStandby.kill('SIGTERM');
    expect(await lastStandby.exited).toBe(0);
  }, 90_000);
});
