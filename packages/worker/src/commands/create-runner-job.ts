import type { V1Secret } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import {
  PROJECT_SETTINGS_NAME,
  RUNNER_TOKEN_SECRET,
  runnerTokenSecretName,
  type StoredAgenticSession,
} from '@ambient-operator/shared';
import {
  PLATFORM_NAMES,
  buildRunnerCredentialsSecret,
  buildRunnerJob,
  decodeSecretData,
  needsMinioCredentials,
  resolveS3Config,
  resolveVertexModelId,
  runnerCredentialsSecretName,
  trustedCaBundlePresent,
  usesMlflowKubernetesAuth,
  type ResolvedS3Config,
  type RunnerClusterFacts,
} from '../children/index.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createIfAbsent } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import { projectSettingsOf, readProjectSettingsObject } from '../project-settings.js';
import { readRecent, recentKey } from '../recent-reads.js';
import { runnerJobExisted } from '../runner-assumption.js';
import { runtimeOf } from '../runner-runtime.js';
import type { CommandContext } from './command-context.js';
import { childSession } from './command-context.js';

/**
 * Creates the runner Job `<name>-runner` for this run, after the per-session credentials Secret its pod
 * references. Every cluster fact the pod spec depends on is read here, once per run (not per reconcile).
 */
export async function createRunnerJob(
  ctx: CommandContext,
  command: { isResume: boolean; runStartTime: string },
): Promise<void> {
  const { api, config, metrics } = ctx.deps;
  const session = childSession(ctx);
  const namespace = session.metadata.namespace;
  const started = performance.now();

  const facts = await gatherFacts(ctx, session, command);
  const credentials = buildRunnerCredentialsSecret({
    session,
    s3: facts.s3,
    googleOAuthClientSecret: config.runner.googleOAuthClientSecret,
  });
  await upsertSecret(ctx, credentials);

  const runtime = await runtimeOf(ctx.deps, session);
  const job = buildRunnerJob({ session, config, runtime, facts, cluster: ctx.deps.cluster });
  if (!(await createIfAbsent(() => api.batch.createNamespacedJob({ namespace, body: job }))))
    runnerJobExisted(ctx);
  metrics.podCreationDuration.observe({ namespace }, (performance.now() - started) / 1000);
}

async function gatherFacts(
  ctx: CommandContext,
  session: StoredAgenticSession,
  command: { isResume: boolean; runStartTime: string },
): Promise<RunnerClusterFacts> {
  const { api, config, modelsManifest } = ctx.deps;
  const namespace = session.metadata.namespace;
  // The copies copyPlatformSecrets made or found in this reconcile: live, so what was just copied is seen.
  const copied = (name: string) => readOrNull(() => api.core.readNamespacedSecret({ namespace, name }));
  const recent = ctx.deps.recentReads;

  // The observation of this reconcile read the integration Secret and resolved S3 from it already.
  const observed = ctx.readings.s3Source;
  const [integration, vertex, langfuse, mlflow, caBundle, settings] = await Promise.all([
    observed
      ? observed.integration
      : readNamespaceSecret(ctx.deps, namespace, PLATFORM_NAMES.integrationSecret),
    config.vertex.enabled ? copied(PLATFORM_NAMES.vertexSecret) : null,
    config.observability.langfuseEnabled ? copied(PLATFORM_NAMES.langfuseSecret) : null,
    config.observability.mlflowTracingEnabled ? copied(PLATFORM_NAMES.mlflowSecret) : null,
    readRecent(recent, recentKey('configmaps', namespace, PLATFORM_NAMES.trustedCaBundleConfigMap), () =>
      readOrNull(() =>
        api.core.readNamespacedConfigMap({ namespace, name: PLATFORM_NAMES.trustedCaBundleConfigMap }),
      ),
    ),
    // The project's MCP servers, baked into this run's pod. Not the inactivity timeout (observe.ts): a change to
    // ProjectSettings enqueues its sessions, whose reconciles must see it.
    readRecent(recent, recentKey('projectsettings', namespace, PROJECT_SETTINGS_NAME), () =>
      readProjectSettingsObject(ctx.deps, namespace),
    ).then((raw) => projectSettingsOf(ctx.deps, namespace, raw)),
  ]);

  const s3 = observed ? observed.resolved : await resolveSessionS3(ctx.deps, integration);
  const model = session.spec.llmSettings?.model;
  const vertexModelId =
    config.vertex.enabled && model ? resolveVertexModelId(await modelsManifest(), model) : undefined;

  return {
    integrationSecretExists: integration !== null,
    copiedSecrets: { vertex: vertex !== null, langfuse: langfuse !== null, mlflow: mlflow !== null },
    mlflowKubernetesAuth: mlflow ? usesMlflowKubernetesAuth(decodeSecretData(mlflow.data)) : false,
    trustedCaBundle: trustedCaBundlePresent(caBundle ?? undefined),
    s3,
    ...(settings?.spec?.mcpServers ? { projectMcpServers: settings.spec.mcpServers } : {}),
    isResume: command.isResume,
    ...(vertexModelId ? { vertexModelId } : {}),
    runStartTime: command.runStartTime,
    tokenSecretName:
      ctx.session.metadata.annotations?.[RUNNER_TOKEN_SECRET] ?? runnerTokenSecretName(session.metadata.name),
  };
}

/**
 * Session-state storage as upstream resolves it (contract §3.3) from the namespace's
 * `ambient-non-vertex-integrations` Secret (already read, or null), the operator's defaults and, when
 * needed, `minio-credentials` in BACKEND_NAMESPACE.
 */
export async function resolveSessionS3(
  deps: WorkerDeps,
  integration: Wire<V1Secret> | null,
): Promise<ResolvedS3Config> {
  const { config } = deps;
  const integrationSecretData = integration ? decodeSecretData(integration.data) : undefined;
  const s3Observation = { ...(integrationSecretData ? { integrationSecretData } : {}), defaults: config.s3 };
  const minio = needsMinioCredentials(s3Observation)
    ? await readNamespaceSecret(deps, config.namespaces.backend, PLATFORM_NAMES.minioCredentialsSecret)
    : null;
  return resolveS3Config({
    ...s3Observation,
    ...(minio ? { minioCredentialsData: decodeSecretData(minio.data) } : {}),
  });
}

/**
 * A Secret through the process's recent answers (recent-reads.ts): the platform Secrets a runner is built from (the
 * integration Secret, `minio-credentials`), which a burst of sessions in a namespace then reads once per process and
 * moment, and a session's token Secret, which its previous reconcile here wrote.
 */
export function readNamespaceSecret(
  deps: WorkerDeps,
  namespace: string,
  name: string,
): Promise<Wire<V1Secret> | null> {
  return readRecent(deps.recentReads, recentKey('secrets', namespace, name), () =>
    readOrNull(() => deps.api.core.readNamespacedSecret({ namespace, name })),
  );
}

/** The credentials Secret follows the current S3/OAuth settings on each run. */
async function upsertSecret(ctx: CommandContext, secret: Wire<V1Secret>): Promise<void> {
  const namespace = secret.metadata?.namespace ?? ctx.session.metadata.namespace;
  const name = secret.metadata?.name ?? runnerCredentialsSecretName(ctx.session.metadata.name);
  if (await createIfAbsent(() => ctx.deps.api.core.createNamespacedSecret({ namespace, body: secret })))
    return;
  await ctx.deps.api.core.replaceNamespacedSecret({ namespace, name, body: secret });
}
