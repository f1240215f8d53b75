// A Prometheus scrape config for the local stack's processes (`.local/prometheus.yml`, written by `pnpm start`).
import { stringify } from 'yaml';
import type { StackProcess } from './local-stack.js';

/** The job a process's metrics belong to: the Deployment name it has on a real cluster. */
function jobOf(name: string): string | undefined {
  if (name.startsWith('watcher')) return 'ambient-watcher';
  if (name.startsWith('worker')) return 'ambient-worker';
  return undefined;
}

/**
 * One scrape job per kind of process, one static target per process (labelled `process`), the way the
 * ServiceMonitors in deploy/ scrape the pods; run `prometheus --config.file=.local/prometheus.yml`.
 */
export function prometheusScrapeConfig(processes: readonly StackProcess[]): string {
  const jobs = new Map<string, { targets: string[]; labels: { process: string } }[]>();
  for (const p of processes) {
    const job = jobOf(p.name);
    if (job === undefined || p.metricsUrl === undefined) continue;
    const groups = jobs.get(job) ?? [];
    groups.push({ targets: [new URL(p.metricsUrl).host], labels: { process: p.name } });
    jobs.set(job, groups);
  }
  return stringify({
    global: { scrape_interval: '5s', evaluation_interval: '5s' },
    scrape_configs: [...jobs].map(([job_name, static_configs]) => ({
      job_name,
      metrics_path: '/metrics',
      static_configs,
    })),
  });
}
