import type {
  V1ConfigMap,
  V1Container,
  V1EnvFromSource,
  V1Job,
  V1PodSecurityContext,
  V1PodSpec,
  V1Probe,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { RUNNER_RUN_START_TIME_ANNOTATION } from '@ambient-operator/machines';
import { resolveStateDir } from './agent-registry.js';
import { sessionOwnerReference } from './agentic-session.js';
import {
  K8S_TOKEN_KEY,
  runnerJobName,
  runnerServiceAccountName,
  runnerTokenSecretName,
} from '@ambient-operator/shared';
import { CONTAINER_NAMES, PLATFORM_NAMES, RUNNER_LABELS } from './names.js';
import { buildInitEnv, buildRunnerEnv, buildStateSyncEnv } from './runner-env.js';
import {
  DEFAULT_CLUSTER_CAPABILITIES,
  type RunnerBuildInput,
  type RunnerClusterCapabilities,
  type RunnerOperatorConfig,
  type StateSyncSidecarMode,
} from './runner-input.js';

// The runner: a batch/v1 Job `<n>-runner` (upstream creates a bare Pod; architecture §3 asks for a Job) whose
// pod follows contract §3.3, with the architecture's fixes:
// - backoffLimit 0 and a podFailurePolicy: exit code 2 of the runner (a failed prerequisite) fails the Job
//   at once with reason PodFailurePolicy, so the worker can tell it from a crash.
// - every container and the pod run restricted: runAsNonRoot, no privilege escalation, drop ALL,
//   seccomp RuntimeDefault (upstream had no runAsNonRoot nor seccomp, §10.13). Who picks the UID is a setting
//   (runnerPodIdentity): runAsNonRoot alone makes the kubelet refuse upstream's state-sync image (no USER)
//   wherever nothing assigns a UID, i.e. everywhere but OpenShift.
// - state-sync is a native sidecar where the cluster has them (see StateSyncSidecarMode).
// - spec.timeout is still not enforced (no activeDeadlineSeconds), as upstream: it is only the runner's
//   TIMEOUT env, and the idle timeout is the operator's stop mechanism. Enforcing it would kill sessions
//   that users expect to stay interactive.

/** Exit code by which the runner reports a prerequisite failure (fails the Job without retries). */
export const PREREQUISITE_FAILURE_EXIT_CODE = 2;

export const WORKSPACE_MOUNT_PATH = '/workspace';
export const VERTEX_MOUNT_PATH = '/app/vertex';
export const RUNNER_TOKEN_MOUNT_PATH = '/var/run/secrets/ambient';
export const TRUSTED_CA_MOUNT_PATH = '/etc/pki/tls/certs/ca-bundle.crt';

const STATE_SYNC_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '1000m', memory: '1Gi' },
};

// Copies credentials baked into the image to the writable workspace, where GOOGLE_MCP_CREDENTIALS_DIR points.
// It must never fail the container start, hence `|| true`.
const POST_START_COMMAND =
  'mkdir -p /workspace/.google_workspace_mcp/credentials && ' +
  'cp -r /app/.google_workspace_mcp/credentials/* /workspace/.google_workspace_mcp/credentials/ 2>/dev/null || true';

/**
 * The `trustedCaBundle` fact from the observed ConfigMap `trusted-ca-bundle` of the session namespace:
 * true only when it exists and has `ca-bundle.crt` in `data` or `binaryData`. Pass undefined when the
 * GET failed for any reason (NotFound or otherwise): the pod is then built without the bundle, as upstream.
 */
export function trustedCaBundlePresent(
  configMap: Pick<Wire<V1ConfigMap>, 'data' | 'binaryData'> | undefined,
): boolean {
  const key = PLATFORM_NAMES.trustedCaBundleKey;
  return configMap?.data?.[key] !== undefined || configMap?.binaryData?.[key] !== undefined;
}

/** The security context of every container: restricted Pod Security Standard. A new object per call. */
export function restrictedContainerSecurityContext(): Wire<V1SecurityContext> {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    // Playwright and the SDKs write temp files in the image filesystem.
    readOnlyRootFilesystem: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The runner pod's UID/GID, beyond runAsNonRoot; empty when the cluster assigns them. */
export interface RunnerPodIdentity {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
}

/**
 * `fixed-user` sets RUNNER_RUN_AS_USER (and RUNNER_RUN_AS_GROUP) on the pod, so every container, upstream's
 * root state-sync image included, runs as that non-root user (hydrate.sh hands the workspace to 1001, the
 * runner image's user). `cluster-assigned` sets none: OpenShift's restricted SCC assigns a UID from the
 * namespace's range and rejects any other. `auto` picks by the cluster.
 */
export function runnerPodIdentity(
  runner: RunnerOperatorConfig['runner'],
  cluster: RunnerClusterCapabilities,
): RunnerPodIdentity {
  const profile =
    runner.securityProfile === 'auto'
      ? cluster.openShift
        ? 'cluster-assigned'
        : 'fixed-user'
      : runner.securityProfile;
  if (profile === 'cluster-assigned') return {};
  return {
    runAsUser: runner.runAsUser,
    ...(runner.runAsGroup === undefined ? {} : { runAsGroup: runner.runAsGroup }),
  };
}

/** `STATE_SYNC_SIDECAR`, with `auto` decided by the server version. */
export function stateSyncSidecarMode(
  runner: RunnerOperatorConfig['runner'],
  cluster: RunnerClusterCapabilities,
): StateSyncSidecarMode {
  if (runner.stateSyncSidecar !== 'auto') return runner.stateSyncSidecar;
  return cluster.nativeSidecars ? 'native' : 'container';
}

function podSecurityContext(
  identity: RunnerPodIdentity,
  fsGroup: number | undefined,
): Wire<V1PodSecurityContext> {
  return {
    runAsNonRoot: true,
    ...identity,
    seccompProfile: { type: 'RuntimeDefault' },
    ...(fsGroup === undefined ? {} : { fsGroup, fsGroupChangePolicy: 'OnRootMismatch' }),
  };
}

function healthProbe(timing: {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
}): Wire<V1Probe> {
  return { httpGet: { path: '/health', port: 'agui' }, ...timing, failureThreshold: 3 };
}

function workspaceMounts(enabled: boolean, stateDir: string): Wire<V1VolumeMount>[] {
  if (!enabled) return [];
  return [
    { name: 'workspace', mountPath: WORKSPACE_MOUNT_PATH },
    { name: 'workspace', mountPath: `/app/${stateDir}`, subPath: stateDir },
  ];
}

/** Runner pod labels; also the Service selector and the NetworkPolicy target (app only). */
export function runnerPodLabels(session: string): Record<string, string> {
  return { [RUNNER_LABELS.sessionKey]: session, [RUNNER_LABELS.appKey]: RUNNER_LABELS.runnerApp };
}

export function buildRunnerPodSpec(input: RunnerBuildInput): Wire<V1PodSpec> {
  const { session, config, runtime, facts } = input;
  const cluster = input.cluster ?? DEFAULT_CLUSTER_CAPABILITIES;
  const name = session.metadata.name;
  const stateDir = resolveStateDir(runtime, session.spec.environmentVariables);
  const tokenSecret = facts.tokenSecretName ?? runnerTokenSecretName(name);
  const { workspaceVolume, initContainer, stateSyncSidecar } = runtime.components;
  const stateSyncImage = runtime.stateSyncImage ?? config.runner.stateSyncImage;
  const mountVertex = facts.copiedSecrets.vertex;

  const volumes: Wire<V1Volume>[] = [];
  if (workspaceVolume) volumes.push({ name: 'workspace', emptyDir: { sizeLimit: runtime.workspaceSize } });
  if (mountVertex) volumes.push({ name: 'vertex', secret: { secretName: PLATFORM_NAMES.vertexSecret } });
  volumes.push({
    name: 'runner-token',
    // Mounted rather than env, so the kubelet refreshes the token the worker rotates every 45 min.
    secret: { secretName: tokenSecret, items: [{ key: K8S_TOKEN_KEY, path: 'bot-token' }] },
  });
  // Appended after the others, as upstream's applyTrustedCABundle does.
  if (facts.trustedCaBundle) {
    volumes.push({ name: 'trusted-ca-bundle', configMap: { name: PLATFORM_NAMES.trustedCaBundleConfigMap } });
  }

  const runnerMounts: Wire<V1VolumeMount>[] = [...workspaceMounts(workspaceVolume, stateDir)];
  if (mountVertex) runnerMounts.push({ name: 'vertex', mountPath: VERTEX_MOUNT_PATH, readOnly: true });
  runnerMounts.push({ name: 'runner-token', mountPath: RUNNER_TOKEN_MOUNT_PATH, readOnly: true });
  if (facts.trustedCaBundle) {
    runnerMounts.push({
      name: 'trusted-ca-bundle',
      mountPath: TRUSTED_CA_MOUNT_PATH,
      subPath: PLATFORM_NAMES.trustedCaBundleKey,
      readOnly: true,
    });
  }

  const envFrom: Wire<V1EnvFromSource>[] = [];
  if (facts.integrationSecretExists) envFrom.push({ secretRef: { name: PLATFORM_NAMES.integrationSecret } });
  if (!config.vertex.enabled) envFrom.push({ secretRef: { name: PLATFORM_NAMES.runnerSecrets } });

  const runner: Wire<V1Container> = {
    name: CONTAINER_NAMES.runner,
    image: runtime.runnerImage ?? config.runner.image,
    imagePullPolicy: config.runner.imagePullPolicy,
    ports: [{ name: 'agui', containerPort: runtime.port, protocol: 'TCP' }],
    readinessProbe: healthProbe({ initialDelaySeconds: 3, periodSeconds: 5, timeoutSeconds: 2 }),
    livenessProbe: healthProbe({ initialDelaySeconds: 20, periodSeconds: 30, timeoutSeconds: 5 }),
    lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', POST_START_COMMAND] } } },
    resources: { requests: { ...runtime.resources.requests }, limits: { ...runtime.resources.limits } },
    ...(envFrom.length > 0 ? { envFrom } : {}),
    env: buildRunnerEnv(input),
    volumeMounts: runnerMounts,
    securityContext: restrictedContainerSecurityContext(),
  };

  const initContainers: Wire<V1Container>[] = [];
  if (initContainer) {
    initContainers.push({
      name: CONTAINER_NAMES.init,
      image: stateSyncImage,
      imagePullPolicy: config.runner.imagePullPolicy,
      command: ['/usr/local/bin/hydrate.sh'],
      env: buildInitEnv(input),
      volumeMounts: workspaceMounts(workspaceVolume, stateDir),
      securityContext: restrictedContainerSecurityContext(),
    });
  }
  const containers: Wire<V1Container>[] = [runner];
  if (stateSyncSidecar) {
    const native = stateSyncSidecarMode(config.runner, cluster) === 'native';
    const sidecar: Wire<V1Container> = {
      name: CONTAINER_NAMES.stateSync,
      image: stateSyncImage,
      imagePullPolicy: config.runner.imagePullPolicy,
      command: ['/usr/local/bin/sync.sh'],
      ...(native ? { restartPolicy: 'Always' } : {}),
      resources: {
        requests: { ...STATE_SYNC_RESOURCES.requests },
        limits: { ...STATE_SYNC_RESOURCES.limits },
      },
      env: buildStateSyncEnv(input),
      volumeMounts: workspaceMounts(workspaceVolume, stateDir),
      securityContext: restrictedContainerSecurityContext(),
    };
    // A native sidecar starts after init-hydrate, so it never syncs a workspace that is not hydrated yet.
    if (native) initContainers.push(sidecar);
    else containers.push(sidecar);
  }

  return {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: runtime.terminationGracePeriodSeconds,
    // Only MLflow's Kubernetes auth needs an API token in the pod; otherwise none is mounted.
    ...(facts.mlflowKubernetesAuth
      ? { serviceAccountName: runnerServiceAccountName(name), automountServiceAccountToken: true }
      : { automountServiceAccountToken: false }),
    securityContext: podSecurityContext(runnerPodIdentity(config.runner, cluster), config.runner.podFsGroup),
    volumes,
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers,
  };
}

/** The runner Job for one run of a session. */
export function buildRunnerJob(input: RunnerBuildInput): Wire<V1Job> {
  const { session, facts } = input;
  const name = session.metadata.name;
  // The run it is for, on the Job and on its pods (RUNNER_RUN_START_TIME_ANNOTATION): a Job left over from an earlier
  // run (restart) is told apart from the current one, from its pod alone where the Job is not read (observe.ts).
  const annotations = facts.runStartTime
    ? { annotations: { [RUNNER_RUN_START_TIME_ANNOTATION]: facts.runStartTime } }
    : {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: runnerJobName(name),
      namespace: session.metadata.namespace,
      labels: runnerPodLabels(name),
      ...annotations,
      ownerReferences: [sessionOwnerReference(session)],
    },
    spec: {
      backoffLimit: 0,
      podFailurePolicy: {
        rules: [
          {
            action: 'FailJob',
            onExitCodes: {
              containerName: CONTAINER_NAMES.runner,
              operator: 'In',
              values: [PREREQUISITE_FAILURE_EXIT_CODE],
            },
          },
        ],
      },
      template: {
        metadata: { labels: runnerPodLabels(name), ...annotations },
        spec: buildRunnerPodSpec(input),
      },
    },
  };
}
