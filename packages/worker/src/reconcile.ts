import {
  applyStatusPatch,
  decide,
  type Decision,
  type SessionCommand,
  type SpecSyncResult,
} from '@ambient-operator/machines';
import { CommandFailedError, reportCommandFailure } from './command-failure.js';
import {
  MANAGED_LABEL,
  MANAGED_LABEL_VALUE,
  parseKey,
  type ReconcileOutcome,
} from '@ambient-operator/shared';
import { executeCommand, type CommandContext } from './commands/index.js';
import { adoptLegacyService } from './legacy-runner.js';
import { mirrorRunnerPodEvents } from './runner-events.js';
import { observeSession, readOrNull } from './observe.js';
import { recordTransitions } from './record-transitions.js';
import { readSession } from './session-resource.js';
import { composeMergePatches } from './status-patch.js';
import type { WorkerDeps } from './worker-deps.js';
import { writeStatusRecomputing } from './write-status.js';

/** What a reconcile did, for the caller's log line and metrics labels. */
export interface ReconcileReport extends ReconcileOutcome {
  /** Phase before this reconcile ('' when the session is gone or was skipped). */
  phase: string;
  decision?: Decision;
}

/** Filled in as the reconcile goes, so a failure can still be labelled with the phase it happened in. */
export interface ReconcileTrace {
  phase?: string;
}

/**
 * One level-based reconcile of a session key: read the CR and its children, let the machine decide,
 * execute its commands idempotently, write status with optimistic concurrency, count what was written,
 * and ask to be woken at the machine's next deadline.
 */
export async function reconcile(
  key: string,
  deps: WorkerDeps,
  trace: ReconcileTrace = {},
): Promise<ReconcileReport> {
  const ref = parseKey(key);
  const session = await readSession(deps, ref);
  // Gone or going: children follow through their ownerReferences (GC).
  if (session === null || session.metadata.deletionTimestamp) return { phase: '' };
  if (!(await namespaceIsManaged(deps, ref.namespace))) {
    deps.log.debug({ key }, 'namespace not managed; skipped');
    return { phase: '' };
  }

  const readings = await observeSession(deps, session);
  const ctx: CommandContext = { deps, session, readings, resourceVersion: session.metadata.resourceVersion };
  // Cutover: the Go operator's runner pod is this run's runner; its pod-owned Service becomes the session's.
  if (readings.legacyPod !== null && readings.valid !== undefined) await adoptLegacyService(ctx);
  // The UI's start-up panel lists events of `<name>-runner`: our runner pod's carry the Job's suffix.
  if (session.status?.phase === 'Creating') await mirrorRunnerPodEvents(ctx);
  const phase = session.status?.phase ?? '';
  trace.phase = phase || 'Pending';
  let decision = decide({ status: session.status, observation: readings.observation, config: deps.machine });
  const executed: SessionCommand[] = [];
  // One-shot annotations (desired-phase, …) are consumed only once the status acting on them is written:
  // consumed first, a 409 on that write would re-decide from an object without them and lose the request.
  let consumed = decision.commands.filter(isConsumeAnnotations);

  for (const command of decision.commands) {
    if (isConsumeAnnotations(command)) continue;
    executed.push(command);
    const specSync = await execute(ctx, command);
    if (command.type !== 'syncRunnerSpec' || !specSync) continue;
    // The machine records the sync's outcome: decide again from the status as it will be written.
    const second = decide({
      status: applyStatusPatch(session.status, decision.statusPatch),
      observation: { ...readings.observation, specSync },
      config: deps.machine,
    });
    consumed = [...consumed, ...second.commands.filter(isConsumeAnnotations)];
    for (const followUp of second.commands) {
      if (followUp.type === 'syncRunnerSpec' || isConsumeAnnotations(followUp)) continue;
      executed.push(followUp);
      await execute(ctx, followUp);
    }
    decision = {
      ...second,
      statusPatch: composeMergePatches(decision.statusPatch, second.statusPatch),
      transitions: [...decision.transitions, ...second.transitions],
    };
    break;
  }

  const decided = decision;
  decision = await writeStatusRecomputing(ctx, decision, readings.observation, executed);
  const written = applyStatusPatch(ctx.session.status, decision.statusPatch);
  recordTransitions(deps.metrics, ref.namespace, decision.transitions, written, readings.observation.nowMs);
  // Recomputed after a 409: what to consume comes from the fresh annotations.
  if (decision !== decided) consumed = decision.commands.filter(isConsumeAnnotations);
  for (const command of consumed) await execute(ctx, command);

  const requeueAfterMs =
    decision.wakeAtMs === undefined ? undefined : Math.max(0, decision.wakeAtMs - readings.observation.nowMs);
  return { phase, decision, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}

function isConsumeAnnotations(command: SessionCommand): boolean {
  return command.type === 'clearAnnotations';
}

async function execute(ctx: CommandContext, command: SessionCommand): Promise<SpecSyncResult | void> {
  try {
    return await executeCommand(ctx, command);
  } catch (error) {
    await reportCommandFailure(ctx, command, error);
    throw new CommandFailedError(command.type, error);
  }
}

/** Upstream skips sessions in namespaces without `ambient-code.io/managed=true` (contract §2.1). */
async function namespaceIsManaged(deps: WorkerDeps, namespace: string): Promise<boolean> {
  const ns = await readOrNull(() => deps.api.core.readNamespace({ name: namespace }));
  return ns?.metadata?.labels?.[MANAGED_LABEL] === MANAGED_LABEL_VALUE;
}
