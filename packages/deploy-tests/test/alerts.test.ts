import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { build, find } from './support/builds.js';

/**
 * Each alert of deploy/'s PrometheusRule evaluated by Prometheus itself (`promtool test rules`, from Debian's
 * `prometheus` package, installed by scripts/ensure-system-deps.sh) on sample series: it fires on a sample of
 * the failure it is about, with its labels, and stays quiet on a healthy sample.
 */

const run = promisify(execFile);

const rulesSchema = z.looseObject({
  spec: z.looseObject({
    groups: z.array(
      z.looseObject({
        name: z.string(),
        rules: z.array(z.looseObject({ alert: z.string(), annotations: z.record(z.string(), z.string()) })),
      }),
    ),
  }),
});

interface AlertCase {
  /** Series in promtool's expanding notation, one sample per minute. */
  series: Record<string, string>;
  /** Minutes after the first sample at which the alert is evaluated. */
  atMinutes: number;
  /** Labels of each firing alert (besides severity); [] means it must not fire. */
  firing: Record<string, string>[];
}

/** Per alert: a sample of its failure (first) and a healthy sample (second). */
const CASES: Record<string, [fires: AlertCase & { severity: string[] }, quiet: AlertCase]> = {
  AmbientOperatorNoLeader: [
    {
      series: {
        'ambient_watcher_is_leader{pod="w-0"}': '0x10',
        'ambient_watcher_is_leader{pod="w-1"}': '0x10',
      },
      atMinutes: 5,
      firing: [{}],
      severity: ['critical'],
    },
    {
      series: {
        'ambient_watcher_is_leader{pod="w-0"}': '1x10',
        'ambient_watcher_is_leader{pod="w-1"}': '0x10',
      },
      atMinutes: 5,
      firing: [],
    },
  ],
  AmbientOperatorMultipleLeaders: [
    {
      series: {
        'ambient_watcher_is_leader{pod="w-0"}': '1x10',
        'ambient_watcher_is_leader{pod="w-1"}': '1x10',
      },
      atMinutes: 8,
      firing: [{}],
      severity: ['warning'],
    },
    { series: { 'ambient_watcher_is_leader{pod="w-0"}': '1x10' }, atMinutes: 8, firing: [] },
  ],
  AmbientWatchStale: [
    {
      series: { 'ambient_watcher_watch_age_seconds{resource="pods"}': '600+60x20' },
      atMinutes: 15,
      firing: [{ resource: 'pods' }],
      severity: ['warning'],
    },
    { series: { 'ambient_watcher_watch_age_seconds{resource="pods"}': '5x20' }, atMinutes: 15, firing: [] },
  ],
  AmbientWatcherRelistsRising: [
    {
      series: { 'ambient_watcher_watch_restarts_total{resource="pods",reason="gone"}': '0+1x40' },
      atMinutes: 35,
      firing: [{ resource: 'pods' }],
      severity: ['warning'],
    },
    {
      // One relist now and then (a compaction) is normal.
      series: { 'ambient_watcher_watch_restarts_total{resource="pods",reason="gone"}': '0x20 1x20' },
      atMinutes: 35,
      firing: [],
    },
  ],
  AmbientSessionStuck: [
    {
      series: {
        'ambient_session_oldest_in_phase_seconds{phase="Creating",pod="worker-0"}': '0+60x30',
        'ambient_session_oldest_in_phase_seconds{phase="Creating",pod="worker-1"}': '0+60x30',
      },
      atMinutes: 25,
      firing: [{ phase: 'Creating' }],
      severity: ['warning'],
    },
    {
      // Running for hours is what sessions do; Creating for a few seconds at a time too.
      series: {
        'ambient_session_oldest_in_phase_seconds{phase="Running",pod="worker-0"}': '3600+60x30',
        'ambient_session_oldest_in_phase_seconds{phase="Creating",pod="worker-0"}': '0 5 0 3 0x26',
      },
      atMinutes: 25,
      firing: [],
    },
  ],
  AmbientQueueAgeGrowing: [
    {
      series: { 'ambient_queue_oldest_job_age_seconds{pod="watcher-0"}': '0+60x30' },
      atMinutes: 20,
      firing: [{}],
      severity: ['warning'],
    },
    {
      // A backlog that is old but shrinking or steady is the other alerts' business.
      series: { 'ambient_queue_oldest_job_age_seconds{pod="watcher-0"}': '240x30' },
      atMinutes: 20,
      firing: [],
    },
  ],
  AmbientQueueOldestJobOld: [
    {
      series: { 'ambient_queue_oldest_job_age_seconds{pod="watcher-0"}': '2000x20' },
      atMinutes: 10,
      firing: [{}, {}],
      severity: ['warning', 'critical'],
    },
    {
      series: { 'ambient_queue_oldest_job_age_seconds{pod="watcher-0"}': '10x20' },
      atMinutes: 10,
      firing: [],
    },
  ],
  AmbientSessionErrors: [
    {
      series: {
        'ambient_session_errors_total{namespace="demo",phase="Creating",error_type="RunnerJobFailed",pod="worker-0"}':
          '0+60x30',
      },
      atMinutes: 25,
      firing: [{ namespace: 'demo', error_type: 'RunnerJobFailed' }],
      severity: ['warning'],
    },
    {
      series: {
        'ambient_session_errors_total{namespace="demo",phase="Creating",error_type="RunnerJobFailed",pod="worker-0"}':
          '0+1x30',
      },
      atMinutes: 25,
      firing: [],
    },
  ],
  AmbientReconcileErrorsRising: [
    {
      // 0.01 failures/s for 70 minutes, then 1/s.
      series: {
        'ambient_reconcile_total{outcome="retryable",pod="worker-0"}': '0+0.6x70 102+60x30',
        'ambient_reconcile_total{outcome="success",pod="worker-0"}': '0+600x100',
      },
      atMinutes: 95,
      firing: [{}],
      severity: ['warning'],
    },
    {
      // A steady 1/s is no rise (AmbientReconcileErrorRate judges its level).
      series: {
        'ambient_reconcile_total{outcome="retryable",pod="worker-0"}': '0+60x100',
        'ambient_reconcile_total{outcome="success",pod="worker-0"}': '0+600x100',
      },
      atMinutes: 95,
      firing: [],
    },
  ],
  AmbientReconcileErrorRate: [
    {
      series: {
        'ambient_reconcile_total{outcome="terminal",pod="worker-0"}': '0+60x30',
        'ambient_reconcile_total{outcome="success",pod="worker-0"}': '0+600x30',
      },
      atMinutes: 25,
      firing: [{}],
      severity: ['warning'],
    },
    {
      series: {
        'ambient_reconcile_total{outcome="terminal",pod="worker-0"}': '0+6x30',
        'ambient_reconcile_total{outcome="success",pod="worker-0"}': '0+600x30',
      },
      atMinutes: 25,
      firing: [],
    },
  ],
};

let dir: string;
let groups: z.infer<typeof rulesSchema>['spec']['groups'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deploy-tests-alerts-'));
  const rule = find(await build('production'), 'PrometheusRule', 'ambient-operator');
  groups = rulesSchema.parse(rule).spec.groups;
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function promtool(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: dir, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Runs one alert's cases through `promtool test rules`; rules without annotations (compared only by labels). */
async function testAlert(
  alert: string,
  cases: readonly AlertCase[],
): Promise<{ code: number; output: string }> {
  const rules = groups.map((g) => ({
    name: g.name,
    rules: g.rules.map(({ annotations: _annotations, ...rest }) => rest),
  }));
  await writeFile(join(dir, `${alert}.rules.yaml`), stringify({ groups: rules }));
  const tests = cases.map((c) => ({
    interval: '1m',
    input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
    alert_rule_test: [
      {
        eval_time: `${c.atMinutes}m`,
        alertname: alert,
        exp_alerts: c.firing.map((labels, i) => ({
          exp_labels: { ...labels, severity: (c as Partial<{ severity: string[] }>).severity?.[i] },
        })),
      },
    ],
  }));
  const file = join(dir, `${alert}.test.yaml`);
  await writeFile(file, stringify({ rule_files: [`${alert}.rules.yaml`], evaluation_interval: '1m', tests }));
  return promtool(['test', 'rules', file]);
}

describe('the PrometheusRule, evaluated by promtool', () => {
  it('passes `promtool check rules` (expressions and annotation templates)', async () => {
    await writeFile(join(dir, 'all.rules.yaml'), stringify({ groups }));
    const result = await promtool(['check', 'rules', 'all.rules.yaml']);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('has a case for every alert', () => {
    const alerts = new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)));
    expect([...alerts].sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [alert, [fires, quiet]] of Object.entries(CASES)) {
    it(`${alert} fires on its sample and stays quiet on a healthy one`, async () => {
      const result = await testAlert(alert, [fires, quiet]);
      expect(result.output).toContain('SUCCESS');
      expect(result.code).toBe(0);
    });
  }

  it('a wrong expectation fails (the check is not vacuous)', async () => {
    const [fires] = CASES.AmbientSessionStuck!;
    const result = await testAlert('AmbientSessionStuck', [{ ...fires, firing: [] }]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('AmbientSessionStuck');
  });
});
