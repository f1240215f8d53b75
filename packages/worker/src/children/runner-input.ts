import type { AgenticSession, McpServers } from './agentic-session.js';
import type { ResolvedRuntime } from './agent-registry.js';
import type { ResolvedS3Config } from './s3-config.js';

// The inputs of the runner builders: operator configuration, the resolved registry runtime and what the
// worker observed in the cluster. The builders do no I/O; everything they depend on is in here.

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Vertex AI settings, present only when USE_VERTEX (or legacy CLAUDE_CODE_USE_VERTEX) is truthy. */
export interface VertexSettings {
  /** ANTHROPIC_VERTEX_PROJECT_ID */
  readonly projectId: string;
  /** CLOUD_ML_REGION */
  readonly region: string;
  /** GOOGLE_APPLICATION_CREDENTIALS (a path inside the mounted `ambient-vertex` Secret, /app/vertex/...) */
  readonly credentialsPath: string;
}

/** Operator-wide settings (contract §7.2), already parsed and defaulted by the config loader. */
export interface RunnerOperatorConfig {
  /** AMBIENT_CODE_RUNNER_IMAGE: the runner image when the registry entry names none. */
  readonly runnerImage: string;
  /** STATE_SYNC_IMAGE: init and sidecar image when the registry entry names none. */
  readonly stateSyncImage: string;
  /** IMAGE_PULL_POLICY, for every container. @defaultValue 'Always' (applied by the loader) */
  readonly imagePullPolicy: ImagePullPolicy;
  /** BACKEND_NAMESPACE: host of BACKEND_API_URL. */
  readonly backendNamespace: string;
  /** BACKEND_PUBLIC_URL; empty means no GOOGLE_OAUTH_REDIRECT_URI. */
  readonly backendPublicUrl: string;
  /** Vertex mode; undefined means off. */
  readonly vertex?: VertexSettings;
  /** GOOGLE_OAUTH_CLIENT_ID, forwarded as a plain value (it is not secret). */
  readonly googleOAuthClientId: string;
  /** GOOGLE_OAUTH_CLIENT_SECRET, forwarded through the per-session credentials Secret. */
  readonly googleOAuthClientSecret: string;
  /** MCP_CONFIG_FILE, forwarded when set. */
  readonly mcpConfigFile?: string;
  /** POD_FSGROUP: pod fsGroup (with fsGroupChangePolicy OnRootMismatch) when set. */
  readonly podFsGroup?: number;
  /**
   * How `state-sync` runs. 'native' (default): an init container with restartPolicy Always (Kubernetes
   * ≥1.29), so the pod, and therefore the Job, finishes when the runner exits and podFailurePolicy sees
   * the runner's exit code. 'container': an ordinary container as upstream; the pod then never completes
   * while the sidecar loops (upstream §10.1), use only on clusters without native sidecars.
   * @defaultValue 'native'
   */
  readonly stateSyncSidecar?: 'native' | 'container';
}

/** What the worker observed before building the runner (all reads done by the caller). */
export interface RunnerClusterFacts {
  /** Secret `ambient-non-vertex-integrations` exists in the session namespace (runner envFrom). */
  readonly integrationSecretExists: boolean;
  /** Platform secrets present in the session namespace after copying (copied-secrets.ts). */
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
  readonly session: AgenticSession;
  readonly config: RunnerOperatorConfig;
  readonly runtime: ResolvedRuntime;
  readonly facts: RunnerClusterFacts;
}
