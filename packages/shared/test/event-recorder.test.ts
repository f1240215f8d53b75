import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import {
  createEventRecorder,
  createLogger,
  eventName,
  type EventRecorderOptions,
  type EventToRecord,
} from '@ambient-operator/shared';

const NS = 'events';
let sim: KubeSim;
let events: k8s.EventsV1Api;
let dir: string;
let kubeconfig: string;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  sim = await startKubeSim({ namespaces: [NS] });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  events = kc.makeApiClient(k8s.EventsV1Api);
  dir = await mkdtemp(join(tmpdir(), 'event-recorder-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, sim.kubeconfig);
});

afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function recorder(overrides: Partial<EventRecorderOptions> = {}) {
  return createEventRecorder({
    events,
    reportingController: 'ambient-code.io/session-operator',
    reportingInstance: 'worker-0',
    log,
    ...overrides,
  });
}

const session = (name: string) => ({
  apiVersion: 'vteam.ambient-code/v1alpha1',
  kind: 'AgenticSession',
  namespace: NS,
  name,
  uid: `uid-${name}`,
});

const creating = (name: string, note = 'runner Job created'): EventToRecord => ({
  regarding: session(name),
  type: 'Normal',
  reason: 'RunnerCreated',
  action: 'Transition',
  note,
});

async function listFor(name: string) {
  const list = await events.listNamespacedEvent({ namespace: NS, fieldSelector: `regarding.name=${name}` });
  return list.items;
}

describe('the EventRecorder (events.k8s.io/v1)', () => {
  it('records an Event with reportingController/Instance, MicroTime and the object it regards', async () => {
    await recorder().record(creating('one'));
    const [event, ...rest] = await listFor('one');
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      reportingController: 'ambient-code.io/session-operator',
      reportingInstance: 'worker-0',
      type: 'Normal',
      reason: 'RunnerCreated',
      action: 'Transition',
      note: 'runner Job created',
      regarding: { kind: 'AgenticSession', name: 'one', uid: 'uid-one' },
    });
    expect(event!.metadata!.name).toBe(eventName(creating('one')));
    expect(event!.series).toBeUndefined();
  });

  it('aggregates repeats from different workers into one series (count, lastObservedTime, latest note)', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const workerA = recorder({ reportingInstance: 'worker-a', now: () => clock });
    const workerB = recorder({ reportingInstance: 'worker-b', now: () => clock });
    await workerA.record(creating('two', 'first'));
    clock += 60_000;
    await workerB.record(creating('two', 'second'));
    clock += 60_000;
    // Concurrent repeats: the resourceVersion precondition makes the loser re-read, so none is lost.
    await Promise.all([workerA.record(creating('two', 'third')), workerB.record(creating('two', 'third'))]);
    const items = await listFor('two');
    expect(items).toHaveLength(1);
    expect(items[0]!.series).toMatchObject({ count: 4 });
    expect(new Date(items[0]!.series!.lastObservedTime).toISOString()).toBe('2026-01-01T00:02:00.000Z');
    expect(items[0]!.note).toBe('third');
    // A different reason for the same object is an Event of its own.
    await workerA.record({ ...creating('two'), type: 'Warning', reason: 'RunnerFailed', note: 'exit 1' });
    expect(await listFor('two')).toHaveLength(2);
  });

  it('rate-limits per object (burst, then one per refill period) without limiting other objects', async () => {
    let clock = 0;
    const limited = recorder({ now: () => clock, rateLimit: { burst: 3, refillEveryMs: 60_000 } });
    for (let i = 0; i < 10; i++) await limited.record(creating('hot', `loop ${i}`));
    expect((await listFor('hot'))[0]!.series?.count).toBe(3);
    await limited.record(creating('cold'));
    expect(await listFor('cold')).toHaveLength(1);
    clock += 60_000;
    await limited.record(creating('hot', 'a minute later'));
    await limited.record(creating('hot', 'dropped'));
    const [hot] = await listFor('hot');
    expect(hot!.series?.count).toBe(4);
    expect(hot!.note).toBe('a minute later');
  });

  it('remembers a bounded number of objects (least recently used forgotten first)', async () => {
    const bounded = recorder({ rateLimit: { burst: 1, refillEveryMs: 3_600_000 }, maxTrackedObjects: 2 });
    await bounded.record(creating('lru-a'));
    await bounded.record(creating('lru-b'));
    await bounded.record(creating('lru-a')); // limited: a is still tracked
    await bounded.record(creating('lru-c')); // evicts b, the least recently used
    await bounded.record(creating('lru-b')); // b starts with a full bucket again
    expect((await listFor('lru-a'))[0]!.series).toBeUndefined();
    expect((await listFor('lru-b'))[0]!.series?.count).toBe(2);
  });

  it('never throws: an unreachable API server or an aborted signal only drops the Event', async () => {
    const failing = recorder({
      events: {
        createNamespacedEvent: () => Promise.reject(new Error('connect ECONNREFUSED')),
        readNamespacedEvent: () => Promise.reject(new Error('unreachable')),
        patchNamespacedEvent: () => Promise.reject(new Error('unreachable')),
      },
    });
    await expect(failing.record(creating('x'))).resolves.toBeUndefined();
    const aborted = AbortSignal.abort();
    await recorder().record(creating('aborted'), aborted);
    expect(await listFor('aborted')).toEqual([]);
  });

  it('the core/v1 view kubectl describe lists carries the series count and the reporting controller', async () => {
    await recorder().record(creating('described', 'once'));
    await recorder().record(creating('described', 'twice'));
    const { stdout } = await promisify(execFile)('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'get',
      'events',
      '-n',
      NS,
      '--field-selector',
      'involvedObject.name=described',
      '-o',
      'custom-columns=REASON:.reason,COUNT:.series.count,FROM:.reportingComponent,MESSAGE:.message',
      '--no-headers',
    ]);
    expect(stdout.trim()).toMatch(/^RunnerCreated\s+2\s+ambient-code\.io\/session-operator\s+twice$/);
  });
});
