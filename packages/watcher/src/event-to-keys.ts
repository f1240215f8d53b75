// Pure mapping from a watched object to the queue keys it concerns. No I/O; the session index is passed in.
import {
  AGENT_TASK_LABEL,
  agentTaskKey,
  API_SESSION_ID_LABEL,
  apiKey,
  USER_DEPLOYMENT_LABEL,
  USER_DEPLOYMENT_NAMESPACE_LABEL,
  USER_DEPLOYMENT_TEMPLATE_LABEL,
  userDeploymentKey,
  WORKFLOW_LABEL,
  workflowKey,
} from '@ambient-operator/shared';
import type { WatchedObject } from './list-watch.js';

/** The resource types the watcher lists and watches (`TaskJob`: the Jobs of AgentTasks). */
export type WatchedKind =
  | 'AgenticSession'
  | 'Job'
  | 'Pod'
  | 'ProjectSettings'
  | 'Namespace'
  | 'AgentTask'
  | 'Workflow'
  | 'TaskJob'
  | 'UserDeployment'
  | 'UserDeploymentChild'
  | 'UserDeploymentTemplate';

/** Selector of AgentTask Jobs: they carry their task's name in this label. */
export const taskJobSelector = AGENT_TASK_LABEL;
/** Selector of the Deployments a UserDeployment created (their status changes wake its reconcile). */
export const userDeploymentChildSelector = USER_DEPLOYMENT_LABEL;
/** Selector of template ConfigMaps (labelled by their users or by the worker on first read). */
export const userDeploymentTemplateSelector = USER_DEPLOYMENT_TEMPLATE_LABEL;

/** An AgentTask's key, and its workflow's when a workflow created it (its step ended → the workflow moves on). */
function agentTaskKeys(object: WatchedObject): string[] {
  if (!object.namespace) return [];
  const workflow = object.labels?.[WORKFLOW_LABEL];
  return [
    agentTaskKey(object.namespace, object.name),
    ...(workflow ? [workflowKey(object.namespace, workflow)] : []),
  ];
}

/** Label runner pods and Jobs carry with their session's name. */
export const sessionLabel = 'agentic-session';
/** Selector of runner Jobs and Pods. */
export const runnerSelector = 'app=ambient-code-runner';
/** Selector of namespaces the operator manages. */
export const managedNamespaceSelector = 'ambient-code.io/managed=true';

export function sessionKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Key of a namespace's ProjectSettings reconcile (a key space of its own next to sessions). */
export function projectSettingsKey(namespace: string): string {
  return `ps:${namespace}`;
}

/** The session a runner Job or Pod belongs to: its label, else its controller AgenticSession, else a `<name>-runner` Job. */
export function owningSessionName(object: WatchedObject): string | undefined {
  const label = object.labels?.[sessionLabel];
  if (label) return label;
  const controller = object.ownerReferences?.find((o) => o.controller);
  if (controller?.kind === 'AgenticSession') return controller.name;
  if (controller?.kind === 'Job' && controller.name.endsWith('-runner'))
    return controller.name.slice(0, -'-runner'.length);
  return undefined;
}

/**
 * A session made from an ambient-api-server session carries its id: its changes also enqueue the API
 * session, which writes the CR's status back (no polling of CRs from the API side).
 */
export function apiSessionKeys(object: WatchedObject): string[] {
  const id = object.labels?.[API_SESSION_ID_LABEL];
  if (!id) return [];
  try {
    return [apiKey('sessions', id)];
  } catch {
    return [];
  }
}

/**
 * Keys to enqueue for an event on `object` of `kind`. `sessionsIn(ns)` lists the known session keys of a namespace
 * (from the watcher's index), used when a namespace-wide setting changes.
 */
export function eventToKeys(
  kind: WatchedKind,
  object: WatchedObject,
  sessionsIn: (namespace: string) => Iterable<string>,
  userDeploymentsIn: (namespace: string) => Iterable<string> = () => [],
): string[] {
  switch (kind) {
    case 'AgenticSession':
      return object.namespace ? [sessionKey(object.namespace, object.name), ...apiSessionKeys(object)] : [];
    case 'Job':
    case 'Pod': {
      const session = owningSessionName(object);
      return session && object.namespace ? [sessionKey(object.namespace, session)] : [];
    }
    case 'ProjectSettings':
      return object.namespace ? [projectSettingsKey(object.namespace), ...sessionsIn(object.namespace)] : [];
    case 'Namespace':
      return [projectSettingsKey(object.name), ...sessionsIn(object.name)];
    case 'AgentTask':
      return agentTaskKeys(object);
    case 'Workflow':
      return object.namespace ? [workflowKey(object.namespace, object.name)] : [];
    case 'TaskJob': {
      const task = object.labels?.[AGENT_TASK_LABEL];
      return task && object.namespace ? [agentTaskKey(object.namespace, task)] : [];
    }
    case 'UserDeployment':
      return object.namespace ? [userDeploymentKey(object.namespace, object.name)] : [];
    case 'UserDeploymentChild': {
      // Children usually live in another namespace (`ud-<name>`): their labels name the owner.
      const name = object.labels?.[USER_DEPLOYMENT_LABEL];
      const namespace = object.labels?.[USER_DEPLOYMENT_NAMESPACE_LABEL];
      return name && namespace ? [userDeploymentKey(namespace, name)] : [];
    }
    case 'UserDeploymentTemplate':
      // Which UserDeployments use a template is in their spec, which the watcher does not keep: all of its namespace.
      return object.namespace ? [...userDeploymentsIn(object.namespace)] : [];
  }
}
