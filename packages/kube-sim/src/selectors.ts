import { badRequest } from './errors.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

type LabelOperator = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

/**
 * Parses the string form of a label selector (`a=b,c!=d,e in (x,y),!f,g`), with the grammar of
 * k8s.io/apimachinery/pkg/labels. An empty string selects everything.
 */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  if (!text || !text.trim()) return [];
  const requirements: LabelSelector = [];
  let i = 0;
  const s = text;
  const skipSpaces = () => {
    while (i < s.length && s[i] === ' ') i++;
  };
  const readWord = (): string => {
    skipSpaces();
    const start = i;
    while (i < s.length && !' ,()=!<>'.includes(s[i]!)) i++;
    return s.slice(start, i);
  };
  const fail = (why: string) => badRequest(`unable to parse requirement: ${why} in label selector "${text}"`);
  while (i <= s.length) {
    skipSpaces();
    let negated = false;
    if (s[i] === '!') {
      negated = true;
      i++;
    }
    const key = readWord();
    if (!key) throw fail('missing key');
    validateLabelKeyOrThrow(key, text);
    skipSpaces();
    if (negated) {
      requirements.push({ key, operator: '!exists', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      requirements.push({ key, operator: 'exists', values: [] });
    } else if (s.startsWith('==', i) || s.startsWith('!=', i) || s[i] === '=') {
      const operator: LabelOperator = s.startsWith('!=', i) ? '!=' : '=';
      i += s.startsWith('==', i) || s.startsWith('!=', i) ? 2 : 1;
      requirements.push({ key, operator, values: [readWord()] });
    } else if (s[i] === '>' || s[i] === '<') {
      const operator: LabelOperator = s[i] === '>' ? 'gt' : 'lt';
      i++;
      const value = readWord();
      if (!/^-?\d+$/.test(value)) throw fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
      requirements.push({ key, operator, values: [value] });
    } else {
      const word = readWord();
      if (word !== 'in' && word !== 'notin')
        throw fail(`found '${word}', expected: in, notin, =, ==, !=, gt, lt`);
      skipSpaces();
      if (s[i] !== '(') throw fail(`found '${s[i] ?? ''}', expected: '('`);
      i++;
      const values: string[] = [];
      for (;;) {
        values.push(readWord());
        skipSpaces();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        throw fail(`found '${s[i] ?? ''}', expected: ',', ')'`);
      }
      requirements.push({ key, operator: word, values });
    }
    skipSpaces();
    if (i >= s.length) break;
    if (s[i] !== ',') throw fail(`found '${s[i]}', expected: ','`);
    i++;
  }
  return requirements;
}

function validateLabelKeyOrThrow(key: string, text: string) {
  if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(key)) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in label selector "${text}"`);
  }
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const r of selector) {
    const value = labels?.[r.key];
    switch (r.operator) {
      case 'exists':
        if (value === undefined) return false;
        break;
      case '!exists':
        if (value !== undefined) return false;
        break;
      case '=':
        if (value !== r.values[0]) return false;
        break;
      case '!=':
        if (value === r.values[0]) return false;
        break;
      case 'in':
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case 'notin':
        if (value !== undefined && r.values.includes(value)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (value === undefined || !/^-?\d+$/.test(value)) return false;
        const n = Number(value);
        const bound = Number(r.values[0]);
        if (r.operator === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** `matchLabels` + `matchExpressions` (the structured LabelSelector of Jobs, NetworkPolicies…). */
export function matchesStructuredSelector(
  selector: {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
  },
  labels: Record<string, string> | undefined,
): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels?.[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const op = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' }[e.operator] as
      LabelOperator | undefined;
    if (!op || !matchesLabels([{ key: e.key, operator: op, values: e.values ?? [] }], labels)) return false;
  }
  return true;
}

interface FieldRequirement {
  field: string;
  value: string;
  negated: boolean;
}

export type FieldSelector = FieldRequirement[];

/** Fields each resource supports in fieldSelector, beyond metadata.name and metadata.namespace. */
const EXTRA_SELECTABLE_FIELDS: Record<string, string[]> = {
  '/pods': [
    'status.phase',
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  '/events': [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  'events.k8s.io/events': [
    'regarding.kind',
    'regarding.namespace',
    'regarding.name',
    'regarding.uid',
    'regarding.apiVersion',
    'regarding.resourceVersion',
    'regarding.fieldPath',
    'reason',
    'reportingController',
    'type',
  ],
  '/secrets': ['type'],
  '/namespaces': ['status.phase'],
  '/nodes': ['spec.unschedulable'],
  'batch/jobs': ['status.successful'],
};

/** Parses `a=b,c!=d` and checks each field is selectable for the resource (else 400, like the API). */
export function parseFieldSelector(
  text: string | undefined,
  resourceId: string,
  extraFields: string[] = [],
): FieldSelector {
  if (!text || !text.trim()) return [];
  const allowed = new Set([
    'metadata.name',
    'metadata.namespace',
    ...(EXTRA_SELECTABLE_FIELDS[resourceId] ?? []),
    ...extraFields,
  ]);
  return text.split(',').map((part) => {
    const m = /^\s*([^!=\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = m[1]!;
    if (!allowed.has(field))
      throw badRequest(
        `"${field}" is not a known field selector: only ${[...allowed].map((f) => `"${f}"`).join(', ')}`,
      );
    return { field, value: m[3]!, negated: m[2] === '!=' };
  });
}

export function matchesFields(selector: FieldSelector, object: KubeObject): boolean {
  for (const r of selector) {
    const actual = fieldValue(object, r.field);
    if ((actual === r.value) === r.negated) return false;
  }
  return true;
}

export function fieldValue(object: KubeObject, path: string): string {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return '';
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) {
    // The API server indexes status.successful as a number and the rest as strings; absent = "".
    return '';
  }
  return String(current);
}

/** metav1.FormatLabelSelector: the string form of a structured selector ('' when it selects all). */
export function formatLabelSelector(selector: unknown): string {
  const s = isPlainObject(selector) ? selector : {};
  const parts = Object.entries(isPlainObject(s.matchLabels) ? s.matchLabels : {}).map(
    ([k, v]) => `${k}=${String(v)}`,
  );
  for (const e of Array.isArray(s.matchExpressions) ? s.matchExpressions.filter(isPlainObject) : []) {
    const values = Array.isArray(e.values) ? e.values.map(String).join(',') : '';
    const key = String(e.key);
    if (e.operator === 'In') parts.push(`${key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${key}`);
  }
  return parts.join(',');
}
