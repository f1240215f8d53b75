import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { seriesOf, type MetricDefinition } from './metrics-contract.js';

/** One `label op "value"` of a selector. */
export interface LabelMatcher {
  label: string;
  /** `=`, `!=`, `=~` or `!~`. */
  op: string;
  /** The string literal's value (quotes removed). */
  value: string;
}

/** What a PromQL expression reads. */
export interface PromqlUsage {
  /** The first syntax error, if the expression does not parse. */
  syntaxError?: string;
  /** Metric names of every vector selector, with the label names they match on. */
  selectors: { metric: string; matchedLabels: string[]; matchers: LabelMatcher[] }[];
  /** `by (...)` labels of each aggregation, with the metrics aggregated. */
  groupings: { labels: string[]; metrics: string[] }[];
}

function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const cursor = node.cursor();
  const walk = (): void => {
    do {
      if (cursor.name === name) found.push(cursor.node);
      if (cursor.firstChild()) {
        walk();
        cursor.parent();
      }
    } while (cursor.nextSibling());
  };
  if (cursor.firstChild()) walk();
  return found;
}

/** Parses a PromQL expression with Prometheus' own grammar (lezer-promql). */
export function analysePromql(expression: string): PromqlUsage {
  const tree = parser.parse(expression);
  const usage: PromqlUsage = { selectors: [], groupings: [] };
  const text = (node: SyntaxNode): string => expression.slice(node.from, node.to);
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError && usage.syntaxError === undefined) {
        usage.syntaxError = `syntax error at offset ${ref.from}: "${expression.slice(Math.max(0, ref.from - 20), ref.from + 20)}"`;
      }
    },
  });
  for (const selector of descendants(tree.topNode, 'VectorSelector')) {
    const identifier = selector.getChild('Identifier');
    if (identifier === null) continue;
    const matchedLabels = descendants(selector, 'LabelName').map(text);
    const matchers = descendants(selector, 'UnquotedLabelMatcher').flatMap((m) => {
      const label = m.getChild('LabelName');
      const op = m.getChild('MatchOp');
      const literal = m.getChild('StringLiteral');
      if (label === null || op === null || literal === null) return [];
      const value: unknown = JSON.parse(text(literal).replace(/^'|'$/g, '"'));
      return [{ label: text(label), op: text(op), value: String(value) }];
    });
    usage.selectors.push({ metric: text(identifier), matchedLabels, matchers });
  }
  for (const aggregate of descendants(tree.topNode, 'AggregateExpr')) {
    const modifier = aggregate.getChild('AggregateModifier');
    if (modifier === null || modifier.getChild('By') === null) continue;
    const labels = descendants(modifier, 'LabelName').map(text);
    const body = aggregate.getChild('FunctionCallBody');
    const metrics =
      body === null
        ? []
        : descendants(body, 'VectorSelector').flatMap((s) => {
            const identifier = s.getChild('Identifier');
            return identifier === null ? [] : [text(identifier)];
          });
    usage.groupings.push({ labels, metrics });
  }
  return usage;
}

/**
 * Problems of an expression against the metrics contract: syntax errors, metrics outside the
 * contract, label matchers or `by` labels the metrics do not have.
 */
export function promqlContractProblems(expression: string, contract: readonly MetricDefinition[]): string[] {
  const labelsBySeries = new Map<string, readonly string[]>();
  for (const metric of contract)
    for (const [series, labels] of seriesOf(metric)) labelsBySeries.set(series, labels);
  const usage = analysePromql(expression);
  if (usage.syntaxError !== undefined) return [`${expression}: ${usage.syntaxError}`];
  const problems: string[] = [];
  for (const { metric, matchedLabels } of usage.selectors) {
    const labels = labelsBySeries.get(metric);
    if (labels === undefined) {
      problems.push(`${expression}: ${metric} is not in the metrics contract`);
      continue;
    }
    for (const label of matchedLabels) {
      if (!labels.includes(label)) problems.push(`${expression}: ${metric} has no label ${label}`);
    }
  }
  for (const { labels, metrics } of usage.groupings) {
    const available = new Set(metrics.flatMap((m) => labelsBySeries.get(m) ?? []));
    for (const label of labels) {
      if (!available.has(label))
        problems.push(`${expression}: by (${label}) but ${metrics.join(', ')} have no such label`);
    }
  }
  return problems;
}
