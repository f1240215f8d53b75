import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SESSION_STAGES } from '@ambient-operator/shared';
import { eventually, startTestCluster, type TestCluster } from '@ambient-operator/testing';

/**
 * What an operator of the cluster sees of a session's life: Events in `kubectl describe`, the stage
 * histograms, the cluster-wide phase gauges, and the reconciles streamed to an XState inspector.
 */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function listening(port: number): Promise<void> {
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1')
          .once('connect', () => {
            socket.destroy();
            resolve(true);
          })
          .once('error', () => resolve(false));
      }),
    (ok) => ok,
    'the inspector server listening',
  );
}

/** Sum of a sample over every worker's registry (each stage is counted by whichever worker wrote it). */
async function sample(cluster: TestCluster, series: string): Promise<number> {
  let total = 0;
  for (const worker of cluster.workers) {
    const text = await worker.registry.metrics();
    for (const line of text.split('\n'))
      if (line.startsWith(`${series} `)) total += Number(line.split(' ')[1]);
  }
  return total;
}

let cluster: TestCluster;
let dir: string;
let kubeconfig: string;
let stopInspector: () => void;
const inspected: StatelyInspectionEvent[] = [];

beforeAll(async () => {
  const port = await freePort();
  stopInspector = createInspectorServer({ port, autoOpen: false }).stop;
  await listening(port);
  createWebSocketReceiver({ server: `ws://127.0.0.1:${port}` }).subscribe((e) => {
    if (inspected.length < 10_000) inspected.push(e);
  });
  cluster = await startTestCluster({ workers: 2, env: { XSTATE_INSPECT: `ws://127.0.0.1:${port}` } });
  dir = await mkdtemp(join(tmpdir(), 'observability-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, cluster.cluster.adminKubeconfig);
});

afterAll(async () => {
  await cluster?.stop();
  stopInspector?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const kubectl = async (...args: string[]) =>
  (await promisify(execFile)('kubectl', ['--kubeconfig', kubeconfig, ...args])).stdout;

describe('a session’s life as operators see it', () => {
  test('start and stop: Events in kubectl describe, each stage histogram counted once, phase gauges, inspector', async () => {
    await cluster.createSession('watched', { displayName: 'Watched' });
    await cluster.waitForSession('watched', (s) => s.status?.phase === 'Running', 'Running');
    expect(await sample(cluster, 'ambient_sessions_in_phase{phase="Running"}')).toBeGreaterThanOrEqual(1);

    await cluster.annotate('watched', { 'ambient-code.io/desired-phase': 'Stopped' });
    await cluster.waitForSession('watched', (s) => s.status?.phase === 'Stopped', 'Stopped');

    const count = (stage: string) =>
      sample(cluster, `ambient_session_stage_duration_seconds_count{namespace="demo",stage="${stage}"}`);
    for (const stage of SESSION_STAGES) expect(await count(stage), stage).toBe(1);
    expect(await sample(cluster, 'ambient_queue_wait_duration_seconds_count')).toBeGreaterThan(0);
    // Each worker reports the same cluster-wide figure; the stopped session is in no phase set any more.
    for (const phase of ['Pending', 'Creating', 'Running', 'Stopping'])
      expect(await sample(cluster, `ambient_sessions_in_phase{phase="${phase}"}`), phase).toBe(0);

    const described = await eventually(
      () => kubectl('describe', 'agenticsession', 'watched', '-n', 'demo'),
      (text) => text.includes('UserStopped'),
      'the stop Events',
    );
    const events = described.slice(described.indexOf('Events:'));
    for (const reason of [
      'SessionCreated',
      'RunnerJobCreated',
      'RunnerStarted',
      'StopRequested',
      'UserStopped',
    ])
      expect(events).toMatch(
        new RegExp(`^\\s+Normal\\s+${reason}\\s+\\S+\\s+ambient-code\\.io/session-operator\\s+`, 'm'),
      );
    expect(events).toMatch(/Normal\s+RunnerStarted\s+.*Creating → Running/);

    // The table shows the phase and, with -o wide, the display name (printer columns).
    expect(await kubectl('get', 'as', 'watched', '-n', 'demo', '-o', 'wide')).toMatch(
      /^watched\s+Stopped\s+Watched\s+\d+[sm]\s+\d+[sm]$/m, // no llmSettings: MODEL is blank
    );

    // The inspector saw this session's reconciles: registered with the machine, OBSERVEs and snapshots.
    const mine = await eventually(
      () => Promise.resolve(inspected.filter((e) => e.sessionId === 'session:demo/watched')),
      (list) =>
        list.some((e) => e.type === '@xstate.snapshot' && JSON.stringify(e.snapshot).includes('"Stopped"')),
      'the inspector receiving the Stopped snapshot',
    );
    expect(mine.some((e) => e.type === '@xstate.actor')).toBe(true);
    expect(mine.filter((e) => e.type === '@xstate.event').length).toBeGreaterThanOrEqual(2);
  });

  test('a vanished runner is re-created with a Warning Event', async () => {
    await cluster.createSession('flaky');
    await cluster.waitForSession('flaky', (s) => s.status?.phase === 'Running', 'Running');
    await cluster.batch.deleteNamespacedJob({
      namespace: 'demo',
      name: 'flaky-runner',
      propagationPolicy: 'Background',
    });
    await cluster.waitForSession('flaky', (s) => (s.status?.runnerRecreations ?? 0) >= 1, 're-created');
    const described = await eventually(
      () => kubectl('describe', 'agenticsession', 'flaky', '-n', 'demo'),
      (text) => text.includes('RunnerRecreated'),
      'the RunnerRecreated Event',
    );
    expect(described).toMatch(/Warning\s+RunnerRecreated\s+.*the runner is re-created \(1 of 3\)/);
  });

  test('ProjectSettings: the default one created for the managed namespace has its Events', async () => {
    const described = await eventually(
      () => kubectl('describe', 'projectsettings', 'projectsettings', '-n', 'demo').catch(() => ''),
      (text) => /Normal\s+Created\s+/.test(text),
      'the ProjectSettings Created Event',
    );
    expect(described).toMatch(
      /Normal\s+Created\s+\S+\s+ambient-code\.io\/session-operator\s+created the default/,
    );
  });
});
