import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { startKubeSim } from '@ambient-operator/kube-sim';
import { Kubectl, waitFor } from './helpers.js';

let sim: KubeSim;
let kubectl: Kubectl;

beforeAll(async () => {
  sim = await startKubeSim({});
  kubectl = await Kubectl.create(sim);
}, 30_000);

afterAll(async () => {
  await sim?.stop();
  await kubectl?.dispose();
});

const pod = (name: string, env: Record<string, string>, containers = ['main']) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default }
spec:
  restartPolicy: Never
  containers:
${containers
  .map(
    (c) => `    - name: ${c}
      image: busybox:1.36
      env: ${JSON.stringify(Object.entries(env).map(([name, value]) => ({ name, value })))}`,
  )
  .join('\n')}
`;

const phase = (name: string) => kubectl.ok(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']);

describe('kubectl logs against kube-sim', () => {
  it('prints the lines a container was scripted to print (SIM_LOG), then how it ended', async () => {
    await kubectl.ok(
      ['apply', '-f', '-'],
      pod('talker', {
        SIM_LOG: 'cloning repo\\nrunning prompt',
        SIM_RUN_SECONDS: '0.05',
        SIM_EXIT_CODE: '2',
      }),
    );
    await waitFor(async () => (await phase('talker')) === 'Failed', 'talker Failed');
    expect(await kubectl.ok(['logs', 'talker'])).toBe(
      [
        'kube-sim: container main started (image busybox:1.36)',
        'cloning repo',
        'running prompt',
        'kube-sim: exited with code 2 (Error)',
        '',
      ].join('\n'),
    );
    expect(await kubectl.ok(['logs', 'talker', '--tail=1'])).toBe('kube-sim: exited with code 2 (Error)\n');
    expect(await kubectl.ok(['logs', 'talker', '--timestamps'])).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000000Z kube-sim: container main started/,
    );
  });

  it('answers as the kubelet does for several containers without -c, and for a missing previous run', async () => {
    await kubectl.ok(['apply', '-f', '-'], pod('pair', {}, ['a', 'b']));
    await waitFor(async () => (await phase('pair')) === 'Running', 'pair Running');
    // kubectl picks the first container itself; the API answers 400 without one, as the kubelet does.
    const defaulted = await kubectl.run(['logs', 'pair']);
    expect(defaulted.stderr).toContain('Defaulted container "a" out of: a, b');
    expect(defaulted.stdout).toBe('kube-sim: container a started (image busybox:1.36)\n');
    const res = await fetch(`${sim.url}/api/v1/namespaces/default/pods/pair/log`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      message: 'a container name must be specified for pod pair, choose one of: [a b]',
    });
    expect(await kubectl.ok(['logs', 'pair', '-c', 'b'])).toBe(
      'kube-sim: container b started (image busybox:1.36)\n',
    );
    const previous = await kubectl.run(['logs', 'pair', '-c', 'b', '--previous']);
    expect(previous.stderr).toContain('previous terminated container "b" in pod "pair" not found');
  });
});
