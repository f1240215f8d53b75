import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Every Prometheus metric of the operator, declared once (style.md item 12). The eight `ambient_*`
 * session metrics use exactly the names, types and labels of the upstream README table, so its PromQL
 * works; the reconcile and queue metrics are ours.
 */

/** How one reconcile ended (controller-runtime's `reconcile_total{result}`). */
export const RECONCILE_OUTCOMES = ['success', 'requeue_after', 'retryable', 'conflict', 'terminal'] as const;
export type ReconcileOutcomeLabel = (typeof RECONCILE_OUTCOMES)[number];

/** Job states reported by BullMQ's `getJobCounts()`. */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/**
 * Histogram buckets, in seconds.
 * - Startup (Pending → Running: scheduling, image pull, runner boot): 0.5 s … 10 min.
 * - Reconcile (a few API round-trips): 1 ms … 10 s, dense below 100 ms.
 * - Pod/Job creation (one API call, sometimes throttled): 5 ms … 10 s.
 * - Token provisioning (SA, Role, RoleBinding, TokenRequest, Secret: ~5 calls): 10 ms … 30 s.
 */
export const BUCKETS = {
  sessionStartupSeconds: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
  reconcileSeconds: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  podCreationSeconds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  tokenProvisionSeconds: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  /** Enqueue (or timer due) → reconcile start: ms when idle, minutes when workers fall behind. */
  queueWaitSeconds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  /** One stage of a session's start or stop: sub-second API writes up to image pulls and grace periods. */
  sessionStageSeconds: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
} as const;

/**
 * Stages of a session's start and stop (`ambient_session_stage_duration_seconds{stage}`), each measured
 * from the previous one's end: session seen → runner Job created → pod scheduled → runner container
 * started → phase Running; stop requested → Stopped.
 */
export const SESSION_STAGES = [
  'job_created',
  'pod_scheduled',
  'containers_started',
  'running',
  'stopping',
] as const;
export type SessionStage = (typeof SESSION_STAGES)[number];

/** Sessions per phase across the cluster, read at scrape time (not from this process's history). */
export interface PhaseStats {
  /** Sessions currently in each phase (phases not given are reported as 0). */
  count: Record<string, number>;
  /** Seconds the longest-waiting session has been in each phase (0 when none). */
  oldestAgeSeconds: Record<string, number>;
}

/** Queue numbers read at scrape time (from BullMQ). */
export interface QueueStats {
  /** Jobs per state; states not given are reported as 0. */
  depth: Partial<Record<QueueState, number>>;
  /** Age of the oldest waiting job in seconds; 0 when none waits. */
  oldestJobAgeSeconds: number;
}

export interface OperatorMetricsOptions {
  /**
   * Called at scrape time to fill `ambient_sessions_in_phase` and `ambient_session_oldest_in_phase_seconds`
   * (cluster-wide figures, the same from every worker). Without it those gauges are not exported.
   */
  collectPhaseStats?: () => Promise<PhaseStats>;
}

export interface OperatorMetrics {
  /** `ambient_session_startup_duration_seconds{namespace}`: Pending → Running. */
  sessionStartupDuration: Histogram<'namespace'>;
  /** `ambient_sessions_total{namespace}`: sessions created. */
  sessionsTotal: Counter<'namespace'>;
  /** `ambient_sessions_completed_total{namespace,final_phase}`: sessions reaching Stopped/Failed/Completed. */
  sessionsCompleted: Counter<'namespace' | 'final_phase'>;
  /** `ambient_session_phase_transitions_total{namespace,from_phase,to_phase}`. */
  phaseTransitions: Counter<'namespace' | 'from_phase' | 'to_phase'>;
  /** `ambient_user_deployment_phase_transitions_total{namespace,from_phase,to_phase}` (issue 19). */
  userDeploymentPhaseTransitions: Counter<'namespace' | 'from_phase' | 'to_phase'>;
  /** `ambient_reconcile_duration_seconds{phase,success}` with success "true"/"false". */
  reconcileDuration: Histogram<'phase' | 'success'>;
  /** `ambient_pod_creation_duration_seconds{namespace}`: runner Job/Pod creation. */
  podCreationDuration: Histogram<'namespace'>;
  /** `ambient_token_provision_duration_seconds{namespace}`. */
  tokenProvisionDuration: Histogram<'namespace'>;
  /** `ambient_session_errors_total{namespace,phase,error_type}`. */
  sessionErrors: Counter<'namespace' | 'phase' | 'error_type'>;
  /** `ambient_reconcile_total{outcome}`: each reconcile counted once. */
  reconcileTotal: Counter<'outcome'>;
  /** `ambient_queue_processed_total`: jobs completed by this process. */
  queueProcessed: Counter;
  /** `ambient_queue_failed_total`: jobs failed in this process. */
  queueFailed: Counter;
  /** `ambient_queue_wait_duration_seconds`: enqueue (or timer due) → reconcile start. */
  queueWaitDuration: Histogram;
  /** `ambient_session_stage_duration_seconds{namespace,stage}`, each stage counted once per session. */
  sessionStageDuration: Histogram<'namespace' | 'stage'>;
  /** `ambient_task_phase_transitions_total{namespace,from_phase,to_phase}`: AgentTask phase changes. */
  taskPhaseTransitions: Counter<'namespace' | 'from_phase' | 'to_phase'>;
  /** `ambient_workflow_phase_transitions_total{namespace,from_phase,to_phase}`: Workflow phase changes. */
  workflowPhaseTransitions: Counter<'namespace' | 'from_phase' | 'to_phase'>;
  /** `ambient_task_duration_seconds{namespace,final_phase}`: an AgentTask's startTime → completionTime. */
  taskDuration: Histogram<'namespace' | 'final_phase'>;
}

/** The queue's gauges, in a registry only while this process exports them. */
export interface QueueGauges {
  /** Starts (true) or stops (false) serving both gauges from the registry. */
  exporting(on: boolean): void;
}

/**
 * `ambient_queue_depth{state}` and `ambient_queue_oldest_job_age_seconds`: figures of the whole queue, so one process
 * exports them (the watcher holding the Lease; see README "Metrics"), and only while it does: a standby serves no
 * series at all. `collect` runs once per scrape for both; a failed read gives NaN.
 */
export function createQueueGauges(registry: Registry, collect: () => Promise<QueueStats>): QueueGauges {
  let pending: Promise<QueueStats | undefined> | undefined;
  const stats = () =>
    (pending ??= collect()
      .catch(() => undefined)
      .finally(() => {
        pending = undefined;
      }));
  const gauges: { name: string; gauge: Gauge<'state'> | Gauge }[] = [];
  gauges.push({
    name: 'ambient_queue_depth',
    gauge: new Gauge({
      name: 'ambient_queue_depth',
      help: 'Jobs in the session queue by state (exported by the leader watcher)',
      labelNames: ['state'] as const,
      registers: [],
      async collect(this: Gauge<'state'>) {
        const s = await stats();
        for (const state of QUEUE_STATES) this.set({ state }, s ? (s.depth[state] ?? 0) : Number.NaN);
      },
    }),
  });
  gauges.push({
    name: 'ambient_queue_oldest_job_age_seconds',
    gauge: new Gauge({
      name: 'ambient_queue_oldest_job_age_seconds',
      help: 'Age of the oldest job ready to run in the session queue, in seconds (exported by the leader watcher)',
      registers: [],
      async collect(this: Gauge) {
        this.set((await stats())?.oldestJobAgeSeconds ?? Number.NaN);
      },
    }),
  });
  let on = false;
  return {
    exporting(next) {
      if (next === on) return;
      on = next;
      for (const { name, gauge } of gauges) {
        if (next) registry.registerMetric(gauge);
        else registry.removeSingleMetric(name);
      }
    },
  };
}

/** Define every metric in `registry` (use one registry per process; names must be unique in it). */
export function createOperatorMetrics(
  registry: Registry,
  options: OperatorMetricsOptions = {},
): OperatorMetrics {
  const registers = [registry];
  let pendingPhaseStats: Promise<PhaseStats> | undefined;
  const phaseStats = (collector: () => Promise<PhaseStats>) =>
    (pendingPhaseStats ??= collector().finally(() => {
      pendingPhaseStats = undefined;
    }));
  if (options.collectPhaseStats) {
    const collector = options.collectPhaseStats;
    new Gauge({
      name: 'ambient_sessions_in_phase',
      help: 'Sessions in each non-terminal phase, cluster-wide (read from Redis at scrape time)',
      labelNames: ['phase'] as const,
      registers,
      async collect(this: Gauge<'phase'>) {
        this.reset();
        for (const [phase, n] of Object.entries((await phaseStats(collector)).count)) this.set({ phase }, n);
      },
    });
    new Gauge({
      name: 'ambient_session_oldest_in_phase_seconds',
      help: 'Seconds the longest-waiting session has been in each non-terminal phase, cluster-wide',
      labelNames: ['phase'] as const,
      registers,
      async collect(this: Gauge<'phase'>) {
        this.reset();
        const ages = (await phaseStats(collector)).oldestAgeSeconds;
        for (const [phase, age] of Object.entries(ages)) this.set({ phase }, age);
      },
    });
  }

  return {
    sessionStartupDuration: new Histogram({
      name: 'ambient_session_startup_duration_seconds',
      help: 'Time from Pending to Running',
      labelNames: ['namespace'] as const,
      buckets: [...BUCKETS.sessionStartupSeconds],
      registers,
    }),
    sessionsTotal: new Counter({
      name: 'ambient_sessions_total',
      help: 'Total sessions created',
      labelNames: ['namespace'] as const,
      registers,
    }),
    sessionsCompleted: new Counter({
      name: 'ambient_sessions_completed_total',
      help: 'Sessions reaching terminal states (Stopped, Failed, Completed)',
      labelNames: ['namespace', 'final_phase'] as const,
      registers,
    }),
    phaseTransitions: new Counter({
      name: 'ambient_session_phase_transitions_total',
      help: 'Phase transition counts',
      labelNames: ['namespace', 'from_phase', 'to_phase'] as const,
      registers,
    }),
    userDeploymentPhaseTransitions: new Counter({
      name: 'ambient_user_deployment_phase_transitions_total',
      help: 'UserDeployment phase transitions, counted once after their status write',
      labelNames: ['namespace', 'from_phase', 'to_phase'] as const,
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'ambient_reconcile_duration_seconds',
      help: 'Reconcile loop timing',
      labelNames: ['phase', 'success'] as const,
      buckets: [...BUCKETS.reconcileSeconds],
      registers,
    }),
    podCreationDuration: new Histogram({
      name: 'ambient_pod_creation_duration_seconds',
      help: 'Pod creation timing',
      labelNames: ['namespace'] as const,
      buckets: [...BUCKETS.podCreationSeconds],
      registers,
    }),
    tokenProvisionDuration: new Histogram({
      name: 'ambient_token_provision_duration_seconds',
      help: 'Runner token provisioning time',
      labelNames: ['namespace'] as const,
      buckets: [...BUCKETS.tokenProvisionSeconds],
      registers,
    }),
    sessionErrors: new Counter({
      name: 'ambient_session_errors_total',
      help: 'Error tracking',
      labelNames: ['namespace', 'phase', 'error_type'] as const,
      registers,
    }),
    reconcileTotal: new Counter({
      name: 'ambient_reconcile_total',
      help: 'Reconciles by outcome (success, requeue_after, retryable, conflict, terminal)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    queueProcessed: new Counter({
      name: 'ambient_queue_processed_total',
      help: 'Session queue jobs completed by this process',
      registers,
    }),
    queueFailed: new Counter({
      name: 'ambient_queue_failed_total',
      help: 'Session queue jobs failed in this process',
      registers,
    }),
    queueWaitDuration: new Histogram({
      name: 'ambient_queue_wait_duration_seconds',
      help: 'Time from enqueue (or a timer falling due) to the start of the reconcile',
      buckets: [...BUCKETS.queueWaitSeconds],
      registers,
    }),
    sessionStageDuration: new Histogram({
      name: 'ambient_session_stage_duration_seconds',
      help: 'Duration of each stage of a session start or stop, counted once per session and stage',
      labelNames: ['namespace', 'stage'] as const,
      buckets: [...BUCKETS.sessionStageSeconds],
      registers,
    }),
    taskPhaseTransitions: new Counter({
      name: 'ambient_task_phase_transitions_total',
      help: 'AgentTask phase transitions, counted after the status write',
      labelNames: ['namespace', 'from_phase', 'to_phase'] as const,
      registers,
    }),
    workflowPhaseTransitions: new Counter({
      name: 'ambient_workflow_phase_transitions_total',
      help: 'Workflow phase transitions, counted after the status write',
      labelNames: ['namespace', 'from_phase', 'to_phase'] as const,
      registers,
    }),
    taskDuration: new Histogram({
      name: 'ambient_task_duration_seconds',
      help: 'AgentTask run time (startTime to completionTime) by final phase',
      labelNames: ['namespace', 'final_phase'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
      registers,
    }),
  };
}

export interface KnownLabels {
  /** Phase names (from the machine in @ambient-operator/machines; shared must not import it). */
  phases: readonly string[];
  /** Namespaces to pre-create per-namespace series for. @defaultValue [] */
  namespaces?: readonly string[];
  /** Terminal phases (final_phase values). @defaultValue [] */
  terminalPhases?: readonly string[];
}

/**
 * Set the known label combinations to 0 at startup, like controller-runtime's initMetrics, so rates
 * and ratios exist before the first event: outcomes, phases × success, queue states, and per given
 * namespace the session counters and histograms. Transition and error series (phase × phase, free-form
 * error types) are left to appear on first use.
 */
export function initKnownLabels(metrics: OperatorMetrics, known: KnownLabels): void {
  for (const outcome of RECONCILE_OUTCOMES) metrics.reconcileTotal.inc({ outcome }, 0);
  for (const phase of known.phases) {
    for (const success of ['true', 'false']) metrics.reconcileDuration.zero({ phase, success });
  }
  metrics.queueProcessed.inc(0);
  metrics.queueFailed.inc(0);
  metrics.queueWaitDuration.zero({});
  for (const namespace of known.namespaces ?? []) {
    for (const stage of SESSION_STAGES) metrics.sessionStageDuration.zero({ namespace, stage });
    metrics.sessionsTotal.inc({ namespace }, 0);
    metrics.sessionStartupDuration.zero({ namespace });
    metrics.podCreationDuration.zero({ namespace });
    metrics.tokenProvisionDuration.zero({ namespace });
    for (const final_phase of known.terminalPhases ?? [])
      metrics.sessionsCompleted.inc({ namespace, final_phase }, 0);
  }
}
