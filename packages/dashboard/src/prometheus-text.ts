/** One sample of the Prometheus text exposition format. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL_PAIR = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const n = Number(text);
  return Number.isNaN(n) && text !== 'NaN' ? undefined : n;
}

/**
 * The samples named `metricName` in a /metrics body (text format 0.0.4, what prom-client serves). Comments,
 * other metrics and malformed lines are skipped.
 */
export function parsePrometheusSamples(body: string, metricName: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const line of body.split('\n')) {
    if (!line.startsWith(metricName)) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match || match[1] !== metricName) continue;
    const value = parseValue(match[3] ?? '');
    if (value === undefined) continue;
    const labels: Record<string, string> = {};
    const labelText = match[2] ?? '';
    LABEL_PAIR.lastIndex = 0;
    let consumed = 0;
    for (let pair = LABEL_PAIR.exec(labelText); pair; pair = LABEL_PAIR.exec(labelText)) {
      labels[pair[1] ?? ''] = unescapeLabel(pair[2] ?? '');
      consumed = LABEL_PAIR.lastIndex;
    }
    if (labelText.slice(consumed).trim() !== '') continue;
    samples.push({ name: metricName, labels, value });
  }
  return samples;
}
