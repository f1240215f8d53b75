/**
 * Vocabulary shared with the upstream backend, UI and runner (upstream-contract.md §1.4, §3).
 * These strings are part of the contract: changing one breaks the other components.
 */

/** API group of both custom resources. */
export const CRD_GROUP = 'vteam.ambient-code';
/** The only served (and storage) version of both custom resources. */
export const CRD_VERSION = 'v1alpha1';
/** `apiVersion` of AgenticSession and ProjectSettings objects. */
export const CRD_API_VERSION = `${CRD_GROUP}/${CRD_VERSION}`;

export const AGENTIC_SESSION_KIND = 'AgenticSession';
export const AGENTIC_SESSION_PLURAL = 'agenticsessions';
export const PROJECT_SETTINGS_KIND = 'ProjectSettings';
export const PROJECT_SETTINGS_PLURAL = 'projectsettings';
/** ProjectSettings is a singleton per namespace; the CRD's CEL rule enforces this name. */
export const PROJECT_SETTINGS_NAME = 'projectsettings';

// --- Annotations on AgenticSession (contract §1.4) ---

/** Imperative request from the backend/UI: `Running` or `Stopped`. */
export const DESIRED_PHASE = 'ambient-code.io/desired-phase';
/** Informational RFC 3339 timestamp written by the backend on start. */
export const START_REQUESTED_AT = 'ambient-code.io/start-requested-at';
/** Informational RFC 3339 timestamp written by the backend on stop. */
export const STOP_REQUESTED_AT = 'ambient-code.io/stop-requested-at';
/** Why a stop was requested: `inactivity` gives stoppedReason `inactivity`; any other value gives `user`. */
export const STOP_REASON = 'ambient-code.io/stop-reason';
/** `true` suppresses `IS_RESUME` on the next runner build (scheduled sessions). */
export const FORCE_EXECUTE_PROMPT = 'ambient-code.io/force-execute-prompt';
/** Parent session of a continuation; forwarded to the runner as `PARENT_SESSION_ID`. */
export const PARENT_SESSION_ID = 'vteam.ambient-code/parent-session-id';
/** Name of the runner token Secret (written by the operator after provisioning). */
export const RUNNER_TOKEN_SECRET = 'ambient-code.io/runner-token-secret';
/** Name of the runner ServiceAccount; the backend checks it against the bearer token's SA. */
export const RUNNER_SA = 'ambient-code.io/runner-sa';

// --- Annotations on children ---

/** On the runner ServiceAccount: `spec.userContext.userId`. */
export const CREATED_BY_USER_ID = 'ambient-code.io/created-by-user-id';
/** On the runner token Secret: RFC 3339 time of the last `k8s-token` mint. */
export const TOKEN_REFRESHED_AT = 'ambient-code.io/token-refreshed-at';
/** On copied platform Secrets: `<sourceNamespace>/<name>`. */
export const COPIED_FROM = 'vteam.ambient-code/copied-from';

// --- Labels ---

/** Namespaces labelled `ambient-code.io/managed=true` are served by the operator. */
export const MANAGED_LABEL = 'ambient-code.io/managed';
export const MANAGED_LABEL_VALUE = 'true';
/** Label on objects the operator creates that have no owner (NetworkPolicy). */
export const MANAGED_BY_LABEL = 'ambient-code.io/managed-by';
export const MANAGED_BY_VALUE = 'operator';
/** Set by the session-trigger on sessions created from a schedule. */
export const SCHEDULED_SESSION_NAME = 'ambient-code.io/scheduled-session-name';
export const SCHEDULED_RUN = 'ambient-code.io/scheduled-run';
/** Label on the runner pod and Service: the session name. */
export const SESSION_LABEL = 'agentic-session';
/** `app` label key and the values upstream uses for each child kind. */
export const APP_LABEL = 'app';
export const APP_RUNNER = 'ambient-code-runner';
export const APP_SERVICE = 'ambient-code';
export const APP_RUNNER_SA = 'ambient-runner';
export const APP_RUNNER_TOKEN = 'ambient-runner-token';

// --- Label selectors (the one home of each; watcher and worker select with these) ---

/** Runner Jobs and Pods. */
export const RUNNER_SELECTOR = `${APP_LABEL}=${APP_RUNNER}`;
/** Namespaces the operator manages. */
export const MANAGED_NAMESPACE_SELECTOR = `${MANAGED_LABEL}=${MANAGED_LABEL_VALUE}`;
/** The runner pods of one session. */
export function runnerPodSelector(sessionName: string): string {
  return `${SESSION_LABEL}=${sessionName},${RUNNER_SELECTOR}`;
}

// --- Secrets and keys ---

/** Runner token Secret key holding the ServiceAccount token (mounted as `bot-token`). */
export const K8S_TOKEN_KEY = 'k8s-token';
/** Runner token Secret key holding the AG-UI shared secret (`X-Ambient-Session-Token`). */
export const AGUI_TOKEN_KEY = 'agui-token';
/** Secret in the session namespace holding runner API keys (required unless Vertex is on). */
export const RUNNER_SECRETS_NAME = 'ambient-runner-secrets';
export const VERTEX_SECRET_NAME = 'ambient-vertex';
export const LANGFUSE_SECRET_NAME = 'ambient-admin-langfuse-secret';
export const MLFLOW_SECRET_NAME = 'ambient-admin-mlflow-observability-secret';
export const INTEGRATIONS_SECRET_NAME = 'ambient-non-vertex-integrations';

/** Runner HTTP port when the registry does not say otherwise. */
export const DEFAULT_RUNNER_PORT = 8001;

// --- UserDeployment (scheduler.ambient-code.io, issue 19) ---

/** API group of the scheduler CRDs (UserDeployment; AgentTask and Workflow share it). */
export const SCHEDULER_GROUP = 'scheduler.ambient-code.io';
export const SCHEDULER_VERSION = 'v1alpha1';
export const SCHEDULER_API_VERSION = `${SCHEDULER_GROUP}/${SCHEDULER_VERSION}`;
export const USER_DEPLOYMENT_KIND = 'UserDeployment';
export const USER_DEPLOYMENT_PLURAL = 'userdeployments';
/** Held by every UserDeployment until its target namespace and children are gone. */
export const USER_DEPLOYMENT_FINALIZER = 'scheduler.ambient-code.io/user-deployment';
/** On every child (and the namespace the operator created): the UserDeployment's name… */
export const USER_DEPLOYMENT_LABEL = 'scheduler.ambient-code.io/user-deployment';
/** …and its namespace (children usually live in another one, `ud-<name>`). */
export const USER_DEPLOYMENT_NAMESPACE_LABEL = 'scheduler.ambient-code.io/user-deployment-namespace';
/** On Deployments, Services, Ingresses and pods: the template service they belong to. */
export const USER_DEPLOYMENT_SERVICE_LABEL = 'scheduler.ambient-code.io/service';
/** On Deployments: hash of the desired pod template and replicas; a patch is sent only when it changes. */
export const USER_DEPLOYMENT_SPEC_HASH = 'scheduler.ambient-code.io/spec-hash';
/**
 * On template ConfigMaps (the worker adds it to a template it reads): the watcher watches ConfigMaps with
 * this label, so a template edit reconciles the UserDeployments of its namespace at once.
 */
export const USER_DEPLOYMENT_TEMPLATE_LABEL = 'scheduler.ambient-code.io/template';
/** The ConfigMap key holding a UserDeployment template. */
export const USER_DEPLOYMENT_TEMPLATE_KEY = 'template.yaml';
/** external-secrets.io: the API the ExternalSecret children use. */
export const EXTERNAL_SECRETS_GROUP = 'external-secrets.io';
export const EXTERNAL_SECRETS_VERSION = 'v1beta1';
export const EXTERNAL_SECRETS_PLURAL = 'externalsecrets';
/** ingressClassName of the Ingresses of exposed services. */
export const USER_DEPLOYMENT_INGRESS_CLASS = 'traefik';

// --- AgentTask and Workflow (scheduler.ambient-code.io, issue 17) ---

export const AGENT_TASK_KIND = 'AgentTask';
export const AGENT_TASK_PLURAL = 'agenttasks';
export const WORKFLOW_KIND = 'Workflow';
export const WORKFLOW_PLURAL = 'workflows';
/** On a task's Job and pod: the task's name (the watcher's label selector for task Jobs). */
export const AGENT_TASK_LABEL = 'scheduler.ambient-code.io/agent-task';
/** On a workflow's tasks: the workflow's name, and the step index. */
export const WORKFLOW_LABEL = 'scheduler.ambient-code.io/workflow';
export const WORKFLOW_STEP_LABEL = 'scheduler.ambient-code.io/step';
