// The reads of a session reconcile; observation-mapping.ts turns them into the machine's observation.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import {
  classifyRunner,
  isSessionPhase,
  isTerminalPhase,
  type SessionObservation,
} from '@ambient-operator/machines';
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
  type Wire,
} from '@ambient-operator/shared';
import { PLATFORM_NAMES, problemsConcerning, runnerTypeOf, type ResolvedS3Config } from './children/index.js';
import { readNamespaceSecret, resolveSessionS3 } from './commands/create-runner-job.js';
import { isLegacyRunnerPod, observeLegacyRunner } from './legacy-runner.js';
import { readOrNull } from './kube-ops.js';
import { readCurrent, recentKey } from './recent-reads.js';
import {
  jobOfLivePod,
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
 * anything the timeout or the token could decide), and the runner Job or its pods where the other decides alone
 * (runnerReadsOf).
 * An idle Running session costs a handful of GETs per wake-up, not a poll every 30 s.
 */
export async function observeSession(
  deps: WorkerDeps,
  resource: SessionResource,
  /** `readRunner`: read the runner Job and pods even where they are assumed absent. */
  options: { readRunner?: boolean } = {},
): Promise<SessionReadings> {
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
  const assumed = options.readRunner === true ? undefined : assumedRunner(status, stopRequested);
  const reads = assumed === undefined ? runnerReadsOf(phase, stopRequested) : 'none';
  const [{ job, pods }, tokenSecret] = await Promise.all([
    readRunner(deps, resource, reads),
    readsToken
      ? // The one this process wrote (its previous reconcile provisioned or refreshed it) or read a moment ago:
        // nothing but the operator writes it, and its deletion is noticed by the next reconcile that reads it.
        readNamespaceSecret(deps, namespace, annotations[RUNNER_TOKEN_SECRET] ?? runnerTokenSecretName(name))
      : needsToken
        ? null
        : undefined,
  ]);
  const { pod, legacyPod, runner: observed } = runnerOf(resource, job, pods);
  // The Job that a started run has, as that run created it.
  const runner =
    assumed === 'present'
      ? {
          job: {
            ...(status?.startTime ? { runStartTime: status.startTime } : {}),
            deleting: false,
            complete: false,
          },
          pod: null,
        }
      : observed;

  const needsRunnerSecret = starting;
  const runnerSecret = deps.config.vertex.enabled
    ? { name: VERTEX_SECRET_NAME, namespace: deps.config.namespaces.backend }
    : { name: RUNNER_SECRETS_NAME, namespace };
  const [runnerSecretRead, s3Source] = needsRunnerSecret
    ? await Promise.all([
        // Its presence decides whether the runner is built at all (SecretsReady). A presence the process's watch holds
        // is taken: what the API server had a moment ago (a deletion that close to the build is missed, as by a read
        // a moment earlier; the runner's container then waits for the Secret, its envFrom not optional). An absence
        // is confirmed live, so a session created right after its Secret is built at once. Never an earlier read's.
        readCurrent(
          deps.recentReads,
          recentKey('secrets', runnerSecret.namespace, runnerSecret.name),
          () => readOrNull(() => deps.api.core.readNamespacedSecret(runnerSecret)),
          (secret) => secret !== null,
        ),
        observeS3(deps, namespace),
      ])
    : [undefined, undefined];
  const runnerSecretPresent = runnerSecretRead !== null;

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
    ...(assumed !== undefined ? { runnerAssumed: assumed } : {}),
    tokenSecret: tokenSecret ?? null,
    ...(s3Source !== undefined ? { s3Source } : {}),
  };
}

/**
 * Where the runner is not read but assumed, as the status says it must be (runner-assumption.ts):
 * - `absent`: a session the operator never started (no startTime: its first status write sets one) has no runner
 *   yet; the plan creates the Job, whose AlreadyExists tells when that was wrong;
 * - `present`: a stop asked of a session in Creating or Running, whose run created its Job; the plan deletes it,
 *   whose NotFound tells when that was wrong.
 */
function assumedRunner(
  status: SessionResource['status'],
  stopRequested: boolean,
): 'absent' | 'present' | undefined {
  const phase = status?.phase;
  if ((phase === undefined || phase === 'Pending') && status?.startTime === undefined && !stopRequested)
    return 'absent';
  if ((phase === 'Creating' || phase === 'Running') && stopRequested) return 'present';
  return undefined;
}

/**
 * Which of the runner's objects a phase's decision can use:
 * - `both` (read together): starting a runner (Pending, a restart) is judged from the Job and its pod;
 * - `jobFirst`: a stop is asked for, or the phase is terminal: the runner is only removed. A Job that is there and not
 *   being deleted decides it alone (delete it, not gone yet), so its pods are listed only when it is gone or going;
 * - `podsFirst`: Creating or Running with no stop asked for (a wake-up of a starting or running runner, nearly always
 *   its pod's doing). The pods are listed first, and the Job is read only where no live pod of it tells what the Job
 *   would (jobOfLivePod);
 * - `pods`: Stopping waits for the runner's pods to go. Entering Stopping deleted the Job (or found none), and
 *   nothing creates one while a session stops (only Pending does), so only the pods are read; a Job that would
 *   linger all the same is the grace deadline's forced deletion's, and a terminal phase's reconcile deletes
 *   whatever is left.
 */
type RunnerReads = 'both' | 'jobFirst' | 'podsFirst' | 'pods' | 'none';

function runnerReadsOf(phase: string | undefined, stopRequested: boolean): RunnerReads {
  if (phase === 'Stopping') return 'pods';
  if (stopRequested || (isSessionPhase(phase) && isTerminalPhase(phase))) return 'jobFirst';
  if (phase === 'Creating' || phase === 'Running') return 'podsFirst';
  return 'both';
}

async function readRunner(
  deps: WorkerDeps,
  resource: SessionResource,
  reads: RunnerReads,
): Promise<{ job: Wire<V1Job> | null; pods: Wire<V1Pod>[] }> {
  const { namespace, name } = resource.metadata;
  const readJob = () =>
    readOrNull(() => deps.api.batch.readNamespacedJob({ namespace, name: runnerJobName(name) }));
  const listPods = async () =>
    (await deps.api.core.listNamespacedPod({ namespace, labelSelector: runnerPodSelector(name) })).items;
  if (reads === 'none') return { job: null, pods: [] };
  if (reads === 'pods') return { job: null, pods: await listPods() };
  if (reads === 'podsFirst') {
    const pods = await listPods();
    return { job: jobOfLivePod(pods, name) ?? (await readJob()), pods };
  }
  if (reads === 'jobFirst') {
    const job = await readJob();
    const going = job === null || job.metadata?.deletionTimestamp !== undefined;
    return { job, pods: going ? await listPods() : [] };
  }
  const [job, pods] = await Promise.all([readJob(), listPods()]);
  return { job, pods };
}

/** The runner's pod (ours, or the Go operator's adopted one) and the machine's view of the runner. */
function runnerOf(resource: SessionResource, job: Wire<V1Job> | null, pods: Wire<V1Pod>[]) {
  const pod = runnerPodOf(job, pods);
  const legacyPod =
    job === null && pod !== null && isLegacyRunnerPod(pod, resource.metadata.name) ? pod : null;
  const runner = legacyPod
    ? observeLegacyRunner(legacyPod, resource.status?.startTime)
    : observeRunner(job, pod);
  return { pod, legacyPod, runner };
}

/** Readings whose runner was assumed, with the runner Job and pods read after all. */
export async function withRunnerRead(
  deps: WorkerDeps,
  resource: SessionResource,
  readings: SessionReadings,
): Promise<SessionReadings> {
  const stopRequested = resource.metadata.annotations?.[DESIRED_PHASE] === 'Stopped';
  const { job, pods } = await readRunner(
    deps,
    resource,
    runnerReadsOf(resource.status?.phase, stopRequested),
  );
  const { pod, legacyPod, runner } = runnerOf(resource, job, pods);
  const { runnerAssumed: _, ...rest } = readings;
  return { ...rest, job, pod, legacyPod, observation: { ...readings.observation, runner } };
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
  const integration = await readNamespaceSecret(deps, namespace, PLATFORM_NAMES.integrationSecret);
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
