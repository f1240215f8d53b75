import { transition } from 'xstate';
import { setCondition } from './conditions.js';
import { diffTopLevel } from './status-patch.js';
import { toTimestamp } from './time.js';
import type { UserDeploymentCommand } from './user-deployment.commands.js';
import { isUserDeploymentCommandType } from './user-deployment.commands.js';
import { userDeploymentMachine } from './user-deployment.machine.js';
import type { ServiceObservation, UserDeploymentObservation } from './user-deployment-observation.js';
import type {
  UserDeploymentConditionEntry,
  UserDeploymentMachineStatus,
  UserDeploymentPhase,
  UserDeploymentStatusPatch,
} from './user-deployment-status.js';
import { isUserDeploymentPhase } from './user-deployment-status.js';

/** One phase change; count metrics for it only after the status write succeeded. */
export interface UserDeploymentTransition {
  from: UserDeploymentPhase | 'None';
  to: UserDeploymentPhase;
  reason: string;
}

export interface UserDeploymentDecision {
  nextPhase: UserDeploymentPhase;
  /** Merge patch for `/status`; `{}` when nothing changed (skip the write). */
  statusPatch: UserDeploymentStatusPatch;
  /** In order; the worker executes each idempotently before writing status. */
  commands: UserDeploymentCommand[];
  transitions: UserDeploymentTransition[];
}

/** More chained steps than New → Pending → Provisioning → Running (or → Deleting → Deleted) is a bug. */
const MAX_STEPS = 6;

type State = 'New' | UserDeploymentPhase;

function snapshotOf(phase: State) {
  return userDeploymentMachine.resolveState({ value: phase, context: {} });
}

/**
 * The UserDeployment phase model as one pure function: stored status + observation → next phase, status
 * patch, commands and transitions. No clock (it comes in the observation), no I/O.
 */
export function decideUserDeployment(
  status: UserDeploymentMachineStatus | undefined,
  observation: UserDeploymentObservation,
): UserDeploymentDecision {
  const event = { type: 'OBSERVE' as const, observation };
  let state: State = isUserDeploymentPhase(status?.phase) ? status.phase : 'New';
  const commands: UserDeploymentCommand[] = [];
  const transitions: UserDeploymentTransition[] = [];

  for (let step = 1; ; step++) {
    if (step > MAX_STEPS) throw new Error(`user deployment machine did not settle: ${describe(transitions)}`);
    const [next, actions] = transition(userDeploymentMachine, snapshotOf(state), event);
    let reason: string | undefined;
    let reevaluate = false;
    for (const action of actions) {
      if (action.type === 'phaseChanged') reason = String((action.params as { reason: string }).reason);
      else if (action.type === 'reevaluate') reevaluate = true;
      else if (isUserDeploymentCommandType(action.type)) {
        if (!commands.some((c) => c.type === action.type)) commands.push({ type: action.type });
      } else throw new Error(`user deployment machine returned an unknown action ${action.type}`);
    }
    const to = next.value as State;
    if (to === state) break;
    if (to === 'New' || reason === undefined) throw new Error(`transition ${state} → ${to} lacks a reason`);
    transitions.push({ from: state === 'New' ? 'None' : state, to, reason });
    state = to;
    if (!reevaluate) break;
  }

  if (state === 'New') throw new Error('user deployment machine stayed in New');
  const changedAt = transitions.length > 0 ? toTimestamp(observation.nowMs) : undefined;
  const next = deriveStatus(status, state, observation, changedAt);
  return {
    nextPhase: state,
    statusPatch: diffTopLevel(status, next) as UserDeploymentStatusPatch,
    commands,
    transitions,
  };
}

/** The status a phase shows for an observation; conditions keep their transition times (setCondition). */
function deriveStatus(
  previous: UserDeploymentMachineStatus | undefined,
  phase: UserDeploymentPhase,
  observation: UserDeploymentObservation,
  changedAt: string | undefined,
): UserDeploymentMachineStatus {
  const tearingDown = phase === 'Deleting' || phase === 'Deleted';
  // A template that cannot be read says nothing about what runs: keep showing the last known services.
  const showServices = !tearingDown && observation.template.ok;
  const urls = tearingDown ? undefined : showServices ? observation.urls : previous?.urls;
  const services = tearingDown
    ? undefined
    : showServices
      ? observation.services.map(serviceStatus)
      : previous?.services;
  let conditions: UserDeploymentConditionEntry[] | undefined = previous?.conditions;
  const set = (update: Parameters<typeof setCondition<string>>[1]) => {
    conditions = setCondition(
      conditions,
      { ...update, observedGeneration: observation.generation },
      observation.nowMs,
    );
  };
  set(readyCondition(phase, observation));
  if (!tearingDown) {
    set(templateCondition(observation));
    set(secretsCondition(observation));
  }
  const phaseTransitionTime = changedAt ?? previous?.phaseTransitionTime;
  return {
    phase,
    observedGeneration: observation.generation,
    namespace: observation.namespace,
    ...(phaseTransitionTime !== undefined ? { phaseTransitionTime } : {}),
    ...(urls !== undefined && urls.length > 0 ? { urls } : {}),
    ...(services !== undefined && services.length > 0 ? { services } : {}),
    ...(conditions !== undefined ? { conditions } : {}),
  };
}

function serviceStatus(service: ServiceObservation) {
  return {
    name: service.name,
    image: service.image,
    replicas: service.replicas,
    readyReplicas: service.readyReplicas,
    updatedReplicas: service.updatedReplicas,
  };
}

/** `web 1/2 ready, api rolling out` — the services that keep the deployment from Running. */
function notReady(services: ServiceObservation[]): string {
  return services
    .filter((s) => !s.upToDate || s.updatedReplicas < s.replicas || s.readyReplicas < s.replicas)
    .map((s) =>
      !s.upToDate || s.updatedReplicas < s.replicas
        ? `${s.name} rolling out (${s.updatedReplicas}/${s.replicas} updated)`
        : `${s.name} ${s.readyReplicas}/${s.replicas} ready`,
    )
    .join(', ');
}

function readyCondition(phase: UserDeploymentPhase, o: UserDeploymentObservation) {
  const no = (reason: string, message: string) => ({
    type: 'Ready',
    status: 'False' as const,
    reason,
    message,
  });
  switch (phase) {
    case 'Running':
      return {
        type: 'Ready',
        status: 'True' as const,
        reason: 'AllServicesReady',
        message: `${o.services.length} service${o.services.length === 1 ? '' : 's'} ready`,
      };
    case 'Pending':
      return no('Pending', 'not yet reconciled');
    case 'Provisioning':
      return no('RollingOut', `waiting for ${notReady(o.services) || 'the children to be created'}`);
    case 'Degraded':
      return no('ReplicasUnavailable', `unavailable: ${notReady(o.services)}`);
    case 'Failed':
      return o.template.ok
        ? no('ExternalSecretsUnavailable', secretsUnavailableMessage(o))
        : no(o.template.reason, o.template.message);
    case 'Deleting':
      return no('Deleting', `${o.childrenRemaining} object(s) in namespace ${o.namespace} still to delete`);
    case 'Deleted':
      return no('Deleted', `everything in namespace ${o.namespace} was deleted`);
  }
}

function templateCondition(o: UserDeploymentObservation) {
  return o.template.ok
    ? {
        type: 'TemplateValid',
        status: 'True' as const,
        reason: 'Valid',
        message: `${o.services.length} services`,
      }
    : {
        type: 'TemplateValid',
        status: 'False' as const,
        reason: o.template.reason,
        message: o.template.message,
      };
}

function secretsUnavailableMessage(o: UserDeploymentObservation): string {
  const requested = o.secrets.requested === 0 ? 'none are requested' : `${o.secrets.requested} requested`;
  return `secrets not provisioned: the ExternalSecret CRD (externalsecrets.external-secrets.io) is not installed; ${requested}`;
}

function secretsCondition(o: UserDeploymentObservation) {
  if (!o.secrets.crdPresent) {
    return {
      type: 'SecretsProvisioned',
      status: 'False' as const,
      reason: 'ExternalSecretsUnavailable',
      message: secretsUnavailableMessage(o),
    };
  }
  return o.secrets.requested === 0
    ? {
        type: 'SecretsProvisioned',
        status: 'True' as const,
        reason: 'NoSecretsRequested',
        message: 'no secrets requested',
      }
    : {
        type: 'SecretsProvisioned',
        status: 'True' as const,
        reason: 'ExternalSecretsCreated',
        message: `${o.secrets.requested} ExternalSecret(s)`,
      };
}

function describe(transitions: UserDeploymentTransition[]): string {
  return transitions.map((t) => `${t.from}→${t.to} (${t.reason})`).join(', ');
}
