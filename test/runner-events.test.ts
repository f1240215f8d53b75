import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  clusterKindFromEnv,
  condition,
  eventually,
  reconcilesRun,
  requireSim,
  untilQuiet,
  startTestCluster,
  type TestCluster,
} from '@ambient-operator/testing';

// The UI's "Starting Session" panel: the backend lists core/v1 Events with `involvedObject.name=<name>-runner`
// (upstream GetSessionPodEvents). Our runner pod is `<name>-runner-xxxxx` (a Job's), so the worker mirrors
// its events onto the Job `<name>-runner` while the session starts.

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

/** What the backend asks the API for. */
const panelEvents = async (session: string) =>
  (
    await cluster.core.listNamespacedEvent({
      namespace: 'demo',
      fieldSelector: `involvedObject.name=${session}-runner`,
    })
  ).items;

describe("the UI's startup-events panel", () => {
  test('shows the runner pod’s scheduling and image-pull events under <name>-runner', async () => {
    await cluster.createSession('pull-fails', {
      environmentVariables: { SIM_TARGET_CONTAINER: 'ambient-code-runner', SIM_IMAGE_PULL: 'fail' },
    });
    const failed = await cluster.waitForSession('pull-fails', (s) => s.status?.phase === 'Failed', 'Failed');
    expect(condition(failed, 'Ready')?.reason).toMatch(/^(ErrImagePull|ImagePullBackOff)$/);
    const events = await eventually(
      () => panelEvents('pull-fails'),
      (items) => items.some((e) => e.reason === 'Failed' && /ErrImagePull/.test(e.message ?? '')),
      'the image pull failure in the panel',
    );
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Failed']));
    const pull = events.find((e) => e.reason === 'Failed')!;
    expect(pull).toMatchObject({
      type: 'Warning',
      involvedObject: { kind: 'Job', name: 'pull-fails-runner' },
    });
  });

  test.skipIf(clusterKindFromEnv() === 'real')(
    'a worker that mirrored a starting pod’s events does not list its mirrors again a moment later',
    async () => {
      const sim = requireSim(cluster);
      await cluster.createSession('slow-mirror', {
        environmentVariables: { SIM_TARGET_CONTAINER: 'ambient-code-runner', SIM_START_DELAY_MS: '8000' },
      });
      // The reconcile that saw the pod scheduled mirrored its events (and wrote PodScheduled).
      await cluster.waitForSession(
        'slow-mirror',
        (s) => s.status?.phase === 'Creating' && condition(s, 'PodScheduled')?.status === 'True',
        'PodScheduled in Creating',
      );
      await eventually(
        () => panelEvents('slow-mirror'),
        (items) => items.some((e) => e.reason === 'Scheduled'),
        'Scheduled in the panel',
      );
      const quiet = () => untilQuiet(sim, 10_000);
      const reconciles = () => reconcilesRun(cluster);
      // The follow-ups of the reconcile that mirrored (its own writes come back as events) must be over before
      // counting, or their reads count as the edit's.
      await quiet();
      const before = await reconciles();
      sim.resetRequestCounts();
      // A reconcile while the runner is still being created (an edit enqueues the key), by this cluster's one worker.
      await cluster.annotate('slow-mirror', { 'example.com/poke': 'while-creating' });
      await eventually(
        async () => ({
          n: await reconciles(),
          lists: sim.requestCount({ verb: 'list', resource: 'events' }),
        }),
        ({ n, lists }) => n > before && lists > 0,
        'a reconcile after the edit, mirroring',
      );
      // Its mirroring done.
      await quiet();
      const session = await cluster.getSession('slow-mirror');
      expect(session.status?.phase, 'still starting').toBe('Creating');
      // The pod's events, listed; the Job's mirrors are what this worker left (live, a second list).
      expect(
        sim.requestCount({ verb: 'list', resource: 'events' }),
        JSON.stringify(sim.requestCounts()),
      ).toBe(1);
      const names = (await panelEvents('slow-mirror')).map((e) => e.metadata?.name);
      expect(new Set(names).size).toBe(names.length);
    },
  );

  test('a normal start shows the pod’s events too, once each however often the worker reconciles', async () => {
    await cluster.createSession('starts');
    await cluster.waitForSession('starts', (s) => s.status?.phase === 'Running', 'Running');
    const events = await eventually(
      () => panelEvents('starts'),
      (items) => items.some((e) => e.reason === 'Scheduled'),
      'Scheduled in the panel',
    );
    const names = events.map((e) => e.metadata?.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
