// Two (then three) watcher processes started through the CLI with --leader-elect: every replica enqueues its watch
// events (the queue dedups), only the leader resyncs; a SIGTERMed leader hands the Lease over through its release,
// a SIGKILLed one after the Lease expires — while the survivors' events never stop reaching the queue.
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

async function resyncsBy(w: ChildWatcher): Promise<number> {
  const text = (await fetchText(w.metricsPort, '/metrics')).body;
  return text
    .split('\n')
    .filter((l) => l.startsWith('ambient_watcher_resyncs_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('leader election across watcher processes', () => {
  it('every replica enqueues events, only the leader resyncs; SIGTERM hands over within a retry period; after a SIGKILL events flow on at once and the Lease follows on expiry', async () => {
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

    // Both watch and both enqueue events; only the leader resyncs.
    await waitFor('both ready', async () =>
      (await Promise.all([a, b].map((w) => fetchText(w.healthPort, '/readyz')))).every(
        (r) => r.status === 200,
      ),
    );
    await sessions.create('team-a', 'led');
    await waitFor('the event enqueued', () => probe.has('team-a/led'));
    await waitFor('both replicas to enqueue the event', async () => {
      const counts = await Promise.all([leader, standby].map(eventsEnqueuedBy));
      return counts.every((n) => n > 0);
    });
    await waitFor('the leader to resync', async () => (await resyncsBy(leader)) > 0);
    expect(await resyncsBy(standby)).toBe(0);

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

    // SIGKILL: no release. Events keep flowing from the last standby before it holds the Lease…
    const killAt = Date.now();
    secondLeader.kill('SIGKILL');
    await secondLeader.exited;
    await probe.clear();
    await sessions.create('team-a', 'after-kill');
    await waitFor('the survivor to enqueue without the Lease', () => probe.has('team-a/after-kill'));
    const eventsAfterKillMs = Date.now() - killAt;
    expect(pidOf(await holder())).toBe(secondLeader.pid);
    // …and it takes the Lease once it expires (15 s) + a retry period, for the resyncs.
    await waitFor(
      'the last standby to take over',
      async () => pidOf(await holder()) === lastStandby.pid,
      40_000,
      200,
    );
    const sigkillFailoverMs = Date.now() - killAt;
    console.log(
      `leader failover: SIGTERM ${sigtermFailoverMs} ms (target ≤ 3000); SIGKILL: events enqueued ${eventsAfterKillMs} ms after the kill, Lease taken after ${sigkillFailoverMs} ms (target ≤ 17000)`,
    );
    await waitFor('the new leader to resync', async () => (await resyncsBy(lastStandby)) > 0);
    lastStandby.kill('SIGTERM');
    expect(await lastStandby.exited).toBe(0);
  }, 90_000);
});
