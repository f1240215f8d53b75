// One-shot requests (desired-phase=Stopped, desired-phase=Running) survive a 409 on the status write that acts
// on them. Found by the chaos suite's 409 storm: the annotation was consumed before the status write, the 409
// re-decided from an object without it, and the stop was lost (the session stayed Running).
import { afterAll, beforeAll, describe, test } from 'vitest';
import { requireSim, startTestCluster, type TestCluster } from '@ambient-operator/testing';

const DESIRED_PHASE = 'ambient-code.io/desired-phase';
const statusWrite = { status: 409, verb: 'patch', resource: 'agenticsessions/status' };

describe('one-shot annotations and a conflicting status write', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('a stop whose Stopping write meets a 409 still stops the session', async () => {
    await cluster.createSession('stop-409');
    await cluster.waitForSession('stop-409', (s) => s.status?.phase === 'Running', 'Running');
    // The next status write (the one entering Stopping) fails as if another writer got there first.
    requireSim(cluster).faults.failNext(statusWrite);
    await cluster.annotate('stop-409', { [DESIRED_PHASE]: 'Stopped' });
    await cluster.waitForSession(
      'stop-409',
      (s) => s.status?.phase === 'Stopped' && s.metadata.annotations?.[DESIRED_PHASE] === undefined,
      'Stopped, with the request consumed',
    );
  });

  test('a restart whose Pending write meets a 409 still restarts the session', async () => {
    await cluster.createSession('restart-409', {
      environmentVariables: {
        SIM_TARGET_CONTAINER: 'ambient-code-runner',
        SIM_RUN_SECONDS: '0.2',
        SIM_EXIT_CODE: '0',
      },
    });
    const completed = await cluster.waitForSession(
      'restart-409',
      (s) => s.status?.phase === 'Completed',
      'Completed',
    );
    requireSim(cluster).faults.failNext(statusWrite);
    await cluster.annotate('restart-409', { [DESIRED_PHASE]: 'Running' });
    await cluster.waitForSession(
      'restart-409',
      (s) =>
        s.status?.startTime !== completed.status?.startTime &&
        s.metadata.annotations?.[DESIRED_PHASE] === undefined,
      'a new run, with the request consumed',
    );
  });
});
