// The watcher in-process against kube-sim (over HTTP) and a real Redis: events → keys, relists, stalls, restarts,
// Redis loss, probes and metrics.
import type { KubeSim } from '@ambient-operator/kube-sim';
import { BatchV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { SharedAgentKubeConfig } from '@ambient-operator/shared';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatcher, type Watcher } from '@ambient-operator/watcher';
import {
  QueueProbe,
  Sessions,
  deletePrefix,
  fetchText,
  kubeConfigFor,
  metricValue,
  redisUrl,
  startPrivateRedis,
  startSim,
  uniquePrefix,
  waitFor,
} from './harness.js';

const prefix = uniquePrefix('watcher');
let sim: KubeSim;
let kc: SharedAgentKubeConfig;
let sessions: Sessions;
let probe: QueueProbe;
let watcher: Watcher;
let redis: Redis;

beforeAll(async () => {
  sim = await startSim();
  kc = kubeConfigFor(sim);
  sessions = new Sessions(kc);
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  probe = new QueueProbe(redisUrl, prefix);
  watcher = await startWatcher({
    kubeConfig: kc,
    redis: redisUrl,
    queuePrefix: prefix,
    watchStallTimeoutMs: 1500,
    watchBackoffMaxMs: 1000,
    healthProbeBindAddress: { host: '127.0.0.1', port: 0 },
    metricsBindAddress: { host: '127.0.0.1', port: 0 },
  });
  await waitFor('the watcher to be ready', async () => (await watcher.readiness()).ready);
});

afterAll(async () => {
  await watcher?.stop();
  await probe?.close();
  await deletePrefix(redis, prefix);
  await redis?.quit();
  await sim?.stop();
});

const metrics = async () => (await fetchText(watcher.metricsPort!, '/metrics')).body;

describe('watcher', () => {
  it('enqueues a session key on create, update and delete', async () => {
    await probe.clear();
    await sessions.create('team-a', 'alpha');
    await waitFor('alpha to be enqueued on create', () => probe.has('team-a/alpha'));
    await probe.clear();
    await sessions.label('team-a', 'alpha', 'v2');
    await waitFor('alpha to be enqueued on update', () => probe.has('team-a/alpha'));
    await probe.clear();
    await sessions.delete('team-a', 'alpha');
    await waitFor('alpha to be enqueued on delete', () => probe.has('team-a/alpha'));
    expect(watcher.knownSessions()).toBe(0);
  });

  it('the echo of the operator consuming a one-shot annotation enqueues nothing; a new request does', async () => {
    try {
      await sessions.create('team-a', 'stopped');
      await sessions.create('team-a', 'marker');
      await waitFor('both to be enqueued on create', () => probe.has('team-a/stopped', 'team-a/marker'));
      await probe.clear();
      await sessions.annotate('team-a', 'stopped', {
        'ambient-code.io/desired-phase': 'Stopped',
        'ambient-code.io/stop-requested-at': '2026-01-01T00:00:00Z',
      });
      await waitFor('the stop request to be enqueued', () => probe.has('team-a/stopped'));
      await probe.clear();
      // What a worker's clearAnnotations does on entering Stopping; the backend's stop-requested-at stays.
      await sessions.annotate('team-a', 'stopped', { 'ambient-code.io/desired-phase': null });
      // Events of one watch are handled in order: once the marker's is enqueued, the removal's was handled.
      await sessions.label('team-a', 'marker', 'after-removal');
      await waitFor('the marker to be enqueued', () => probe.has('team-a/marker'));
      expect(await probe.keys()).toEqual(['team-a/marker']);
      await sessions.annotate('team-a', 'stopped', { 'ambient-code.io/desired-phase': 'Running' });
      await waitFor('the restart request to be enqueued', () => probe.has('team-a/stopped'));
    } finally {
      await sessions.delete('team-a', 'stopped').catch(() => undefined);
      await sessions.delete('team-a', 'marker').catch(() => undefined);
      await waitFor('both sessions to be forgotten', () => watcher.knownSessions() === 0);
      await probe.clear();
    }
  });

  it('maps runner Job and Pod events to the owning session', async () => {
    await sessions.create('team-b', 'beta');
    await waitFor('beta to be known', () => watcher.knownSessions() === 1);
    await probe.clear();
    const batch = kc.makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace: 'team-b',
      body: {
        metadata: {
          name: 'beta-runner',
          labels: { app: 'ambient-code-runner', 'agentic-session': 'beta' },
        },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels: { app: 'ambient-code-runner', 'agentic-session': 'beta' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'runner', image: 'runner:test' }] },
          },
        },
      },
    });
    await waitFor('the Job (and its Pod) to enqueue beta', () => probe.has('team-b/beta'));
    // The pod the Job controller creates is watched too.
    const core = kc.makeApiClient(CoreV1Api);
    await waitFor(
      'the runner pod to exist',
      async () => (await core.listNamespacedPod({ namespace: 'team-b' })).items.length > 0,
    );
    await probe.clear();
    const pod = (await core.listNamespacedPod({ namespace: 'team-b' })).items[0]!;
    await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: 'team-b' });
    await waitFor('the pod deletion to enqueue beta', () => probe.has('team-b/beta'));
    expect(await probe.keys()).toEqual(['team-b/beta']);
  });

  it('a runner pod being deleted enqueues its session when the deletion starts and ends, not in between', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const runnerPod = (session: string, finalizers: string[] = []) => ({
      metadata: {
        name: `${session}-runner-x`,
        labels: { app: 'ambient-code-runner', 'agentic-session': session },
        finalizers,
      },
      spec: { restartPolicy: 'Never', containers: [{ name: 'runner', image: 'runner:test' }] },
    });
    const known = watcher.knownSessions();
    try {
      await sessions.create('team-a', 'gamma');
      await core.createNamespacedPod({
        namespace: 'team-a',
        body: runnerPod('gamma', ['test.ambient-code.io/hold']),
      });
      await waitFor('the pod to run', async () => {
        const pod = await core.readNamespacedPod({ namespace: 'team-a', name: 'gamma-runner-x' });
        return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      });
      await probe.clear();
      await core.deleteNamespacedPod({ namespace: 'team-a', name: 'gamma-runner-x' });
      // Events of one watch are handled in order: once a later pod's is enqueued, those before it were handled.
      await core.createNamespacedPod({ namespace: 'team-a', body: runnerPod('delta') });
      await waitFor('the start of the deletion to enqueue gamma', () =>
        probe.has('team-a/gamma', 'team-a/delta'),
      );
      await probe.clear();
      // Held by its finalizer: its containers stop, and a label changes; neither enqueues.
      await core.patchNamespacedPod(
        { namespace: 'team-a', name: 'gamma-runner-x', body: { metadata: { labels: { touched: 'yes' } } } },
        merge,
      );
      await waitFor('the containers to stop', async () => {
        const pod = await core.readNamespacedPod({ namespace: 'team-a', name: 'gamma-runner-x' });
        return pod.status?.containerStatuses?.every((c) => c.state?.terminated !== undefined);
      });
      await core.createNamespacedPod({ namespace: 'team-a', body: runnerPod('zeta') });
      await waitFor('the marker pod to enqueue zeta', () => probe.has('team-a/zeta'));
      // (The marker pods' own start-up may enqueue theirs again.)
      expect(await probe.keys()).not.toContain('team-a/gamma');
      await core.patchNamespacedPod(
        { namespace: 'team-a', name: 'gamma-runner-x', body: { metadata: { finalizers: null } } },
        merge,
      );
      await waitFor('the end of the deletion to enqueue gamma', () => probe.has('team-a/gamma'));
    } finally {
      for (const name of ['gamma-runner-x', 'delta-runner-x', 'zeta-runner-x'])
        await core
          .patchNamespacedPod({ namespace: 'team-a', name, body: { metadata: { finalizers: null } } }, merge)
          .then(() => core.deleteNamespacedPod({ namespace: 'team-a', name, gracePeriodSeconds: 0 }))
          .catch(() => undefined);
      await sessions.delete('team-a', 'gamma').catch(() => undefined);
      await waitFor('gamma to be forgotten', () => watcher.knownSessions() === known);
      await probe.clear();
    }
  });

  it('a ProjectSettings change enqueues ps:<ns> and every session of the namespace', async () => {
    await sessions.create('team-b', 'gamma');
    await waitFor('gamma to be known', () => watcher.knownSessions() === 2);
    await probe.clear();
    sim.createObjects([
      {
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'ProjectSettings',
        metadata: { name: 'projectsettings', namespace: 'team-b' },
        spec: { groupAccess: [] },
      },
    ]);
    await waitFor('ps:team-b and its sessions', () => probe.has('ps:team-b', 'team-b/beta', 'team-b/gamma'));
  });

  it('relists after 410 Gone and re-enqueues what it lists', async () => {
    await probe.clear();
    const before =
      metricValue(await metrics(), 'ambient_watcher_watch_restarts_total', {
        resource: 'agenticsessions',
        reason: 'gone',
      }) ?? 0;
    sim.faults.compactHistory();
    sim.faults.closeAllWatches();
    await waitFor(
      'a 410 relist of agenticsessions',
      async () =>
        (metricValue(await metrics(), 'ambient_watcher_watch_restarts_total', {
          resource: 'agenticsessions',
          reason: 'gone',
        }) ?? 0) > before,
    );
    await waitFor('listed sessions re-enqueued', () => probe.has('team-b/beta', 'team-b/gamma'));
    await sessions.create('team-a', 'after-gone');
    await waitFor('events to flow after the relist', () => probe.has('team-a/after-gone'));
  });

  it('detects a silently stalled watch and relists', async () => {
    const stalled = async () =>
      metricValue(await metrics(), 'ambient_watcher_watch_restarts_total', {
        resource: 'agenticsessions',
        reason: 'stalled',
      }) ?? 0;
    const before = await stalled();
    sim.faults.stallWatches(true);
    await sessions.create('team-a', 'during-stall'); // its event is dropped by the stalled stream
    try {
      await waitFor('the stall to be detected', async () => (await stalled()) > before, 15_000);
    } finally {
      sim.faults.stallWatches(false);
    }
    // The relist finds the session whose event was lost.
    await waitFor('the missed session to be enqueued by the relist', () => probe.has('team-a/during-stall'));
    await waitFor('ready again', async () => (await watcher.readiness()).ready);
  });

  it('reconnects after the API server restarts', async () => {
    await probe.clear();
    await sim.restart();
    // The test's own client may first hit a keep-alive socket the restart closed; retry the create.
    await waitFor('the create to go through', async () => {
      await sessions.create('team-a', 'after-restart');
      return true;
    });
    await waitFor('an event after the restart', () => probe.has('team-a/after-restart'), 15_000);
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    expect(await fetchText(watcher.healthPort!, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    await waitFor('ready', async () => (await watcher.readiness()).ready);
    expect((await fetchText(watcher.healthPort!, '/readyz')).status).toBe(200);
    const text = await metrics();
    expect(metricValue(text, 'ambient_watcher_is_leader')).toBe(1);
    expect(metricValue(text, 'ambient_watcher_known_sessions')).toBe(watcher.knownSessions());
    expect(
      metricValue(text, 'ambient_watcher_watch_events_total', { resource: 'agenticsessions', type: 'ADDED' }),
    ).toBeGreaterThan(0);
    expect(metricValue(text, 'ambient_watcher_keys_enqueued_total', { reason: 'event' })).toBeGreaterThan(0);
    expect(metricValue(text, 'ambient_watcher_dedup_hits_total')).toBeGreaterThanOrEqual(0);
    expect(metricValue(text, 'ambient_watcher_watch_state', { resource: 'pods', state: 'watching' })).toBe(1);
    expect(
      metricValue(text, 'ambient_watcher_watch_age_seconds', { resource: 'pods' }),
    ).toBeGreaterThanOrEqual(0);
    const ready =
      (metricValue(text, 'ambient_queue_depth', { state: 'waiting' }) ?? Number.NaN) +
      (metricValue(text, 'ambient_queue_depth', { state: 'prioritized' }) ?? Number.NaN);
    expect(ready).toBe(await probe.queue.depth());
    expect(text).toContain('ambient_queue_oldest_job_age_seconds');
  });

  it('/readyz is 503 with the reason while a watch is not synced', async () => {
    sim.faults.failNext({ status: 500, count: 1000, verb: 'list', resource: 'agenticsessions' });
    const w = await startWatcher({
      kubeConfig: kc,
      redis: redisUrl,
      queuePrefix: `${prefix}-unready`,
      healthProbeBindAddress: { host: '127.0.0.1', port: 0 },
    });
    try {
      const r = await fetchText(w.healthPort!, '/readyz');
      expect(r.status).toBe(503);
      expect(r.body).toContain('agenticsessions: initial list not complete');
    } finally {
      await w.stop();
      sim.faults.reset();
      await deletePrefix(redis, `${prefix}-unready`);
    }
  });
});

describe('watcher and Redis loss', () => {
  it('8. FLUSHALL, and a Redis restarted empty: every key is enqueued again', async () => {
    const privateRedis = await startPrivateRedis();
    const p = new QueueProbe(privateRedis.url, 'flush');
    const w = await startWatcher({
      kubeConfig: kc,
      redis: privateRedis.url,
      queuePrefix: 'flush',
      redisCheckIntervalMs: 200,
      healthProbeBindAddress: { host: '127.0.0.1', port: 0 },
    });
    try {
      const expected = [
        'team-a/after-gone',
        'team-a/during-stall',
        'team-a/after-restart',
        'team-b/beta',
        'team-b/gamma',
        'ps:team-a',
        'ps:team-b',
      ];
      await waitFor('the start resync', () => p.has(...expected));
      const admin = new Redis(privateRedis.url);
      await admin.flushall();
      admin.disconnect();
      expect(await p.keys()).toEqual([]);
      await waitFor('every key after FLUSHALL', () => p.has(...expected));
      await privateRedis.stop();
      // /readyz says Redis is unreachable while it is down.
      await waitFor('/readyz to report Redis', async () => {
        const r = await fetchText(w.healthPort!, '/readyz');
        return r.status === 503 && r.body.includes('redis: ');
      });
      await privateRedis.restart();
      await waitFor('every key after an empty restart', () => p.has(...expected), 20_000);
      expect((await fetchText(w.healthPort!, '/readyz')).status).toBe(200);
    } finally {
      await w.stop();
      await p.close();
      await privateRedis.stop();
    }
  }, 40_000);
});
