import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createOperatorMetrics,
  createQueueGauges,
  QUEUE_STATES,
  RECONCILE_OUTCOMES,
} from '@ambient-operator/shared';
import {
  analysePromql,
  deployDir,
  parseMetricsContract,
  promqlContractProblems,
  type MetricDefinition,
} from '@ambient-operator/deploy-tests';
import { build, find } from './support/builds.js';

const readme = (): Promise<string> => readFile(join(deployDir, 'README.md'), 'utf8');
const contract = async (): Promise<MetricDefinition[]> => parseMetricsContract(await readme());

/** The eight metrics (and labels) the upstream operator README promises. */
const UPSTREAM_METRICS: MetricDefinition[] = [
  { name: 'ambient_session_startup_duration_seconds', type: 'histogram', labels: ['namespace'] },
  { name: 'ambient_sessions_total', type: 'counter', labels: ['namespace'] },
  { name: 'ambient_sessions_completed_total', type: 'counter', labels: ['namespace', 'final_phase'] },
  {
    name: 'ambient_session_phase_transitions_total',
    type: 'counter',
    labels: ['namespace', 'from_phase', 'to_phase'],
  },
  { name: 'ambient_reconcile_duration_seconds', type: 'histogram', labels: ['phase', 'success'] },
  { name: 'ambient_pod_creation_duration_seconds', type: 'histogram', labels: ['namespace'] },
  { name: 'ambient_token_provision_duration_seconds', type: 'histogram', labels: ['namespace'] },
  { name: 'ambient_session_errors_total', type: 'counter', labels: ['namespace', 'phase', 'error_type'] },
];

/** The upstream README's example queries, which must work against our metrics. */
const UPSTREAM_QUERIES = [
  'histogram_quantile(0.95, sum(rate(ambient_session_startup_duration_seconds_bucket[5m])) by (le, namespace))',
  'sum(rate(ambient_session_startup_duration_seconds_sum[5m])) / sum(rate(ambient_session_startup_duration_seconds_count[5m]))',
  'sum(increase(ambient_sessions_total[1h])) by (namespace)',
  'sum(rate(ambient_session_phase_transitions_total[1m])) by (from_phase, to_phase)',
  'sum(rate(ambient_session_errors_total[5m])) by (phase, error_type)',
  'sum(rate(ambient_reconcile_duration_seconds_count{success="true"}[5m])) / sum(rate(ambient_reconcile_duration_seconds_count[5m]))',
];

const ruleSchema = z.looseObject({
  spec: z.looseObject({
    groups: z.array(
      z.looseObject({
        name: z.string(),
        rules: z.array(
          z.looseObject({
            alert: z.string(),
            expr: z.string(),
            for: z.string(),
            labels: z.looseObject({ severity: z.enum(['critical', 'warning', 'info']) }),
            annotations: z.looseObject({ summary: z.string().min(1), description: z.string().min(1) }),
          }),
        ),
      }),
    ),
  }),
});

async function alerts() {
  const rule = find(await build('production'), 'PrometheusRule', 'ambient-operator');
  return ruleSchema.parse(rule).spec.groups.flatMap((g) => g.rules);
}

const panelSchema: z.ZodType<{
  id: number;
  type: string;
  datasource?: unknown;
  targets?: { expr: string }[];
  panels?: unknown[];
}> = z.looseObject({
  id: z.number(),
  type: z.string(),
  datasource: z.unknown().optional(),
  targets: z.array(z.looseObject({ expr: z.string() })).optional(),
  panels: z.array(z.unknown()).optional(),
});
const dashboardSchema = z.looseObject({
  uid: z.string(),
  title: z.string(),
  templating: z.looseObject({ list: z.array(z.looseObject({ name: z.string(), type: z.string() })) }),
  panels: z.array(panelSchema),
});

async function dashboard() {
  const configMap = find(await build('production'), 'ConfigMap', 'ambient-operator-dashboard');
  const data = z.looseObject({ data: z.record(z.string(), z.string()) }).parse(configMap).data;
  expect(Object.keys(data)).toEqual(['ambient-operator.json']);
  return dashboardSchema.parse(JSON.parse(data['ambient-operator.json']!));
}

describe('the metrics contract in deploy/README.md', () => {
  it('declares the eight upstream metrics with their labels, plus the queue/leader/watch metrics', async () => {
    const declared = await contract();
    for (const metric of UPSTREAM_METRICS) expect(declared).toContainEqual(metric);
    expect(declared.map((m) => m.name)).toEqual(
      expect.arrayContaining([
        'ambient_watcher_is_leader',
        'ambient_watcher_watch_age_seconds',
        'ambient_queue_depth',
        'ambient_queue_oldest_job_age_seconds',
        'ambient_reconcile_total',
      ]),
    );
    expect(declared.find((m) => m.name === 'ambient_watcher_watch_age_seconds')?.labels).toEqual([
      'resource',
    ]);
    expect(declared.find((m) => m.name === 'ambient_queue_depth')?.labels).toEqual(['state']);
    expect(declared.find((m) => m.name === 'ambient_reconcile_total')?.labels).toEqual(['outcome']);
    expect(new Set(declared.map((m) => m.name)).size).toBe(declared.length);
  });

  it('the README shows the upstream queries verbatim, and each works against the contract', async () => {
    const text = await readme();
    const declared = await contract();
    for (const query of UPSTREAM_QUERIES) {
      expect(text).toContain(query);
      expect(promqlContractProblems(query, declared)).toEqual([]);
    }
  });
});

describe("the repository README's metrics section", () => {
  it('every query in its promql blocks works against the contract', async () => {
    const text = await readFile(join(deployDir, '..', 'README.md'), 'utf8');
    const queries = [...text.matchAll(/```promql\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1]!.split('\n'))
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(queries.length).toBeGreaterThanOrEqual(8);
    const declared = await contract();
    expect(queries.flatMap((q) => promqlContractProblems(q, declared))).toEqual([]);
  });
});

describe('alerts (PrometheusRule)', () => {
  it('every expression parses and uses only contract metrics and labels', async () => {
    const declared = await contract();
    expect((await alerts()).flatMap((a) => promqlContractProblems(a.expr, declared))).toEqual([]);
  });

  it('cover no leader, a stale watch, an old queued job, session errors and reconcile errors', async () => {
    const metricsOf = (expr: string) => analysePromql(expr).selectors.map((s) => s.metric);
    const byName = new Map((await alerts()).map((a) => [a.alert, a]));
    expect(byName.get('AmbientOperatorNoLeader')?.expr).toContain('sum(ambient_watcher_is_leader) == 0');
    expect(byName.get('AmbientOperatorNoLeader')?.labels.severity).toBe('critical');
    expect(metricsOf(byName.get('AmbientWatchStale')!.expr)).toEqual(['ambient_watcher_watch_age_seconds']);
    expect(metricsOf(byName.get('AmbientQueueOldestJobOld')!.expr)).toEqual([
      'ambient_queue_oldest_job_age_seconds',
    ]);
    expect(metricsOf(byName.get('AmbientSessionErrors')!.expr)).toEqual(['ambient_session_errors_total']);
    expect(metricsOf(byName.get('AmbientReconcileErrorRate')!.expr)).toEqual([
      'ambient_reconcile_total',
      'ambient_reconcile_total',
    ]);
  });

  it('match only label values the operator emits (reconcile outcomes, queue states)', async () => {
    const emitted: Record<string, readonly string[]> = { outcome: RECONCILE_OUTCOMES, state: QUEUE_STATES };
    const exprs = [
      ...(await alerts()).map((a) => a.expr),
      ...(await dashboard()).panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ];
    const matchers = exprs.flatMap((e) => analysePromql(e).selectors.flatMap((s) => s.matchers));
    const checked = matchers.filter((m) => emitted[m.label] !== undefined);
    expect(checked.map((m) => m.label)).toContain('outcome');
    for (const matcher of checked) {
      const values = matcher.op.includes('~') ? matcher.value.split('|') : [matcher.value];
      for (const value of values)
        expect(emitted[matcher.label], `${matcher.label}=${value}`).toContain(value);
    }
  });
});

describe('the Grafana dashboard', () => {
  it('is shipped as a ConfigMap the Grafana sidecar picks up, identical to the JSON file', async () => {
    const configMap = find(await build('production'), 'ConfigMap', 'ambient-operator-dashboard');
    expect(configMap.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    const file = await readFile(
      join(deployDir, 'components/monitoring/dashboards/ambient-operator.json'),
      'utf8',
    );
    expect(await dashboard()).toEqual(JSON.parse(file));
  });

  it('every query parses and uses only contract metrics and labels; panel ids are unique', async () => {
    const { panels } = await dashboard();
    const declared = await contract();
    const exprs = panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThanOrEqual(UPSTREAM_QUERIES.length);
    expect(exprs.flatMap((e) => promqlContractProblems(e, declared))).toEqual([]);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('contains the upstream README queries and charts every contract metric', async () => {
    const { panels } = await dashboard();
    const exprs = panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    for (const query of UPSTREAM_QUERIES) expect(exprs).toContain(query);
    const used = new Set(exprs.flatMap((e) => analysePromql(e).selectors.map((s) => s.metric)));
    const unused = (await contract()).filter(
      (m) =>
        ![m.name, `${m.name}_bucket`, `${m.name}_count`, `${m.name}_sum`].some((series) => used.has(series)),
    );
    expect(unused.map((m) => m.name)).toEqual([]);
  });

  it('queries the data source chosen in its datasource variable', async () => {
    const { templating, panels } = await dashboard();
    expect(templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
    const queried = panels.filter((p) => p.type !== 'row');
    expect(
      queried.filter(
        (p) => JSON.stringify(p.datasource) !== JSON.stringify({ type: 'prometheus', uid: '${datasource}' }),
      ),
    ).toEqual([]);
  });
});

describe('the code meets the contract', () => {
  it("shared's metric definitions (what the worker and the leader watcher serve) have every metric, type and label set", async () => {
    const registry = new Registry();
    // The worker reads the cluster-wide phase figures from Redis at scrape time.
    createOperatorMetrics(registry, {
      collectPhaseStats: () => Promise.resolve({ count: {}, oldestAgeSeconds: {} }),
    });
    // The queue's gauges: defined once in shared, served by the watcher holding the Lease.
    createQueueGauges(registry, () => Promise.resolve({ depth: {}, oldestJobAgeSeconds: 0 })).exporting(true);
    const served = new Map<string, { type: string; labels: string[] }>();
    for (const metric of registry.getMetricsAsArray()) {
      // prom-client's metric objects carry their type and label names at run time.
      const { name, type, labelNames } = z
        .looseObject({ name: z.string(), type: z.string(), labelNames: z.array(z.string()) })
        .parse(metric);
      served.set(name, { type, labels: [...labelNames].sort() });
    }
    const workerMetrics = parseMetricsContract(await readme()).filter(
      (m) => !m.name.startsWith('ambient_watcher_'),
    );
    for (const metric of workerMetrics) {
      expect(served.get(metric.name), metric.name).toEqual({
        type: metric.type,
        labels: [...metric.labels].sort(),
      });
    }
  });
});

describe('PromQL checks are not vacuous', () => {
  it('report syntax errors, unknown metrics, unknown matcher labels and unknown by labels', async () => {
    const declared = await contract();
    expect(promqlContractProblems('sum(rate(ambient_sessions_total[5m]) by', declared)[0]).toMatch(
      /syntax error/,
    );
    expect(promqlContractProblems('rate(ambient_session_total[5m])', declared)).toEqual([
      'rate(ambient_session_total[5m]): ambient_session_total is not in the metrics contract',
    ]);
    expect(promqlContractProblems('ambient_reconcile_total{result="error"}', declared)).toEqual([
      'ambient_reconcile_total{result="error"}: ambient_reconcile_total has no label result',
    ]);
    expect(promqlContractProblems('sum by (namespace) (ambient_queue_depth)', declared)).toEqual([
      'sum by (namespace) (ambient_queue_depth): by (namespace) but ambient_queue_depth have no such label',
    ]);
    // `le` exists on a histogram's buckets only.
    expect(
      promqlContractProblems('sum(rate(ambient_pod_creation_duration_seconds_count[5m])) by (le)', declared),
    ).toHaveLength(1);
  });
});
