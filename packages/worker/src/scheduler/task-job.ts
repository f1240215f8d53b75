import type { V1Container, V1EnvVar, V1Job } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import {
  AGENT_TASK_KIND,
  AGENT_TASK_LABEL,
  SCHEDULER_API_VERSION,
  type AgentTaskSpec,
  type ImagePullPolicy,
} from '@ambient-operator/shared';
import { restrictedContainerSecurityContext } from '../children/index.js';

/** The task container's name (the worker reads its terminated state for the output). */
export const TASK_CONTAINER = 'agent';
/** Where the container writes its output (the API server's default path, stated for readers of the Job). */
export const TASK_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

export interface TaskJobInput {
  task: { name: string; namespace: string; uid: string };
  spec: AgentTaskSpec;
  jobName: string;
  /** The runner image setting (AMBIENT_CODE_RUNNER_IMAGE), used when the task names none. */
  defaultImage: string;
  imagePullPolicy: ImagePullPolicy;
}

/**
 * The Job of one AgentTask: `<task>-task`, one pod that is never retried (backoffLimit 0, restartPolicy
 * Never), ended by the Job controller at `activeDeadlineSeconds` = timeoutSeconds, restricted like our
 * runner pods, owned by the task (so deleting the task deletes it), the prompt and input in env.
 */
export function buildTaskJob(input: TaskJobInput): Wire<V1Job> {
  const { task, spec, jobName } = input;
  const labels = { [AGENT_TASK_LABEL]: task.name };
  const env: Wire<V1EnvVar>[] = [
    ...(spec.env ?? []).map((e) => ({ name: e.name, ...(e.value !== undefined ? { value: e.value } : {}) })),
    { name: 'AGENT_PROMPT', value: spec.prompt ?? '' },
    { name: 'AGENT_INPUT_JSON', value: JSON.stringify(spec.input ?? {}) },
  ];
  const container: Wire<V1Container> = {
    name: TASK_CONTAINER,
    image: spec.image ?? input.defaultImage,
    imagePullPolicy: input.imagePullPolicy,
    ...(spec.command !== undefined ? { command: spec.command } : {}),
    ...(spec.args !== undefined ? { args: spec.args } : {}),
    env,
    ...(spec.resources !== undefined ? { resources: quantities(spec.resources) } : {}),
    terminationMessagePath: TASK_TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: 'File',
    securityContext: restrictedContainerSecurityContext(),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: task.namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: SCHEDULER_API_VERSION,
          kind: AGENT_TASK_KIND,
          name: task.name,
          uid: task.uid,
          controller: true,
        },
      ],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: spec.timeoutSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          // A task talks to its model, not to the Kubernetes API.
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [container],
        },
      },
    },
  };
}

/** The CRD allows integer quantities (`cpu: 1`); the Pod API takes them as strings. */
function quantities(resources: NonNullable<AgentTaskSpec['resources']>) {
  const asStrings = (map: Record<string, string | number> | undefined) =>
    map === undefined ? undefined : Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]));
  const limits = asStrings(resources.limits);
  const requests = asStrings(resources.requests);
  return { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
}
