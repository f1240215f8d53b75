/** One metric the operator must export (deploy/README.md, "Metrics contract"). */
export interface MetricDefinition {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  labels: readonly string[];
}

const ROW = /^\|\s*`(ambient_[a-z0-9_]+)`\s*\|\s*(counter|gauge|histogram)\s*\|([^|]*)\|/i;

/**
 * Reads the metrics contract table from deploy/README.md: rows
 * `| \`name\` | counter|gauge|histogram | \`label\`, ... or — | ... |`.
 */
export function parseMetricsContract(markdown: string): MetricDefinition[] {
  const metrics: MetricDefinition[] = [];
  for (const line of markdown.split('\n')) {
    const match = ROW.exec(line.trim());
    if (match === null) continue;
    const labels = [...match[3]!.matchAll(/`([a-z_][a-z0-9_]*)`/g)].map((m) => m[1]!);
    metrics.push({ name: match[1]!, type: match[2]!.toLowerCase() as MetricDefinition['type'], labels });
  }
  return metrics;
}

/**
 * The series a metric produces, with the labels each carries: a histogram `h` gives `h_bucket`
 * (plus `le`), `h_sum` and `h_count`.
 */
export function seriesOf(metric: MetricDefinition): Map<string, readonly string[]> {
  if (metric.type !== 'histogram') return new Map([[metric.name, metric.labels]]);
  return new Map([
    [`${metric.name}_bucket`, [...metric.labels, 'le']],
    [`${metric.name}_sum`, metric.labels],
    [`${metric.name}_count`, metric.labels],
  ]);
}
