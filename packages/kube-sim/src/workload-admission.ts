import { defaultPodSpec } from './builtin-defaults.js';
import { validatePodSpec } from './builtin-validation.js';
import type { StatusCause } from './errors.js';
import { cause } from './errors.js';
import { matchesStructuredSelector } from './selectors.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

/**
 * Defaulting and validation for the stored-only kinds kube-sim serves so manifests apply:
 * apps/v1 Deployments, policy/v1 PodDisruptionBudgets, events.k8s.io/v1 Events.
 */

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

function setDefault(target: Obj, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

/**
 * A MicroTime as the API server serializes it (RFC 3339 with exactly six fractional digits; Go's
 * parser in kubectl rejects other widths). Clients such as client-node send milliseconds.
 */
function microTime(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}${m[3]}` : value;
}

export function defaultWorkload(resourceId: string, object: KubeObject): void {
  if (resourceId === 'events.k8s.io/events') {
    const event = object as KubeObject & Obj;
    event.eventTime = microTime(event.eventTime);
    if (isPlainObject(event.series))
      event.series = { ...event.series, lastObservedTime: microTime(event.series.lastObservedTime) };
    return;
  }
  if (resourceId === 'apps/replicasets') {
    const spec = (object.spec = obj(object.spec));
    setDefault(spec, 'replicas', 1);
    const template = (spec.template = obj(spec.template));
    template.metadata = obj(template.metadata);
    defaultPodSpec((template.spec = obj(template.spec)), true);
    return;
  }
  if (resourceId !== 'apps/deployments') return;
  const spec = (object.spec = obj(object.spec));
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  const strategy = (spec.strategy = obj(spec.strategy));
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = (strategy.rollingUpdate = obj(strategy.rollingUpdate));
    setDefault(rolling, 'maxUnavailable', '25%');
    setDefault(rolling, 'maxSurge', '25%');
  }
  const template = (spec.template = obj(spec.template));
  template.metadata = obj(template.metadata);
  defaultPodSpec((template.spec = obj(template.spec)), true);
}

function labelsOf(value: unknown): Record<string, string> {
  return obj(value) as Record<string, string>;
}

function validateDeployment(object: KubeObject, old: KubeObject | undefined, causes: StatusCause[]): void {
  const spec = obj(object.spec);
  const template = obj(spec.template);
  const templateLabels = labelsOf(obj(template.metadata).labels);
  if (!isPlainObject(spec.selector)) causes.push(cause.required('spec.selector'));
  else {
    const selector = spec.selector as Parameters<typeof matchesStructuredSelector>[0];
    if (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length)
      causes.push(cause.invalid('spec.selector', spec.selector, 'empty selector is invalid for deployment'));
    else if (!matchesStructuredSelector(selector, templateLabels))
      causes.push(
        cause.invalid(
          'spec.template.metadata.labels',
          templateLabels,
          '`selector` does not match template `labels`',
        ),
      );
    if (old && JSON.stringify(obj(old.spec).selector) !== JSON.stringify(spec.selector))
      causes.push(cause.invalid('spec.selector', spec.selector, 'field is immutable'));
  }
  validatePodSpec(obj(template.spec), 'spec.template.spec', causes, ['Always']);
  for (const key of ['replicas', 'revisionHistoryLimit', 'minReadySeconds']) {
    const v = spec[key];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
      causes.push(cause.invalid(`spec.${key}`, v, 'must be greater than or equal to 0'));
  }
  const strategyType = obj(spec.strategy).type;
  if (strategyType !== 'RollingUpdate' && strategyType !== 'Recreate')
    causes.push(cause.notSupported('spec.strategy.type', strategyType, ['Recreate', 'RollingUpdate']));
}

function validatePodDisruptionBudget(object: KubeObject, causes: StatusCause[]): void {
  const spec = obj(object.spec);
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
    causes.push(cause.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const key of ['minAvailable', 'maxUnavailable']) {
    const v = spec[key];
    if (v === undefined) continue;
    const ok =
      (typeof v === 'number' && Number.isInteger(v) && v >= 0) ||
      (typeof v === 'string' && /^\d+%$/.test(v) && Number(v.slice(0, -1)) <= 100);
    if (!ok)
      causes.push(
        cause.invalid(
          `spec.${key}`,
          v,
          typeof v === 'string'
            ? "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
            : 'must be greater than or equal to 0',
        ),
      );
  }
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow')
    causes.push(
      cause.notSupported('spec.unhealthyPodEvictionPolicy', policy, ['AlwaysAllow', 'IfHealthyBudget']),
    );
}

/** events.k8s.io/v1 requires what the new events API records (client-go's events recorder sets all of it). */
function validateEventV1(object: KubeObject, causes: StatusCause[]): void {
  const event = object as KubeObject & Obj;
  if (typeof event.eventTime !== 'string' || !event.eventTime) causes.push(cause.required('eventTime'));
  for (const key of ['reportingController', 'reportingInstance', 'action', 'reason']) {
    if (typeof event[key] !== 'string' || !event[key]) causes.push(cause.required(key));
  }
  if (event.type !== 'Normal' && event.type !== 'Warning')
    causes.push(cause.notSupported('type', event.type ?? '', ['Normal', 'Warning']));
  if (typeof event.note === 'string' && Buffer.byteLength(event.note) > 1024)
    causes.push(cause.tooLong('note', 1024));
}

export function validateWorkload(
  resourceId: string,
  object: KubeObject,
  old: KubeObject | undefined,
): StatusCause[] {
  const causes: StatusCause[] = [];
  if (resourceId === 'apps/deployments') validateDeployment(object, old, causes);
  else if (resourceId === 'policy/poddisruptionbudgets') validatePodDisruptionBudget(object, causes);
  else if (resourceId === 'events.k8s.io/events') validateEventV1(object, causes);
  return causes;
}
