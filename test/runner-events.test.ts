import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { condition, eventually, startTestCluster, type TestCluster } from '@ambient-operator/testing';

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
