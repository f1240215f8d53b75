import type { LocalRunners } from './local-runner/index.js';
import type {
  AmbientApiClient,
  KubeClients,
  EventRecorder,
  Logger,
  OperatorConfig,
  OperatorMetrics,
  SessionPhaseIndex,
} from '@ambient-operator/shared';
import type { MachineConfig } from '@ambient-operator/machines';
import type {
  AgentRegistry,
  ConfigFileProblem,
  ModelsManifest,
  RunnerClusterCapabilities,
} from './children/index.js';
import type { ManagedNamespaces } from './managed-namespaces.js';
import type { RecentReads } from './recent-reads.js';
import type { RunnerClient, RunnerResolver } from './runner-client.js';
import type { ReconcileInspector } from './xstate-inspect.js';

/**
 * Everything one reconcile needs, passed as one object so tests can point any part elsewhere.
 * Nothing in here holds per-session state: any worker can reconcile any key.
 */
export interface WorkerDeps {
  api: KubeClients;
  config: OperatorConfig;
  machine: MachineConfig;
  log: Logger;
  metrics: OperatorMetrics;
  /** ms since the epoch; the only clock a reconcile reads. */
  now: () => number;
  runnerClient: RunnerClient;
  /** Where a session's runner answers (cluster DNS by default; a local fake runner in tests). */
  resolveRunnerUrl: RunnerResolver;
  /** The agent registry file, cached; undefined when the file is absent (defaults apply). */
  agentRegistry: () => Promise<AgentRegistry | undefined>;
  /** The models manifest, cached; undefined when absent. */
  modelsManifest: () => Promise<ModelsManifest | undefined>;
  /** What was skipped in the registry and the manifest (their defaults apply); empty when both are fine. */
  configProblems: () => Promise<{
    registry: readonly ConfigFileProblem[];
    models: readonly ConfigFileProblem[];
  }>;
  /** Learnt at start-up (cluster-probe.ts): decides the runner's `auto` settings. */
  cluster: RunnerClusterCapabilities;
  /** Which namespaces carry the managed label (a recent "yes" is not read again). */
  managedNamespaces: ManagedNamespaces;
  /** Answers of unwatched objects this process read or wrote a moment ago (recent-reads.ts); absent: every read is live. */
  recentReads?: RecentReads;
  /** The ambient-api-server, when its source runs in MODE=kube here; undefined otherwise. */
  ambient: AmbientApiClient | undefined;
  /** MODE=local: the API sessions this worker runs as local processes (local-runner/). */
  local?: LocalRunners;
  /** Kubernetes Events for what users must see (transitions, failures, re-creations, stops); none when absent. */
  events?: EventRecorder;
  /** Which session is in which phase since when, cluster-wide (`ambient_session_oldest_in_phase_seconds`). */
  phaseIndex?: SessionPhaseIndex;
  /** `XSTATE_INSPECT`: each reconcile streamed to an @statelyai/inspect inspector. */
  inspector?: ReconcileInspector;
}
