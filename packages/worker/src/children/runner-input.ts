import type { McpServers, StoredAgenticSession } from '@ambient-operator/shared';
import type { ResolvedRuntime } from './agent-registry.js';
import type { ResolvedS3Config } from './s3-config.js';
import type { NamespacesConfig, RunnerConfig, VertexConfig } from '@ambient-operator/shared';

// The inputs of the runner builders: operator configuration, the resolved registry runtime and what the
// worker observed in the cluster. The builders do no I/O; everything they depend on is in here.

/**
 * The operator settings the builders read (contract §7.2): a structural subset of shared's
 * `OperatorConfig`, so `loadConfig()`'s result can be passed as is.
 */
export interface RunnerOperatorConfig {
  readonly runner: Readonly<
    Pick<
      RunnerConfig,
      | 'image'
      | 'stateSyncImage'
      | 'imagePullPolicy'
      | 'podFsGroup'
      | 'securityProfile'
      | 'runAsUser'
      | 'runAsGroup'
      | 'stateSyncSidecar'
      | 'backendPublicUrl'
      | 'mcpConfigFile'
      | 'googleOAuthClientId'
      | 'googleOAuthClientSecret'
    >
  >;
  /** Vertex mode: USE_VERTEX env group, `ambient-vertex` mount, no `ambient-runner-secrets` envFrom. */
  readonly vertex: Readonly<VertexConfig>;
  /** `backend` is BACKEND_NAMESPACE, the host of BACKEND_API_URL. */
  readonly namespaces: Readonly<Pick<NamespacesConfig, 'backend'>>;
}

/**
 * How `state-sync` runs. 'native': an init container with restartPolicy Always (Kubernetes ≥1.29), so the
 * pod, and therefore the Job, finishes when the runner exits and podFailurePolicy sees the runner's exit
 * code. 'container': an ordinary container as upstream; the pod then never completes while the sidecar
 * loops (upstream §10.1), so the worker judges the runner by its container's state; for clusters without
 * native sidecars (an older API server drops the field and sync.sh would block the pod as an init container).
 */
export type StateSyncSidecarMode = 'native' | 'container';

/** What the worker learnt about the cluster at start-up (worker/src/cluster-capabilities.ts). */
export interface RunnerClusterCapabilities {
  /** The API server is Kubernetes ≥ 1.29 (native sidecars). */
  readonly nativeSidecars: boolean;
  /** OpenShift (security.openshift.io is served): its SCC assigns each pod a UID from the namespace's range. */
  readonly openShift: boolean;
}

/** What a cluster is taken to be when nothing was detected: a current vanilla Kubernetes. */
export const DEFAULT_CLUSTER_CAPABILITIES: RunnerClusterCapabilities = {
  nativeSidecars: true,
  openShift: false,
};

/** What the worker observed before building the runner (all reads done by the caller). */
export interface RunnerClusterFacts {
  /** Secret `ambient-non-vertex-integrations` exists in the session namespace (runner envFrom). */
  readonly integrationSecretExists: boolean;
  /** Platform secrets present in the session namespace after copying (copied-secrets.ts). With Vertex on,
   *  a failed `ambient-vertex` copy must stop the run before building (contract: required). */
  readonly copiedSecrets: {
    readonly vertex: boolean;
    readonly langfuse: boolean;
    readonly mlflow: boolean;
  };
  /** The copied MLflow secret has MLFLOW_TRACKING_AUTH kubernetes|kubernetes-namespaced: the pod runs as
   *  the session ServiceAccount with its token automounted. */
  readonly mlflowKubernetesAuth: boolean;
  /** ConfigMap `trusted-ca-bundle` exists in the namespace with key `ca-bundle.crt` (Data or BinaryData). */
  readonly trustedCaBundle: boolean;
  /** Result of resolveS3Config. */
  readonly s3: ResolvedS3Config;
  /** ProjectSettings `spec.mcpServers` of the namespace, if any (PROJECT_MCP_SERVERS). */
  readonly projectMcpServers?: McpServers;
  /** The session already had `status.startTime` before this run: IS_RESUME=true unless the
   *  force-execute-prompt annotation is set. */
  readonly isResume: boolean;
  /** resolveVertexModelId(manifest, model): LLM_MODEL_VERTEX_ID when defined. */
  readonly vertexModelId?: string;
  /** `status.startTime` of the run this Job belongs to, recorded on the Job as an annotation. */
  readonly runStartTime?: string;
  /** Name of the runner token Secret. @defaultValue runnerTokenSecretName(session) */
  readonly tokenSecretName?: string;
}

export interface RunnerBuildInput {
  readonly session: StoredAgenticSession;
  readonly config: RunnerOperatorConfig;
  readonly runtime: ResolvedRuntime;
  readonly facts: RunnerClusterFacts;
  /** Decides the `auto` settings (security profile, state-sync form). @defaultValue DEFAULT_CLUSTER_CAPABILITIES */
  readonly cluster?: RunnerClusterCapabilities;
}
