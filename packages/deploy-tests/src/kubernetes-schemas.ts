import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { DaemonSet, Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  LimitRange,
  Namespace,
  PersistentVolumeClaim,
  Pod,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { describeObject, type KubeObject } from './kube-object.js';

/** A kubernetes-models class: construct with the object, `validate()` throws on a schema violation. */
type ModelClass = new (data: never) => { validate(): void };

/**
 * JSON schemas of the kinds a manifest may contain, by `apiVersion/kind`: Kubernetes' own
 * (kubernetes-models 4.5, Kubernetes 1.3x OpenAPI), KEDA and the Prometheus Operator.
 */
const MODELS: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ['v1/ConfigMap', ConfigMap],
  ['v1/LimitRange', LimitRange],
  ['v1/Namespace', Namespace],
  ['v1/PersistentVolumeClaim', PersistentVolumeClaim],
  ['v1/Pod', Pod],
  ['v1/Secret', Secret],
  ['v1/Service', Service],
  ['v1/ServiceAccount', ServiceAccount],
  ['apps/v1/DaemonSet', DaemonSet],
  ['apps/v1/Deployment', Deployment],
  ['apps/v1/StatefulSet', StatefulSet],
  ['autoscaling/v2/HorizontalPodAutoscaler', HorizontalPodAutoscaler],
  ['batch/v1/CronJob', CronJob],
  ['batch/v1/Job', Job],
  ['coordination.k8s.io/v1/Lease', Lease],
  ['networking.k8s.io/v1/NetworkPolicy', NetworkPolicy],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudget],
  ['rbac.authorization.k8s.io/v1/ClusterRole', ClusterRole],
  ['rbac.authorization.k8s.io/v1/ClusterRoleBinding', ClusterRoleBinding],
  ['rbac.authorization.k8s.io/v1/Role', Role],
  ['rbac.authorization.k8s.io/v1/RoleBinding', RoleBinding],
  ['apiextensions.k8s.io/v1/CustomResourceDefinition', CustomResourceDefinition],
  ['keda.sh/v1alpha1/ScaledObject', ScaledObject],
  ['keda.sh/v1alpha1/TriggerAuthentication', TriggerAuthentication],
  ['monitoring.coreos.com/v1/ServiceMonitor', ServiceMonitor],
  ['monitoring.coreos.com/v1/PrometheusRule', PrometheusRule],
]);

/** Whether a schema for this object's `apiVersion/kind` is known here. */
export function hasKubernetesSchema(object: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return MODELS.has(`${object.apiVersion}/${object.kind}`);
}

/**
 * Validates one object against the JSON schema of its kind. Returns the problems found (empty when
 * valid); an unknown kind is itself a problem, so nothing passes unchecked.
 */
export function kubernetesSchemaProblems(object: KubeObject): string[] {
  const Model = MODELS.get(`${object.apiVersion}/${object.kind}`);
  if (Model === undefined) {
    return [`${describeObject(object)}: no schema known for ${object.apiVersion} ${object.kind}`];
  }
  try {
    new Model(object as never).validate();
    return [];
  } catch (error) {
    return [`${describeObject(object)}: ${error instanceof Error ? error.message : String(error)}`];
  }
}
