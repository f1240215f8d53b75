import { badRequest } from './errors.js';
import type { ResourceType } from './resource-registry.js';
import {
  fieldValue,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldSelector,
  type LabelSelector,
} from './selectors.js';
import { compareKeys, type IndexValueOf, type ObjectStore } from './store.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  version?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

function encodeContinue(rv: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'kube-sim/1', rv, start: lastKey })).toString('base64url');
}

function decodeContinue(token: string): { rv: string; start: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isPlainObject(parsed) && typeof parsed.rv === 'string' && typeof parsed.start === 'string') {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through to the API server's error
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/**
 * One page of a LIST: objects matching the label and field selectors, in key order, at most `limit`
 * of them, with a continue token that resumes after the last key (at the first page's resourceVersion).
 */
export function listObjects(
  store: ObjectStore,
  type: ResourceType,
  options: ListOptions,
  present: (object: KubeObject) => KubeObject,
): ListResult {
  const labels = parseLabelSelector(options.labelSelector);
  const fields = parseFieldSelector(options.fieldSelector, type.id);
  let afterKey: string | undefined;
  let resourceVersion = String(store.resourceVersion);
  if (options.continue) {
    const token = decodeContinue(options.continue);
    afterKey = token.start;
    resourceVersion = token.rv;
  }
  const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  const items: KubeObject[] = [];
  let lastKey: string | undefined;
  let more = false;
  const namespace = type.namespaced ? options.namespace : undefined;
  for (const [key, object] of candidates(store, type.id, namespace, afterKey, labels, fields)) {
    if (labels.length && !matchesLabels(labels, object.metadata.labels)) continue;
    if (fields.length && !matchesFields(fields, object)) continue;
    if (items.length >= limit) {
      more = true;
      break;
    }
    items.push(present(object));
    lastKey = key;
  }
  const result: ListResult = { items, resourceVersion };
  if (more && lastKey !== undefined) result.continue = encodeContinue(resourceVersion, lastKey);
  return result;
}

/** An equality the selectors require, answered by one of the store's secondary indexes. */
function indexedEquality(
  labels: LabelSelector,
  fields: FieldSelector,
): { name: string; valueOf: IndexValueOf; value: string } | undefined {
  for (const r of labels) {
    if (r.operator === '=' || (r.operator === 'in' && r.values.length === 1)) {
      const key = r.key;
      return { name: `label:${key}`, valueOf: (o) => o.metadata.labels?.[key], value: r.values[0]! };
    }
  }
  for (const r of fields) {
    if (r.negated) continue;
    const field = r.field;
    return { name: `field:${field}`, valueOf: (o) => fieldValue(o, field), value: r.value };
  }
  return undefined;
}

/**
 * The objects a LIST must look at, in key order from after `afterKey`: the matches of an indexed equality when
 * the selectors have one (the rest of the selectors still apply), else every object in the namespace.
 */
function* candidates(
  store: ObjectStore,
  resourceId: string,
  namespace: string | undefined,
  afterKey: string | undefined,
  labels: LabelSelector,
  fields: FieldSelector,
): Generator<[string, KubeObject]> {
  const equality = indexedEquality(labels, fields);
  if (!equality) {
    yield* store.iterate(resourceId, namespace, afterKey);
    return;
  }
  const prefix = namespace ? `${namespace}/` : '';
  const keys = [...store.indexedKeys(resourceId, equality.name, equality.valueOf, equality.value)]
    .filter((key) => key.startsWith(prefix) && (afterKey === undefined || key > afterKey))
    .sort(compareKeys);
  for (const key of keys) {
    const object = store.getByKey(resourceId, key);
    if (object) yield [key, object];
  }
}
