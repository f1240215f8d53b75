import type { V1Deployment, V1Namespace } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type {
  ServiceObservation,
  TemplateObservation,
  UserDeploymentObservation,
} from '@ambient-operator/machines';
import {
  describeValidationIssues,
  isDns1123Label,
  USER_DEPLOYMENT_LABEL,
  USER_DEPLOYMENT_NAMESPACE_LABEL,
  USER_DEPLOYMENT_SPEC_HASH,
  USER_DEPLOYMENT_TEMPLATE_KEY,
  USER_DEPLOYMENT_TEMPLATE_LABEL,
  userDeploymentNamespace,
  validateUserDeploymentTemplate,
  type UserDeployment,
} from '@ambient-operator/shared';
import { parse } from 'yaml';
import { mergePatch } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import type { WorkerDeps } from '../worker-deps.js';
import { childKinds, isKindMissing, type ChildKind, type ListedChild } from './child-kinds.js';
import {
  childSelector,
  desiredChildren,
  effectiveServices,
  type DesiredChildren,
  type EffectiveService,
} from './desired-children.js';

export type UserDeploymentDeps = Pick<WorkerDeps, 'api' | 'config' | 'log' | 'metrics' | 'now'>;

/** What one reconcile read, and what the cluster should hold. */
export interface UserDeploymentReadings {
  observation: UserDeploymentObservation;
  /** undefined when the template is unusable (nothing is applied then). */
  desired: DesiredChildren | undefined;
  namespace: { name: string; exists: boolean; ours: boolean; terminating: boolean };
  /** Listed children per kind; a kind whose CRD is absent (ExternalSecret) is missing from the map. */
  listed: Map<ChildKind, ListedChild[]>;
}

type TemplateRead = { observation: TemplateObservation; services: EffectiveService[] };

async function readTemplate(deps: UserDeploymentDeps, ud: UserDeployment): Promise<TemplateRead> {
  const fail = (reason: 'TemplateMissing' | 'TemplateInvalid', message: string): TemplateRead => ({
    observation: { ok: false, reason, message },
    services: [],
  });
  const namespace = ud.metadata.namespace ?? '';
  const name = ud.spec?.template.configMapRef.name ?? '';
  const where = `ConfigMap ${namespace}/${name}`;
  if (ud.spec === undefined) return fail('TemplateMissing', 'spec.template is not set');
  const configMap = await readOrNull(() => deps.api.core.readNamespacedConfigMap({ namespace, name }));
  if (configMap === null) return fail('TemplateMissing', `${where} not found`);
  if (configMap.metadata?.labels?.[USER_DEPLOYMENT_TEMPLATE_LABEL] === undefined) {
    // Labelled, the template is watched: its next edit reconciles at once instead of at the next resync.
    await readOrNull(() =>
      deps.api.core.patchNamespacedConfigMap(
        { namespace, name, body: { metadata: { labels: { [USER_DEPLOYMENT_TEMPLATE_LABEL]: 'true' } } } },
        mergePatch,
      ),
    );
  }
  const text = configMap.data?.[USER_DEPLOYMENT_TEMPLATE_KEY];
  if (text === undefined)
    return fail('TemplateInvalid', `${where} has no key ${USER_DEPLOYMENT_TEMPLATE_KEY}`);
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    return fail(
      'TemplateInvalid',
      `${where} ${USER_DEPLOYMENT_TEMPLATE_KEY}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const result = validateUserDeploymentTemplate(document);
  if (!result.ok)
    return fail(
      'TemplateInvalid',
      `${where} ${USER_DEPLOYMENT_TEMPLATE_KEY}: ${describeValidationIssues(result.issues)}`,
    );
  return { observation: { ok: true }, services: effectiveServices(ud, result.value) };
}

/** Names become a namespace, label values and host names: each must be a DNS-1123 label. */
function nameProblem(ud: UserDeployment, namespace: string): string | undefined {
  if (!isDns1123Label(ud.metadata.name))
    return `name "${ud.metadata.name}" must be a DNS-1123 label (≤ 63 characters, no dots): it is used in host names and labels`;
  if (!isDns1123Label(namespace))
    return `target namespace "${namespace}" is not a DNS-1123 label (≤ 63 characters)`;
  return undefined;
}

function serviceObservation(
  service: EffectiveService,
  desiredHash: string | undefined,
  listed?: ListedChild,
): ServiceObservation {
  const deployment = listed?.object as Wire<V1Deployment> | undefined;
  const status = deployment?.status;
  const observedCurrent = (status?.observedGeneration ?? 0) >= (deployment?.metadata?.generation ?? 1);
  return {
    name: service.name,
    image: service.image,
    replicas: service.replicas,
    upToDate: listed !== undefined && listed.hash === desiredHash && observedCurrent,
    readyReplicas: status?.readyReplicas ?? 0,
    updatedReplicas: status?.updatedReplicas ?? 0,
  };
}

/** Live reads of one UserDeployment's template, target namespace and children. */
export async function observeUserDeployment(
  deps: UserDeploymentDeps,
  ud: UserDeployment,
): Promise<UserDeploymentReadings> {
  const namespaceName = userDeploymentNamespace(ud.metadata.name, ud.spec?.namespace);
  const problem = nameProblem(ud, namespaceName);
  const template: TemplateRead = problem
    ? { observation: { ok: false, reason: 'InvalidName', message: problem }, services: [] }
    : await readTemplate(deps, ud);

  const nsObject: Wire<V1Namespace> | null = problem
    ? null
    : await readOrNull(() => deps.api.core.readNamespace({ name: namespaceName }));
  const labels = nsObject?.metadata?.labels ?? {};
  const namespace = {
    name: namespaceName,
    exists: nsObject !== null,
    ours:
      labels[USER_DEPLOYMENT_LABEL] === ud.metadata.name &&
      labels[USER_DEPLOYMENT_NAMESPACE_LABEL] === ud.metadata.namespace,
    terminating: nsObject?.metadata?.deletionTimestamp !== undefined,
  };

  const listed = new Map<ChildKind, ListedChild[]>();
  let externalSecretsServed = true;
  for (const kind of childKinds(deps.api)) {
    if (problem) break;
    try {
      listed.set(kind, await kind.list(namespaceName, childSelector(ud)));
    } catch (err) {
      if (kind.kind !== 'ExternalSecret' || !isKindMissing(err)) throw err;
      externalSecretsServed = false;
    }
  }

  const u = deps.config.userDeployments;
  const desired = template.observation.ok
    ? desiredChildren({ ud, namespace: namespaceName, services: template.services, settings: u })
    : undefined;
  const deploymentKind = [...listed.keys()].find((k) => k.kind === 'Deployment');
  const deployments = new Map((deploymentKind ? listed.get(deploymentKind) : [])?.map((d) => [d.name, d]));
  const desiredHash = (name: string) =>
    desired?.deployments.find((d) => d.name === name)?.body.metadata?.annotations?.[
      USER_DEPLOYMENT_SPEC_HASH
    ];
  const remaining = namespace.ours
    ? Number(namespace.exists)
    : [...listed.values()].reduce((total, items) => total + items.length, 0);

  return {
    observation: {
      nowMs: deps.now(),
      generation: ud.metadata.generation ?? 1,
      desiredState: ud.spec?.desiredState ?? 'running',
      beingDeleted: ud.metadata.deletionTimestamp !== undefined,
      namespace: namespaceName,
      template: template.observation,
      secrets: { requested: ud.spec?.secrets?.length ?? 0, crdPresent: externalSecretsServed },
      services: template.services.map((s) =>
        serviceObservation(s, desiredHash(s.name), deployments.get(s.name)),
      ),
      urls: desired?.urls ?? [],
      childrenRemaining: remaining,
    },
    desired,
    namespace,
    listed,
  };
}
