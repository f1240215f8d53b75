import type { ConditionUpdate } from './conditions.js';
import { setCondition } from './conditions.js';
import type { RunnerVerdict } from './runner-verdict.js';
import type { ObserveEvent, SessionContext } from './session.context.js';
import { recreationDelayMs } from './session-deadlines.js';
import type { ReconciledRepo, SessionCondition } from './session-status.js';
import { parseTimestamp, toTimestamp } from './time.js';

/**
 * The status changes of each transition, as pure functions `(context, event) → partial context`.
 * The machine wraps them in `assign`; a field set to undefined is deleted from status.
 */
export type ContextUpdate = Partial<SessionContext>;

function withConditions(
  context: SessionContext,
  event: ObserveEvent,
  updates: ConditionUpdate[],
): ContextUpdate {
  let conditions: SessionCondition[] | undefined = context.conditions;
  for (const update of updates) {
    conditions = setCondition(
      conditions,
      { observedGeneration: event.observation.generation, ...update },
      event.observation.nowMs,
    );
  }
  return conditions === context.conditions ? {} : { conditions };
}

function now(event: ObserveEvent): string {
  return toTimestamp(event.observation.nowMs);
}

/** startTime of a new run: now, but always after the previous run's, because it names the run's Job. */
function nextRunStart(context: SessionContext, event: ObserveEvent): string {
  const previousMs = parseTimestamp(context.startTime);
  const nowMs = event.observation.nowMs;
  return toTimestamp(previousMs !== undefined && previousMs >= nowMs ? previousMs + 1 : nowMs);
}

/** None → Pending: the run starts now (contract row 1). */
export function startRun(_context: SessionContext, event: ObserveEvent): ContextUpdate {
  return { startTime: now(event) };
}

/** Pending → Creating: a run always has a startTime, which identifies its runner Job. */
export function ensureRunStart(context: SessionContext, event: ObserveEvent): ContextUpdate {
  return context.startTime === undefined ? { startTime: now(event) } : {};
}

/**
 * Terminal → Pending on `desired-phase=Running` (contract row 26, "Reset"): a new run with a
 * fresh startTime and a fresh re-creation budget.
 */
export function restartRun(context: SessionContext, event: ObserveEvent): ContextUpdate {
  return {
    startTime: nextRunStart(context, event),
    completionTime: undefined,
    lastActivityTime: undefined,
    stoppedReason: undefined,
    runnerRecreations: undefined,
    lastRunnerRecreationTime: undefined,
    ...withConditions(context, event, [
      { type: 'PodCreated', status: 'False', reason: 'PodMissing', message: 'Restart requested' },
      { type: 'RunnerStarted', status: 'False', reason: 'PodMissing', message: 'Restart requested' },
      { type: 'Ready', status: 'False', reason: 'Restarting', message: 'Restart requested' },
    ]),
  };
}

/** Creating/Running → Pending when the runner vanished: count it; the new runner waits out the backoff. */
export function recreateRun(
  context: SessionContext,
  event: ObserveEvent,
  verdict: RunnerVerdict,
): ContextUpdate {
  const n = (context.runnerRecreations ?? 0) + 1;
  const why = verdict.kind === 'vanished' ? verdict.message : 'The runner is gone';
  const delaySeconds = Math.round(recreationDelayMs(n, event.config) / 1000);
  return {
    startTime: nextRunStart(context, event),
    lastActivityTime: undefined,
    runnerRecreations: n,
    lastRunnerRecreationTime: now(event),
    ...withConditions(context, event, [
      { type: 'PodCreated', status: 'False', reason: 'PodMissing', message: why },
      { type: 'RunnerStarted', status: 'False', reason: 'PodMissing', message: why },
      {
        type: 'Ready',
        status: 'False',
        reason: 'RunnerRecreating',
        message: `${why}; re-creating it (${n}/${event.config.maxRunnerRecreations}) in ${delaySeconds}s`,
      },
    ]),
  };
}

/** Pending → Creating: the runner Job of this run was created (or found). */
export function markRunnerCreated(
  context: SessionContext,
  event: ObserveEvent,
  adopted: boolean,
): ContextUpdate {
  const { specRepos, s3, configProblems } = event.observation;
  const runnerConfig =
    configProblems === undefined
      ? []
      : [
          configProblems.length === 0
            ? { type: 'RunnerConfigured' as const, status: 'True' as const, reason: 'Configured' }
            : {
                type: 'RunnerConfigured' as const,
                status: 'False' as const,
                reason: 'DefaultsApplied',
                message: configProblems.join('; '),
              },
        ];
  // Upstream records the repos as reconciled when it builds the runner (they are cloned by init-hydrate),
  // not only after a spec sync while Running; the UI reads them.
  const repos =
    specRepos === undefined
      ? []
      : [
          {
            type: 'ReposReconciled' as const,
            status: 'True' as const,
            reason: specRepos.length === 0 ? 'NoRepos' : 'Reconciled',
          },
        ];
  const storage =
    s3 === undefined
      ? []
      : [
          s3.configured
            ? { type: 'S3Available' as const, status: 'True' as const, reason: 'Configured' }
            : {
                type: 'S3Available' as const,
                status: 'False' as const,
                reason: 'NotConfigured',
                message: `Session state will not persist: ${s3.message}`,
              },
        ];
  return {
    observedGeneration: event.observation.generation,
    ...(specRepos !== undefined
      ? { reconciledRepos: specRepos.map((repo) => reconciledRepo(repo, now(event))) }
      : {}),
    ...withConditions(context, event, [
      { type: 'SecretsReady', status: 'True', reason: 'AllRequiredSecretsFound' },
      ...repos,
      ...storage,
      ...runnerConfig,
      adopted
        ? { type: 'PodCreated', status: 'True', reason: 'PodExists', message: 'Runner job already exists' }
        : { type: 'PodCreated', status: 'True', reason: 'PodCreated', message: 'Runner job created' },
      { type: 'Ready', status: 'False', reason: 'Creating', message: 'Waiting for the runner to start' },
    ]),
  };
}

/** A repo as upstream records it when the runner is built: name from the URL, status Ready. */
function reconciledRepo(repo: { url: string; branch?: string }, at: string): ReconciledRepo {
  const name =
    repo.url
      .replace(/\/+$/, '')
      .split('/')
      .pop()
      ?.replace(/\.git$/, '') ?? '';
  return {
    url: repo.url,
    name,
    ...(repo.branch !== undefined ? { branch: repo.branch } : {}),
    status: 'Ready',
    clonedAt: at,
  };
}

export function markRunnerSecretMissing(context: SessionContext, event: ObserveEvent): ContextUpdate {
  const { name, namespace } = event.observation.runnerSecret;
  return withConditions(context, event, [
    {
      type: 'SecretsReady',
      status: 'False',
      reason: 'RunnerSecretMissing',
      message:
        namespace === undefined
          ? `Secret ${name} not found in the session namespace`
          : `Secret ${name} not found in namespace ${namespace}`,
    },
  ]);
}

/** Pending → Failed in Vertex mode without its secret, with upstream's instructions (contract row 6). */
export function markVertexSecretMissing(context: SessionContext, event: ObserveEvent): ContextUpdate {
  const { name, namespace = 'the backend namespace' } = event.observation.runnerSecret;
  return {
    completionTime: now(event),
    ...withConditions(context, event, [
      {
        type: 'SecretsReady',
        status: 'False',
        reason: 'VertexSecretMissing',
        message:
          `USE_VERTEX is enabled but ${name} secret not found in namespace ${namespace}. Create it with: ` +
          `kubectl create secret generic ${name} --from-file=ambient-code-key.json=/path/to/sa.json -n ${namespace}`,
      },
      {
        type: 'Ready',
        status: 'False',
        reason: 'VertexSecretMissing',
        message: `Vertex AI enabled but ${name} secret not found in namespace ${namespace}`,
      },
    ]),
  };
}

export function markWaitingForEarlierRunner(context: SessionContext, event: ObserveEvent): ContextUpdate {
  return withConditions(context, event, [
    {
      type: 'Ready',
      status: 'False',
      reason: 'PreviousRunnerTerminating',
      message: 'Waiting for the runner of an earlier run to be deleted',
    },
  ]);
}

/** Creating: mirror the pod's PodScheduled condition (contract row 18). */
export function markScheduling(context: SessionContext, event: ObserveEvent): ContextUpdate {
  const pod = event.observation.runner.pod;
  if (pod?.scheduled === undefined) return {};
  const scheduled = pod.scheduled;
  return withConditions(context, event, [
    scheduled.status === 'True'
      ? {
          type: 'PodScheduled',
          status: 'True',
          reason: 'Scheduled',
          message: pod.nodeName !== undefined ? `Scheduled on ${pod.nodeName}` : 'Scheduled',
        }
      : {
          type: 'PodScheduled',
          status: scheduled.status,
          reason: scheduled.reason ?? 'Unschedulable',
          ...(scheduled.message !== undefined ? { message: scheduled.message } : {}),
        },
  ]);
}

/** Creating → Running (contract row 13; startTime is not touched). */
export function markRunnerStarted(context: SessionContext, event: ObserveEvent): ContextUpdate {
  const pod = event.observation.runner.pod;
  return withConditions(context, event, [
    {
      type: 'PodScheduled',
      status: 'True',
      reason: 'Scheduled',
      message: pod?.nodeName !== undefined ? `Scheduled on ${pod.nodeName}` : 'Scheduled',
    },
    { type: 'RunnerStarted', status: 'True', reason: 'ContainerRunning' },
    { type: 'Ready', status: 'True', reason: 'Running' },
  ]);
}

/** → Completed / Failed because of how the runner ended, or because it could not be validated or kept alive. */
export function markFinished(
  context: SessionContext,
  event: ObserveEvent,
  reason: string,
  message: string,
): ContextUpdate {
  return {
    completionTime: now(event),
    ...withConditions(context, event, [{ type: 'Ready', status: 'False', reason, message }]),
  };
}

export function markInvalid(context: SessionContext, event: ObserveEvent): ContextUpdate {
  const validation = event.observation.validation;
  const issues = validation.ok ? [] : validation.issues;
  const reason = issues[0]?.reason ?? 'InvalidSpec';
  const message =
    issues.map((i) => (i.field !== undefined ? `${i.field}: ${i.message}` : i.message)).join('; ') ||
    'Invalid session';
  return {
    completionTime: now(event),
    ...withConditions(context, event, [
      { type: 'Reconciled', status: 'False', reason, message },
      { type: 'Ready', status: 'False', reason, message },
    ]),
  };
}

/** `stop-reason=inactivity` gives `inactivity`, anything else `user` (contract §2.3). */
export function stopReasonFromAnnotations(event: ObserveEvent): 'user' | 'inactivity' {
  return event.observation.annotations.stopReason === 'inactivity' ? 'inactivity' : 'user';
}

export function markStopping(
  context: SessionContext,
  event: ObserveEvent,
  reason: 'user' | 'inactivity',
): ContextUpdate {
  const message =
    reason === 'inactivity'
      ? `No activity for more than ${event.observation.inactivityTimeoutSeconds ?? 0}s; stopping the runner`
      : 'Stop requested; stopping the runner';
  return {
    stoppedReason: reason,
    ...withConditions(context, event, [{ type: 'Ready', status: 'False', reason: 'Stopping', message }]),
  };
}

/** → Stopped ("TransitionToStopped", contract §2.2). */
export function markStopped(context: SessionContext, event: ObserveEvent): ContextUpdate {
  const stoppedReason = context.stoppedReason ?? stopReasonFromAnnotations(event);
  const reason = stoppedReason === 'inactivity' ? 'InactivityTimeout' : 'UserStopped';
  const message =
    stoppedReason === 'inactivity' ? 'Session stopped after inactivity' : 'Session stopped by user';
  return {
    completionTime: now(event),
    stoppedReason,
    ...withConditions(context, event, [
      { type: 'Ready', status: 'False', reason, message },
      { type: 'PodCreated', status: 'False', reason, message },
      { type: 'RunnerStarted', status: 'False', reason, message },
    ]),
  };
}

export function markSpecSyncRequested(context: SessionContext, event: ObserveEvent): ContextUpdate {
  return withConditions(context, event, [
    {
      type: 'Reconciled',
      status: 'Unknown',
      reason: 'SpecSyncInProgress',
      message: `Applying generation ${event.observation.generation} to the runner`,
    },
  ]);
}

/** Running: record what the spec sync did; observedGeneration moves only when all of it succeeded. */
export function recordSpecSync(context: SessionContext, event: ObserveEvent): ContextUpdate {
  const sync = event.observation.specSync;
  if (sync === undefined) return {};
  const update: ContextUpdate = {};
  const conditions: ConditionUpdate[] = [];
  if (sync.repos.ok) {
    update.reconciledRepos = sync.repos.reconciled;
    conditions.push({
      type: 'ReposReconciled',
      status: 'True',
      reason: sync.repos.reconciled.length === 0 ? 'NoRepos' : 'Reconciled',
    });
  } else {
    conditions.push({
      type: 'ReposReconciled',
      status: 'False',
      reason: 'UpdateFailed',
      message: sync.repos.message,
    });
  }
  if (sync.workflow.ok) {
    update.reconciledWorkflow = sync.workflow.reconciled ?? undefined;
    conditions.push({
      type: 'WorkflowReconciled',
      status: 'True',
      reason: sync.workflow.reconciled === null ? 'NotConfigured' : 'Reconciled',
    });
  } else {
    conditions.push({
      type: 'WorkflowReconciled',
      status: 'False',
      reason: 'UpdateFailed',
      message: sync.workflow.message,
    });
  }
  if (sync.repos.ok && sync.workflow.ok) {
    update.observedGeneration = sync.generation;
    conditions.push({ type: 'Reconciled', status: 'True', reason: 'SpecApplied' });
  } else {
    const failed = !sync.repos.ok ? sync.repos : sync.workflow;
    const reason = !sync.repos.ok ? 'RepoReconciliationFailed' : 'WorkflowReconciliationFailed';
    conditions.push({
      type: 'Reconciled',
      status: 'False',
      reason,
      message: failed.ok ? undefined : failed.message,
    });
  }
  return { ...update, ...withConditions(context, event, conditions) };
}
