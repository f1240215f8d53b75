// The reads of a session reconcile; observation-mapping.ts turns them into the machine's observation.
import { classifyRunner, type SessionObservation } from '@ambient-operator/machines';
import {
  DESIRED_PHASE,
  RUNNER_SECRETS_NAME,
  RUNNER_TOKEN_SECRET,
  TOKEN_REFRESHED_AT,
  VERTEX_SECRET_NAME,
  runnerJobName,
  runnerPodSelector,
  runnerTokenSecretName,
  validateAgenticSession,
  type AgenticSession,
  type StoredAgenticSession,
} from '@ambient-operator/shared';
import { PLATFORM_NAMES, problemsConcerning, runnerTypeOf, type ResolvedS3Config } from './children/index.js';
import { resolveSessionS3 } from './commands/create-runner-job.js';
import { isLegacyRunnerPod, observeLegacyRunner } from './legacy-runner.js';
import { readOrNull } from './kube-ops.js';
import {
  observeAnnotations,
  observeRunner,
  runnerPodOf,
  toSpecValidation,
  type SessionReadings,
} from './observation-mapping.js';
import { readProjectSettings } from './project-settings.js';
import type { SessionResource } from './session-resource.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * Reads what the phase needs and turns it into one typed observation. Reads that only some phases
 * consult are skipped elsewhere: the runner secret and S3 settings (before a runner is built), the token
 * Secret (while a runner is being started or runs, once the session has a status), the ProjectSettings timeout
 * (Running, and Creating once the runner started; not when a stop is asked for: the machine honours a stop before
 * anything the timeout or the token could decide).
 * An idle Running session costs a handful of GETs per wake-up, not a poll every 30 s.
 */
export async function observeSession(deps: WorkerDeps, resource: SessionResource): Promise<SessionReadings> {
  const { namespace, name } = resource.metadata;
  const status = resource.status;
  const annotations = resource.metadata.annotations ?? {};
  const phase = status?.phase;
  const restartRequested = annotations[DESIRED_PHASE] === 'Running';
  const stopRequested = annotations[DESIRED_PHASE] === 'Stopped';
  const starting = phase === undefined || phase === 'Pending' || restartRequested;
  const runnerLive = (phase === 'Creating' || phase === 'Running') && !stopRequested;

  const validated = validateAgenticSession(resource.raw);
  const validation = toSpecValidation(name, validated.ok ? [] : validated.issues);
  const valid = validated.ok && validation.ok ? stored(validated.value, resource) : undefined;

  // Stopping and the terminal phases never provision or refresh the token: its Secret is not read there. Nor
  // for a session never written (no status): it has no token Secret yet, and provisioning is idempotent (an
  // existing one is kept), so the read would only confirm the absence.
  const needsToken = starting || runnerLive;
  const readsToken = needsToken && status !== undefined;
  const [job, pods, tokenSecret] = await Promise.all([
    readOrNull(() => deps.api.batch.readNamespacedJob({ namespace, name: runnerJobName(name) })),
    deps.api.core.listNamespacedPod({
      namespace,
      labelSelector: runnerPodSelector(name),
    }),
    readsToken
      ? readOrNull(() =>
          deps.api.core.readNamespacedSecret({
            namespace,
            name: annotations[RUNNER_TOKEN_SECRET] ?? runnerTokenSecretName(name),
          }),
        )
      : needsToken
        ? null
        : undefined,
  ]);
  const pod = runnerPodOf(job, pods.items);
  const legacyPod = job === null && pod !== null && isLegacyRunnerPod(pod, name) ? pod : null;

  const needsRunnerSecret = starting;
  const runnerSecret = deps.config.vertex.enabled
    ? { name: VERTEX_SECRET_NAME, namespace: deps.config.namespaces.backend }
    : { name: RUNNER_SECRETS_NAME, namespace };
  const [runnerSecretRead, s3Source] = needsRunnerSecret
    ? await Promise.all([
        readOrNull(() => deps.api.core.readNamespacedSecret(runnerSecret)),
        observeS3(deps, namespace),
      ])
    : [undefined, undefined];
  const runnerSecretPresent = runnerSecretRead !== null;

  const runner = legacyPod ? observeLegacyRunner(legacyPod, status?.startTime) : observeRunner(job, pod);
  // Only Running's deadline counts the timeout: in Creating, once this reconcile finds the runner started.
  const consultsTimeout =
    runnerLive && (phase === 'Running' || classifyRunner(runner, false).kind === 'started');
  const inactivityTimeoutSeconds = consultsTimeout
    ? await effectiveInactivityTimeout(deps, namespace, valid?.spec?.inactivityTimeout)
    : null;

  const refreshedAt = tokenSecret?.metadata?.annotations?.[TOKEN_REFRESHED_AT];
  const refreshedAtMs = refreshedAt === undefined ? Number.NaN : Date.parse(refreshedAt);

  const observation: SessionObservation = {
    nowMs: deps.now(),
    generation: resource.metadata.generation ?? 1,
    ...(resource.metadata.creationTimestamp
      ? { creationTimestamp: resource.metadata.creationTimestamp }
      : {}),
    annotations: observeAnnotations(annotations),
    validation,
    runnerSecret: { ...runnerSecret, present: runnerSecretPresent, vertex: deps.config.vertex.enabled },
    ...(valid !== undefined
      ? {
          specRepos: (valid.spec?.repos ?? []).map((repo) => ({
            url: repo.url,
            ...(repo.branch !== undefined ? { branch: repo.branch } : {}),
          })),
        }
      : {}),
    ...(s3Source !== undefined ? { s3: s3Observation(s3Source.resolved) } : {}),
    ...(needsRunnerSecret && valid !== undefined
      ? { configProblems: await configProblemsOf(deps, valid.spec) }
      : {}),
    // Not read (Stopping, terminal): nothing there consults it.
    token: {
      secretPresent: tokenSecret !== null && tokenSecret !== undefined,
      ...(Number.isFinite(refreshedAtMs) ? { refreshedAtMs } : {}),
    },
    inactivityTimeoutSeconds,
    runner,
  };
  return {
    observation,
    valid,
    job,
    pod,
    legacyPod,
    tokenSecret: tokenSecret ?? null,
    ...(s3Source !== undefined ? { s3Source } : {}),
  };
}

/** The validated CR with the identity it was read with: what the child builders take. */
function stored(session: AgenticSession, resource: SessionResource): StoredAgenticSession {
  return {
    ...session,
    metadata: { ...session.metadata, ...resource.metadata },
    spec: session.spec ?? {},
  };
}

/** What was skipped in the registry and the manifest that this session's runner would use. */
async function configProblemsOf(deps: WorkerDeps, spec: StoredAgenticSession['spec']): Promise<string[]> {
  const { registry, models } = await deps.configProblems();
  const model = spec.llmSettings?.model;
  return [
    ...problemsConcerning(registry, runnerTypeOf(spec)),
    // The manifest only gives the Vertex model id.
    ...(deps.config.vertex.enabled && model !== undefined ? problemsConcerning(models, model) : []),
  ].map((problem) => problem.message);
}

/** Session-state storage as the runner about to be built would have it, with the Secret it came from. */
async function observeS3(
  deps: WorkerDeps,
  namespace: string,
): Promise<NonNullable<SessionReadings['s3Source']>> {
  const integration = await readOrNull(() =>
    deps.api.core.readNamespacedSecret({ namespace, name: PLATFORM_NAMES.integrationSecret }),
  );
  return { integration, resolved: await resolveSessionS3(deps, integration) };
}

/** Whether session state can persist. */
function s3Observation(resolved: ResolvedS3Config): SessionObservation['s3'] {
  return resolved.configured ? { configured: true } : { configured: false, message: resolved.reason };
}

async function effectiveInactivityTimeout(
  deps: WorkerDeps,
  namespace: string,
  sessionValue: number | undefined,
): Promise<number | null> {
  if (sessionValue !== undefined) return sessionValue;
  const settings = await readProjectSettings(deps, namespace);
  return settings?.spec?.inactivityTimeoutSeconds ?? deps.config.controller.defaultInactivityTimeoutSeconds;
}
