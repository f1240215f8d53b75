import {
  CRD_GROUP,
  CRD_VERSION,
  PROJECT_SETTINGS_NAME,
  PROJECT_SETTINGS_PLURAL,
  TerminalError,
  describeValidationIssues,
  validateProjectSettings,
  type KubeClients,
  type EventRecorder,
  type Logger,
} from '@ambient-operator/shared';
import { readOrNull } from '../kube-ops.js';
import { createDefaultProjectSettings, wantsProjectSettings } from './default-project-settings.js';
import { reconcileDefaultLimitRange } from './default-limit-range.js';
import { reconcileGroupRoleBindings } from './group-role-bindings.js';
import { namespaceOfProjectSettingsKey } from './project-settings-key.js';
import { writeProjectSettingsStatus, type ProjectSettingsReadiness } from './project-settings-status.js';
import { reconcileSessionTriggerRbac } from './session-trigger-rbac.js';
import { combineStepFailures, recordFailure, type StepFailure } from './step-failures.js';
import type { EnsureOutcome } from './ensure-owned.js';

/** What one ProjectSettings reconcile needs (a subset of the worker's deps). */
export interface ProjectSettingsDeps {
  api: KubeClients;
  log: Logger;
  /** Events on the ProjectSettings (created, provisioned, a step failed); none when absent. */
  events?: EventRecorder;
}

/** What a reconcile found and did; failures are thrown, not reported here. */
export type ProjectSettingsReport =
  | { namespace: string; result: 'absent' | 'deleting' }
  | {
      namespace: string;
      result: 'reconciled';
      /** This reconcile created the default ProjectSettings of a managed namespace. */
      createdSettings: boolean;
      readiness: ProjectSettingsReadiness;
      statusWritten: boolean;
      prunedBindings: string[];
    };

/**
 * Reconciles the key `ps:<namespace>` (contract §8.1–8.2): the managed namespace's default ProjectSettings,
 * then its children (group RoleBindings, session-trigger RBAC, LimitRange) and its status. Every step runs even
 * when an earlier one failed; the status tells which are ready; then the failures are thrown as one error whose
 * kind the queue retries by (conflict: at once; retryable: per-key backoff; terminal: not until the next event).
 */
export async function reconcileProjectSettings(
  key: string,
  deps: ProjectSettingsDeps,
): Promise<ProjectSettingsReport> {
  const { api, log } = deps;
  const namespace = namespaceOfProjectSettingsKey(key);
  const [ns, existing] = await Promise.all([
    readOrNull(() => api.core.readNamespace({ name: namespace })),
    readOrNull<unknown>(() =>
      api.customObjects.getNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: PROJECT_SETTINGS_PLURAL,
        namespace,
        name: PROJECT_SETTINGS_NAME,
      }),
    ),
  ]);

  let raw = existing;
  const createdSettings = raw === null && wantsProjectSettings(ns);
  if (raw === null) {
    if (!createdSettings) return { namespace, result: 'absent' };
    raw = await createDefaultProjectSettings(api.customObjects, namespace);
    log.info({ namespace }, 'created the default ProjectSettings of a managed namespace');
  }

  const validated = validateProjectSettings(raw);
  if (!validated.ok) {
    throw new TerminalError(
      `ProjectSettings ${namespace} is invalid: ${describeValidationIssues(validated.issues)}`,
    );
  }
  const settings = validated.value;
  const { uid, resourceVersion, deletionTimestamp } = settings.metadata;
  if (deletionTimestamp !== undefined) return { namespace, result: 'deleting' };
  if (!uid || !resourceVersion) {
    throw new TerminalError(
      `ProjectSettings ${namespace} has no uid/resourceVersion (not read from the API?)`,
    );
  }
  const owner = { namespace, name: settings.metadata.name, uid };

  const failures: StepFailure[] = [];
  const groups = await reconcileGroupRoleBindings({
    rbac: api.rbac,
    owner,
    groupAccess: settings.spec?.groupAccess ?? [],
    failures,
  });
  const trigger = await reconcileSessionTriggerRbac({ core: api.core, rbac: api.rbac, owner, failures });
  const limits = await reconcileDefaultLimitRange({ core: api.core, owner, failures });

  const readiness: ProjectSettingsReadiness = {
    groupBindingsCreated: groups.inPlace,
    scheduledSessionRBACReady: trigger.ready,
    limitRangeReady: limits.ready,
  };
  const statusWritten =
    (await recordFailure(failures, 'status', () =>
      writeProjectSettingsStatus({
        customObjects: api.customObjects,
        namespace,
        name: settings.metadata.name,
        resourceVersion,
        current: settings.status,
        wanted: readiness,
      }),
    )) ?? false;

  logChanges(log, namespace, {
    ...Object.fromEntries([...groups.outcomes].map(([name, o]) => [`RoleBinding/${name}`, o])),
    ...Object.fromEntries(
      Object.entries(trigger.outcomes).map(([kind, o]) => [`${kind}/ambient-session-trigger`, o]),
    ),
    ...(limits.outcome ? { 'LimitRange/ambient-default-limits': limits.outcome } : {}),
  });
  if (groups.pruned.length > 0) log.info({ namespace, roleBindings: groups.pruned }, 'pruned group access');

  const failed = failures.length > 0 ? combineStepFailures(namespace, failures) : undefined;
  await recordProjectSettingsEvents(deps.events, {
    regarding: {
      apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
      kind: 'ProjectSettings',
      namespace,
      name: settings.metadata.name,
      uid,
    },
    createdSettings,
    statusWritten,
    readiness,
    failure: failed?.message,
  });
  if (failed) throw failed;
  return {
    namespace,
    result: 'reconciled',
    createdSettings,
    readiness,
    statusWritten,
    prunedBindings: groups.pruned,
  };
}

function logChanges(
  log: Logger,
  namespace: string,
  outcomes: Record<string, EnsureOutcome | undefined>,
): void {
  const changed = Object.entries(outcomes).filter(([, o]) => o !== undefined && o !== 'unchanged');
  const foreign = changed.filter(([, o]) => o === 'foreign-conflicting').map(([name]) => name);
  if (foreign.length > 0) {
    log.warn(
      { namespace, objects: foreign },
      'objects of our names exist that we do not control and that differ; left alone',
    );
  }
  const written = changed.filter(([, o]) => o !== 'foreign-conflicting' && o !== 'foreign-compatible');
  if (written.length > 0)
    log.info({ namespace, changes: Object.fromEntries(written) }, 'ProjectSettings children converged');
}

/** What users of `kubectl describe projectsettings` must see: creation, provisioning, and why a step failed. */
async function recordProjectSettingsEvents(
  events: EventRecorder | undefined,
  input: {
    regarding: { apiVersion: string; kind: string; namespace: string; name: string; uid: string };
    createdSettings: boolean;
    statusWritten: boolean;
    readiness: ProjectSettingsReadiness;
    failure: string | undefined;
  },
): Promise<void> {
  if (!events) return;
  const { regarding } = input;
  if (input.createdSettings)
    await events.record({
      regarding,
      type: 'Normal',
      reason: 'Created',
      action: 'Create',
      note: 'created the default ProjectSettings of a managed namespace',
    });
  if (input.failure !== undefined)
    await events.record({
      regarding,
      type: 'Warning',
      reason: 'ProvisioningFailed',
      action: 'Provision',
      note: input.failure,
    });
  else if (input.statusWritten)
    await events.record({
      regarding,
      type: 'Normal',
      reason: 'Provisioned',
      action: 'Provision',
      note: Object.entries(input.readiness)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', '),
    });
}
