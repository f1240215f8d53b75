export { containerEnvironment, type EnvironmentInputs } from './container-environment.js';
export { CustomResourceValidator } from './custom-resources.js';
export { dockerfileViolations, readDockerfile, type DockerfileFacts } from './dockerfile-lint.js';
export {
  describeObject,
  isClusterScoped,
  kubeObjectSchema,
  parseManifests,
  type KubeObject,
} from './kube-object.js';
export { hasKubernetesSchema, kubernetesSchemaProblems } from './kubernetes-schemas.js';
export { kustomizeBuild, kustomizeCompose, type Composition, type KustomizeOptions } from './kustomize.js';
export { parseMetricsContract, seriesOf, type MetricDefinition } from './metrics-contract.js';
export { containersOf, podTemplatesOf, type Container, type PodSpec, type PodTemplate } from './pod-specs.js';
export { analysePromql, promqlContractProblems, type LabelMatcher, type PromqlUsage } from './promql.js';
export {
  accessesOf,
  allows,
  grantsOf,
  rbacViolations,
  rulesOf,
  WRITE_VERBS,
  type Access,
  type Grant,
  type PolicyRule,
} from './rbac.js';
export { danglingServices, missingReferences, type Reference } from './references.js';
export { deployDir, repoRoot } from './repo-paths.js';
export { floatingImages, workloadPolicyViolations } from './workload-policy.js';
