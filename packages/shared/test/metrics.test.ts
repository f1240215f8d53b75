import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import {
  BUCKETS,
  RECONCILE_OUTCOMES,
  createOperatorMetrics,
  createQueueGauges,
  initKnownLabels,
} from '@ambient-operator/shared';

interface Family {
  type: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** A small parser of the Prometheus text exposition format (what a scraper reads). */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { type: '', help: '', samples: [] }));
    return f;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'HELP') family(meta[2]!).help = meta[3]!;
      else family(meta[2]!).type = meta[3]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`unparseable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    const name = sample[1]!;
    const base = [...families.keys()].find(
      (f) => name === f || (name.startsWith(f) && /^_(bucket|sum|count)$/.test(name.slice(f.length))),
    );
    if (!base) throw new Error(`sample without family: ${line}`);
    family(base).samples.push({ name, labels, value: Number(sample[3]) });
  }
  return families;
}

/** The upstream README table, verbatim: name, type, labels. */
const README_TABLE: [string, string, string[]][] = [
  ['ambient_session_startup_duration_seconds', 'histogram', ['namespace']],
  ['ambient_sessions_total', 'counter', ['namespace']],
  ['ambient_sessions_completed_total', 'counter', ['namespace', 'final_phase']],
  ['ambient_session_phase_transitions_total', 'counter', ['namespace', 'from_phase', 'to_phase']],
  ['ambient_reconcile_duration_seconds', 'histogram', ['phase', 'success']],
  ['ambient_pod_creation_duration_seconds', 'histogram', ['namespace']],
  ['ambient_token_provision_duration_seconds', 'histogram', ['namespace']],
  ['ambient_session_errors_total', 'counter', ['namespace', 'phase', 'error_type']],
];
const OURS: [string, string, string[]][] = [
  ['ambient_reconcile_total', 'counter', ['outcome']],
  ['ambient_queue_processed_total', 'counter', []],
  ['ambient_queue_failed_total', 'counter', []],
  ['ambient_queue_wait_duration_seconds', 'histogram', []],
  ['ambient_session_stage_duration_seconds', 'histogram', ['namespace', 'stage']],
  ['ambient_task_phase_transitions_total', 'counter', ['namespace', 'from_phase', 'to_phase']],
  ['ambient_workflow_phase_transitions_total', 'counter', ['namespace', 'from_phase', 'to_phase']],
  ['ambient_task_duration_seconds', 'histogram', ['namespace', 'final_phase']],
  ['ambient_user_deployment_phase_transitions_total', 'counter', ['namespace', 'from_phase', 'to_phase']],
];

function labelNames(f: Family): string[] {
  const names = new Set<string>();
  for (const s of f.samples) for (const k of Object.keys(s.labels)) if (k !== 'le') names.add(k);
  return [...names].sort();
}

describe('operator metrics', () => {
  test('every metric has the exact name, type and labels (README table plus ours)', async () => {
    const registry = new Registry();
    const m = createOperatorMetrics(registry);
    // One observation of each, so every family has samples with its labels.
    m.sessionStartupDuration.observe({ namespace: 'demo' }, 12.5);
    m.sessionsTotal.inc({ namespace: 'demo' });
    m.sessionsCompleted.inc({ namespace: 'demo', final_phase: 'Completed' });
    m.phaseTransitions.inc({ namespace: 'demo', from_phase: 'Pending', to_phase: 'Creating' });
    m.reconcileDuration.observe({ phase: 'Pending', success: 'true' }, 0.004);
    m.podCreationDuration.observe({ namespace: 'demo' }, 0.03);
    m.tokenProvisionDuration.observe({ namespace: 'demo' }, 0.2);
    m.sessionErrors.inc({ namespace: 'demo', phase: 'Pending', error_type: 'TokenProvisionFailed' });
    m.reconcileTotal.inc({ outcome: 'success' });
    m.queueProcessed.inc();
    m.queueFailed.inc();
    m.queueWaitDuration.observe(0.02);
    m.sessionStageDuration.observe({ namespace: 'demo', stage: 'pod_scheduled' }, 0.7);
    m.taskPhaseTransitions.inc({ namespace: 'demo', from_phase: 'Running', to_phase: 'Timeout' });
    m.workflowPhaseTransitions.inc({ namespace: 'demo', from_phase: 'Running', to_phase: 'Failed' });
    m.taskDuration.observe({ namespace: 'demo', final_phase: 'Succeeded' }, 42);
    m.userDeploymentPhaseTransitions.inc({
      namespace: 'demo',
      from_phase: 'Provisioning',
      to_phase: 'Running',
    });

    const families = parseExposition(await registry.metrics());
    expect([...families.keys()].sort()).toEqual([...README_TABLE, ...OURS].map(([n]) => n).sort());
    for (const [name, type, labels] of [...README_TABLE, ...OURS]) {
      const f = families.get(name)!;
      expect({ name, type: f.type, labels: labelNames(f) }).toEqual({
        name,
        type,
        labels: [...labels].sort(),
      });
      expect(f.help).not.toBe('');
    }
  });

  test('histograms expose _bucket/_sum/_count series the README PromQL uses', async () => {
    const registry = new Registry();
    const m = createOperatorMetrics(registry);
    m.sessionStartupDuration.observe({ namespace: 'demo' }, 12.5);
    m.sessionStartupDuration.observe({ namespace: 'demo' }, 45);
    m.reconcileDuration.observe({ phase: 'Running', success: 'true' }, 0.002);
    m.reconcileDuration.observe({ phase: 'Running', success: 'false' }, 0.2);
    const startup = parseExposition(await registry.metrics()).get(
      'ambient_session_startup_duration_seconds',
    )!;
    const buckets = startup.samples.filter((s) => s.name.endsWith('_bucket'));
    expect(buckets.map((b) => b.labels['le'])).toEqual([
      ...BUCKETS.sessionStartupSeconds.map(String),
      '+Inf',
    ]);
    expect(buckets.find((b) => b.labels['le'] === '20')?.value).toBe(1);
    expect(buckets.find((b) => b.labels['le'] === '+Inf')?.value).toBe(2);
    expect(startup.samples.find((s) => s.name.endsWith('_sum'))).toMatchObject({
      labels: { namespace: 'demo' },
      value: 57.5,
    });
    expect(startup.samples.find((s) => s.name.endsWith('_count'))?.value).toBe(2);
    const reconcile = parseExposition(await registry.metrics()).get('ambient_reconcile_duration_seconds')!;
    const counts = reconcile.samples.filter((s) => s.name.endsWith('_count'));
    // sum(rate(..._count{success="true"})) / sum(rate(..._count)) has both series to divide.
    expect(counts.map((c) => c.labels['success']).sort()).toEqual(['false', 'true']);
  });

  test('initKnownLabels sets known combinations to 0, like controller-runtime', async () => {
    const registry = new Registry();
    const m = createOperatorMetrics(registry);
    const phases = ['Pending', 'Creating', 'Running'];
    initKnownLabels(m, { phases, namespaces: ['demo'], terminalPhases: ['Stopped', 'Completed', 'Failed'] });
    const families = parseExposition(await registry.metrics());
    const outcomes = families.get('ambient_reconcile_total')!.samples;
    expect(outcomes.map((s) => s.labels['outcome']).sort()).toEqual([...RECONCILE_OUTCOMES].sort());
    expect(outcomes.every((s) => s.value === 0)).toBe(true);
    const counts = families
      .get('ambient_reconcile_duration_seconds')!
      .samples.filter((s) => s.name.endsWith('_count'));
    expect(counts).toHaveLength(phases.length * 2);
    expect(counts.every((s) => s.value === 0)).toBe(true);
    expect(families.get('ambient_sessions_total')!.samples).toEqual([
      { name: 'ambient_sessions_total', labels: { namespace: 'demo' }, value: 0 },
    ]);
    expect(
      families.get('ambient_sessions_completed_total')!.samples.map((s) => s.labels['final_phase']),
    ).toEqual(['Stopped', 'Completed', 'Failed']);
    expect(families.get('ambient_queue_processed_total')!.samples[0]!.value).toBe(0);
  });

  test('queue gauges are filled at scrape time from one collector call, only while the process exports them', async () => {
    const registry = new Registry();
    let calls = 0;
    const gauges = createQueueGauges(registry, () => {
      calls++;
      return Promise.resolve({ depth: { waiting: 7, active: 2 }, oldestJobAgeSeconds: 42 });
    });
    // A standby watcher serves no queue series (the leader's are the only ones).
    let families = parseExposition(await registry.metrics());
    expect(families.has('ambient_queue_depth')).toBe(false);
    expect(families.has('ambient_queue_oldest_job_age_seconds')).toBe(false);
    expect(calls).toBe(0);
    gauges.exporting(true);
    families = parseExposition(await registry.metrics());
    expect(calls).toBe(1);
    const depth = families.get('ambient_queue_depth')!.samples;
    expect(depth.find((s) => s.labels['state'] === 'waiting')?.value).toBe(7);
    expect(depth.find((s) => s.labels['state'] === 'active')?.value).toBe(2);
    expect(depth.find((s) => s.labels['state'] === 'delayed')?.value).toBe(0);
    expect(families.get('ambient_queue_oldest_job_age_seconds')!.samples[0]!.value).toBe(42);
    gauges.exporting(false);
    expect(parseExposition(await registry.metrics()).has('ambient_queue_depth')).toBe(false);
  });

  test('a worker does not export the queue gauges (the leader watcher does)', async () => {
    const registry = new Registry();
    initKnownLabels(createOperatorMetrics(registry), { phases: ['Pending'] });
    const families = parseExposition(await registry.metrics());
    expect(families.has('ambient_queue_depth')).toBe(false);
    expect(families.has('ambient_queue_oldest_job_age_seconds')).toBe(false);
  });

  test('two registries are independent (no global default registry)', async () => {
    const a = new Registry();
    const b = new Registry();
    createOperatorMetrics(a).sessionsTotal.inc({ namespace: 'x' });
    createOperatorMetrics(b);
    expect(await b.metrics()).not.toContain('namespace="x"');
    expect(await a.metrics()).toContain('ambient_sessions_total{namespace="x"} 1');
  });
});
