import type { V1Container, V1Job, V1PodSpec } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { describe, expect, test } from 'vitest';
import {
  buildRunnerJob,
  buildRunnerPodSpec,
  parseAgentRegistry,
  trustedCaBundlePresent,
  type RunnerBuildInput,
} from '../../src/children/index.js';
import {
  S3_ACCESS_KEY,
  S3_SECRET_KEY,
  VERTEX_ON,
  sampleConfig,
  sampleFacts,
  sampleInput,
  sampleSession,
} from '../fixtures/children-inputs.js';
import { toWire } from '../fixtures/client-model.js';

const allContainers = (spec: Wire<V1PodSpec>): Wire<V1Container>[] => [
  ...(spec.initContainers ?? []),
  ...spec.containers,
];
const container = (spec: Wire<V1PodSpec>, name: string): Wire<V1Container> => {
  const found = allContainers(spec).find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
};
const podSpecOf = (job: Wire<V1Job>): Wire<V1PodSpec> => {
  const spec = job.spec?.template.spec;
  if (!spec) throw new Error('job without pod spec');
  return spec;
};

/** The representative session of the golden file: Vertex on, observability on, trusted CA present. */
function goldenInput(): RunnerBuildInput {
  return sampleInput({
    config: sampleConfig({ vertex: VERTEX_ON, runner: { ...sampleConfig().runner, podFsGroup: 1001 } }),
    facts: sampleFacts({
      copiedSecrets: { vertex: true, langfuse: true, mlflow: false },
      trustedCaBundle: true,
      projectMcpServers: { disabled: ['github'] },
      vertexModelId: 'claude-sonnet-4-6@20260101',
      isResume: true,
    }),
  });
}

describe('runner Job', () => {
  test('golden file: a full Job for a representative session (regenerate deliberately with vitest -u)', async () => {
    await expect(`${JSON.stringify(buildRunnerJob(goldenInput()), null, 2)}\n`).toMatchFileSnapshot(
      '../fixtures/runner-job.golden.json',
    );
  });

  test('same input → identical JSON', () => {
    expect(JSON.stringify(buildRunnerJob(goldenInput()))).toBe(JSON.stringify(buildRunnerJob(goldenInput())));
  });

  test('every field is known to the client model (the typed API would drop unknown ones)', () => {
    const job = buildRunnerJob(goldenInput());
    expect(toWire(job, 'V1Job')).toEqual(JSON.parse(JSON.stringify(job)));
  });

  test('name, labels, run annotation and the session as controller owner without blockOwnerDeletion', () => {
    const job = buildRunnerJob(sampleInput());
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.metadata).toEqual({
      name: 'fix-login-bug-runner',
      namespace: 'team-a',
      labels: { 'agentic-session': 'fix-login-bug', app: 'ambient-code-runner' },
      annotations: { 'ambient-code.io/run-start-time': '2026-08-17T10:00:00Z' },
      ownerReferences: [
        {
          apiVersion: 'vteam.ambient-code/v1alpha1',
          kind: 'AgenticSession',
          name: 'fix-login-bug',
          uid: '6f1c2d7e-0b7a-4c55-9a43-2f7f1c0e9b11',
          controller: true,
        },
      ],
    });
    expect(job.spec?.template.metadata?.labels).toEqual({
      'agentic-session': 'fix-login-bug',
      app: 'ambient-code-runner',
    });
    const withoutStart = buildRunnerJob(sampleInput({ facts: sampleFacts({ runStartTime: undefined }) }));
    expect(withoutStart.metadata?.annotations).toBeUndefined();
  });

  test('no retries; exit code 2 of the runner fails the Job; restartPolicy Never; no deadline', () => {
    const job = buildRunnerJob(sampleInput());
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.podFailurePolicy).toEqual({
      rules: [
        {
          action: 'FailJob',
          onExitCodes: { containerName: 'ambient-code-runner', operator: 'In', values: [2] },
        },
      ],
    });
    expect(podSpecOf(job).restartPolicy).toBe('Never');
    expect(job.spec?.activeDeadlineSeconds).toBeUndefined();
    expect(podSpecOf(job).activeDeadlineSeconds).toBeUndefined();
  });

  test('every container and the pod run restricted', () => {
    for (const input of [goldenInput(), sampleInput({ registry: undefined })]) {
      const spec = buildRunnerPodSpec(input);
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(allContainers(spec).map((c) => c.name)).toEqual([
        'init-hydrate',
        'state-sync',
        'ambient-code-runner',
      ]);
      for (const c of allContainers(spec)) {
        expect(c.securityContext).toEqual({
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
      }
    }
  });

  test('fsGroup with OnRootMismatch only when POD_FSGROUP is set', () => {
    expect(buildRunnerPodSpec(goldenInput()).securityContext).toMatchObject({
      fsGroup: 1001,
      fsGroupChangePolicy: 'OnRootMismatch',
    });
    expect(buildRunnerPodSpec(sampleInput()).securityContext).not.toHaveProperty('fsGroup');
  });

  test('volumes and the runner mounts (upstream trusted-CA tests: appended after the existing mounts)', () => {
    const spec = buildRunnerPodSpec(goldenInput());
    expect(spec.volumes).toEqual([
      { name: 'workspace', emptyDir: { sizeLimit: '20Gi' } },
      { name: 'vertex', secret: { secretName: 'ambient-vertex' } },
      {
        name: 'runner-token',
        secret: {
          secretName: 'ambient-runner-token-fix-login-bug',
          items: [{ key: 'k8s-token', path: 'bot-token' }],
        },
      },
      { name: 'trusted-ca-bundle', configMap: { name: 'trusted-ca-bundle' } },
    ]);
    expect(container(spec, 'ambient-code-runner').volumeMounts).toEqual([
      { name: 'workspace', mountPath: '/workspace' },
      { name: 'workspace', mountPath: '/app/.claude', subPath: '.claude' },
      { name: 'vertex', mountPath: '/app/vertex', readOnly: true },
      { name: 'runner-token', mountPath: '/var/run/secrets/ambient', readOnly: true },
      {
        name: 'trusted-ca-bundle',
        mountPath: '/etc/pki/tls/certs/ca-bundle.crt',
        subPath: 'ca-bundle.crt',
        readOnly: true,
      },
    ]);
    for (const name of ['init-hydrate', 'state-sync']) {
      expect(container(spec, name).volumeMounts).toEqual([
        { name: 'workspace', mountPath: '/workspace' },
        { name: 'workspace', mountPath: '/app/.claude', subPath: '.claude' },
      ]);
    }
  });

  test('trusted CA fact (upstream tests): present with the key in data or binaryData; absent, key missing or GET failed → no', () => {
    expect(trustedCaBundlePresent({ data: { 'ca-bundle.crt': '--- fake CA data ---' } })).toBe(true);
    expect(trustedCaBundlePresent({ binaryData: { 'ca-bundle.crt': 'LS0t' } })).toBe(true);
    expect(trustedCaBundlePresent({ data: { 'wrong-key.pem': '--- fake CA data ---' } })).toBe(false);
    expect(trustedCaBundlePresent({})).toBe(false);
    expect(trustedCaBundlePresent(undefined)).toBe(false);
  });

  test('without the trusted CA ConfigMap (absent, key missing) or the Vertex copy, nothing of them is added', () => {
    const spec = buildRunnerPodSpec(sampleInput());
    const volumeNames = spec.volumes?.map((v) => v.name);
    expect(volumeNames).toEqual(['workspace', 'runner-token']);
    const mountNames = container(spec, 'ambient-code-runner').volumeMounts?.map((m) => m.name);
    expect(mountNames).toEqual(['workspace', 'workspace', 'runner-token']);
  });

  test('every mount refers to an existing volume, for every component combination', () => {
    const combos = [
      { persistence: 's3', seed: { cloneRepos: true, hydrateState: true } },
      { persistence: 'none', seed: { cloneRepos: false, hydrateState: true } },
      { persistence: 'none', seed: { cloneRepos: false, hydrateState: false } },
      { persistence: 's3', seed: { cloneRepos: false, hydrateState: false } },
    ];
    for (const sandbox of combos) {
      const registry = parseAgentRegistry(JSON.stringify([{ id: 'claude-agent-sdk', sandbox }]));
      const input = sampleInput({ registry });
      const spec = buildRunnerPodSpec(input);
      const volumes = new Set(spec.volumes?.map((v) => v.name));
      for (const c of allContainers(spec)) {
        for (const mount of c.volumeMounts ?? []) expect(volumes.has(mount.name)).toBe(true);
      }
    }
  });

  test('components follow the registry: no init, no sidecar, no workspace with persistence none and no seed', () => {
    const registry = parseAgentRegistry(
      JSON.stringify([{ id: 'claude-agent-sdk', sandbox: { persistence: 'none' } }]),
    );
    const spec = buildRunnerPodSpec(sampleInput({ registry }));
    expect(spec.initContainers).toBeUndefined();
    expect(spec.containers.map((c) => c.name)).toEqual(['ambient-code-runner']);
    expect(spec.volumes?.map((v) => v.name)).toEqual(['runner-token']);
  });

  test('state-sync is a native sidecar after init-hydrate, or an ordinary container before Kubernetes 1.29 or on request', () => {
    const native = buildRunnerPodSpec(sampleInput());
    expect(native.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['init-hydrate', undefined],
      ['state-sync', 'Always'],
    ]);
    const oldCluster = { nativeSidecars: false, openShift: false };
    const asContainer = (spec: ReturnType<typeof buildRunnerPodSpec>) => {
      expect(spec.initContainers?.map((c) => c.name)).toEqual(['init-hydrate']);
      expect(spec.containers.map((c) => [c.name, c.restartPolicy])).toEqual([
        ['ambient-code-runner', undefined],
        ['state-sync', undefined],
      ]);
    };
    asContainer(buildRunnerPodSpec({ ...sampleInput(), cluster: oldCluster }));
    const setting = (stateSyncSidecar: 'native' | 'container') =>
      sampleConfig({ runner: { ...sampleConfig().runner, stateSyncSidecar } });
    asContainer(buildRunnerPodSpec(sampleInput({ config: setting('container') })));
    // The setting wins over detection both ways.
    const forced = buildRunnerPodSpec({ ...sampleInput({ config: setting('native') }), cluster: oldCluster });
    expect(forced.initContainers?.map((c) => c.name)).toEqual(['init-hydrate', 'state-sync']);
  });

  test('the pod runs as RUNNER_RUN_AS_USER where nothing assigns a UID, and as the cluster assigns on OpenShift', () => {
    const withRunner = (runner: Partial<ReturnType<typeof sampleConfig>['runner']>) =>
      sampleInput({ config: sampleConfig({ runner: { ...sampleConfig().runner, ...runner } }) });
    const podContext = (input: ReturnType<typeof sampleInput>, openShift = false) =>
      buildRunnerPodSpec({ ...input, cluster: { nativeSidecars: true, openShift } }).securityContext;
    // auto: vanilla Kubernetes (kind, upstream's e2e) gets a numeric user, so the root state-sync image starts.
    expect(podContext(withRunner({}))).toEqual({
      runAsNonRoot: true,
      runAsUser: 1001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // auto on OpenShift: no runAsUser (the restricted SCC rejects a UID outside the namespace range).
    expect(podContext(withRunner({}), true)).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(podContext(withRunner({ securityProfile: 'cluster-assigned' }))).not.toHaveProperty('runAsUser');
    expect(
      podContext(
        withRunner({ securityProfile: 'fixed-user', runAsUser: 2000, runAsGroup: 0, podFsGroup: 0 }),
        true,
      ),
    ).toEqual({
      runAsNonRoot: true,
      runAsUser: 2000,
      runAsGroup: 0,
      seccompProfile: { type: 'RuntimeDefault' },
      fsGroup: 0,
      fsGroupChangePolicy: 'OnRootMismatch',
    });
    // Whatever the profile, every container stays restricted.
    for (const profile of ['auto', 'fixed-user', 'cluster-assigned'] as const) {
      for (const c of allContainers(buildRunnerPodSpec(withRunner({ securityProfile: profile })))) {
        expect(c.securityContext).toMatchObject({
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
      }
    }
  });

  test('runner container: image, port, probes, postStart, resources', () => {
    const runner = container(buildRunnerPodSpec(sampleInput()), 'ambient-code-runner');
    expect(runner.image).toBe('quay.io/ambient_code/ambient_runner:v1.2.3');
    expect(runner.imagePullPolicy).toBe('IfNotPresent');
    expect(runner.ports).toEqual([{ name: 'agui', containerPort: 8001, protocol: 'TCP' }]);
    expect(runner.readinessProbe).toEqual({
      httpGet: { path: '/health', port: 'agui' },
      initialDelaySeconds: 3,
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    expect(runner.livenessProbe).toEqual({
      httpGet: { path: '/health', port: 'agui' },
      initialDelaySeconds: 20,
      periodSeconds: 30,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(runner.lifecycle?.postStart?.exec?.command?.[2]).toContain(
      'cp -r /app/.google_workspace_mcp/credentials/* /workspace/.google_workspace_mcp/credentials/',
    );
    expect(runner.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { cpu: '2', memory: '4Gi' },
    });
  });

  test('operator images, default port and resources apply without a registry', () => {
    const spec = buildRunnerPodSpec(sampleInput({ registry: undefined }));
    const runner = container(spec, 'ambient-code-runner');
    expect(runner.image).toBe('quay.io/ambient_code/vteam_claude_runner:latest');
    expect(runner.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { cpu: '2000m', memory: '8Gi' },
    });
    expect(container(spec, 'init-hydrate').image).toBe('quay.io/ambient_code/vteam_state_sync:latest');
    expect(container(spec, 'state-sync').image).toBe('quay.io/ambient_code/vteam_state_sync:latest');
    expect(container(spec, 'state-sync').resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '1000m', memory: '1Gi' },
    });
    expect(spec.terminationGracePeriodSeconds).toBe(60);
    expect(spec.volumes?.[0]).toEqual({ name: 'workspace', emptyDir: { sizeLimit: '10Gi' } });
  });

  test('a registry port flows into containerPort and AGUI_PORT', () => {
    const registry = parseAgentRegistry(
      JSON.stringify([{ id: 'claude-agent-sdk', container: { port: 9100 } }]),
    );
    const runner = container(buildRunnerPodSpec(sampleInput({ registry })), 'ambient-code-runner');
    expect(runner.ports?.[0]?.containerPort).toBe(9100);
    expect(runner.env?.find((e) => e.name === 'AGUI_PORT')?.value).toBe('9100');
  });

  test('the state dir from RUNNER_STATE_DIR moves the subPath mount in every container', () => {
    const base = sampleSession();
    const session = { ...base, spec: { ...base.spec, environmentVariables: { RUNNER_STATE_DIR: '.agent' } } };
    const spec = buildRunnerPodSpec(sampleInput({ session }));
    for (const c of allContainers(spec)) {
      expect(c.volumeMounts?.[1]).toEqual({ name: 'workspace', mountPath: '/app/.agent', subPath: '.agent' });
    }
  });

  test('envFrom: integrations when present, runner secrets only with Vertex off', () => {
    const envFrom = (input: RunnerBuildInput): unknown =>
      container(buildRunnerPodSpec(input), 'ambient-code-runner').envFrom;
    expect(envFrom(sampleInput())).toEqual([
      { secretRef: { name: 'ambient-non-vertex-integrations' } },
      { secretRef: { name: 'ambient-runner-secrets' } },
    ]);
    expect(envFrom(sampleInput({ facts: sampleFacts({ integrationSecretExists: false }) }))).toEqual([
      { secretRef: { name: 'ambient-runner-secrets' } },
    ]);
    expect(
      envFrom(
        sampleInput({
          config: sampleConfig({ vertex: VERTEX_ON }),
          facts: sampleFacts({ integrationSecretExists: false }),
        }),
      ),
    ).toBeUndefined();
  });

  test('no API token in the pod unless MLflow uses Kubernetes auth, then the session SA', () => {
    expect(buildRunnerPodSpec(sampleInput())).toMatchObject({ automountServiceAccountToken: false });
    expect(buildRunnerPodSpec(sampleInput())).not.toHaveProperty('serviceAccountName');
    expect(
      buildRunnerPodSpec(sampleInput({ facts: sampleFacts({ mlflowKubernetesAuth: true }) })),
    ).toMatchObject({
      serviceAccountName: 'ambient-session-fix-login-bug',
      automountServiceAccountToken: true,
    });
  });

  test('no secret value appears anywhere in the Job', () => {
    const text = JSON.stringify(buildRunnerJob(goldenInput()));
    for (const secret of [S3_ACCESS_KEY, S3_SECRET_KEY, 'GOCSPX-oauth-secret-value']) {
      expect(text).not.toContain(secret);
    }
  });

  test('the registry runtime is chosen by RUNNER_TYPE', () => {
    const base = sampleSession();
    const session = { ...base, spec: { ...base.spec, environmentVariables: { RUNNER_TYPE: 'gemini-cli' } } };
    const input = sampleInput({ session });
    const runner = container(buildRunnerPodSpec(input), 'ambient-code-runner');
    expect(runner.image).toBe('quay.io/ambient_code/gemini_runner:v1.2.3');
    expect(runner.volumeMounts?.[1]).toEqual({
      name: 'workspace',
      mountPath: '/app/.gemini',
      subPath: '.gemini',
    });
  });
});
