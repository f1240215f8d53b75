import { describe, expect, test } from 'vitest';
import { buildTaskJob, TASK_CONTAINER } from '@ambient-operator/worker';

const input = {
  task: { name: 'answer', namespace: 'demo', uid: 'uid-1' },
  jobName: 'answer-task',
  defaultImage: 'quay.io/ambient_code/vteam_claude_runner:latest',
  imagePullPolicy: 'IfNotPresent' as const,
};

describe("an AgentTask's Job", () => {
  test('runs once, ends at timeoutSeconds, restricted, owned by the task, prompt and input in env', () => {
    const job = buildTaskJob({
      ...input,
      spec: {
        prompt: 'Six times seven?',
        input: { a: '6', b: '7' },
        env: [{ name: 'X', value: '1' }],
        timeoutSeconds: 90,
      },
    });
    expect(job.metadata).toMatchObject({
      name: 'answer-task',
      namespace: 'demo',
      labels: { 'scheduler.ambient-code.io/agent-task': 'answer' },
      ownerReferences: [
        {
          apiVersion: 'scheduler.ambient-code.io/v1alpha1',
          kind: 'AgentTask',
          name: 'answer',
          uid: 'uid-1',
          controller: true,
        },
      ],
    });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 90 });
    const pod = job.spec?.template.spec;
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(job.spec?.template.metadata?.labels).toEqual({ 'scheduler.ambient-code.io/agent-task': 'answer' });
    const [container] = pod?.containers ?? [];
    expect(container).toMatchObject({
      name: TASK_CONTAINER,
      image: input.defaultImage,
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      securityContext: {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      },
    });
    expect(container?.env).toEqual([
      { name: 'X', value: '1' },
      { name: 'AGENT_PROMPT', value: 'Six times seven?' },
      { name: 'AGENT_INPUT_JSON', value: '{"a":"6","b":"7"}' },
    ]);
  });

  test("the task's image, command, args and resources win; integer quantities become strings", () => {
    const job = buildTaskJob({
      ...input,
      spec: {
        image: 'agent:2',
        command: ['/agent'],
        args: ['--fast'],
        resources: { limits: { cpu: 2, memory: '1Gi' }, requests: { cpu: '500m' } },
        timeoutSeconds: 3600,
      },
    });
    expect(job.spec?.template.spec?.containers[0]).toMatchObject({
      image: 'agent:2',
      command: ['/agent'],
      args: ['--fast'],
      resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '500m' } },
      env: [
        { name: 'AGENT_PROMPT', value: '' },
        { name: 'AGENT_INPUT_JSON', value: '{}' },
      ],
    });
  });
});
