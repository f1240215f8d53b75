import type { StatusCause } from './errors.js';
import { cause } from './errors.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

function validateContainers(list: unknown, field: string, required: boolean, causes: StatusCause[]): void {
  if (!Array.isArray(list) || list.length === 0) {
    if (required) causes.push(cause.required(field));
    return;
  }
  const names = new Set<string>();
  list.forEach((c, i) => {
    const container = obj(c);
    const name = container.name;
    if (typeof name !== 'string' || !name) causes.push(cause.required(`${field}[${i}].name`));
    else if (names.has(name)) causes.push(cause.duplicate(`${field}[${i}].name`, name));
    else names.add(name);
    if (typeof container.image !== 'string' || !container.image)
      causes.push(cause.required(`${field}[${i}].image`));
    // Only init containers may set a restartPolicy, and only Always (a native sidecar).
    const policy = container.restartPolicy;
    if (policy !== undefined && policy !== null) {
      if (!field.endsWith('initContainers'))
        causes.push(
          cause.forbidden(`${field}[${i}].restartPolicy`, 'may not be set for non-init containers'),
        );
      else if (policy !== 'Always')
        causes.push(cause.notSupported(`${field}[${i}].restartPolicy`, String(policy), ['Always']));
    }
  });
}

export function validatePodSpec(
  spec: Obj,
  field: string,
  causes: StatusCause[],
  allowedRestartPolicies?: string[],
): void {
  validateContainers(spec.containers, `${field}.containers`, true, causes);
  validateContainers(spec.initContainers, `${field}.initContainers`, false, causes);
  const policy = spec.restartPolicy;
  const allowed = allowedRestartPolicies ?? ['Always', 'OnFailure', 'Never'];
  if (typeof policy === 'string' && !allowed.includes(policy)) {
    causes.push(cause.notSupported(`${field}.restartPolicy`, policy, allowed));
  }
}

/** Validation of built-in kinds beyond ObjectMeta: what users and our operator can get wrong. */
export function validateBuiltin(
  resourceId: string,
  object: KubeObject,
  old: KubeObject | undefined,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(object.spec);
  switch (resourceId) {
    case '/pods':
      validatePodSpec(spec, 'spec', causes);
      // A status write keeps the stored spec itself: nothing to compare.
      if (old && object.spec !== old.spec) {
        const oldSpec = obj(old.spec);
        // Pod specs are immutable apart from a few fields; the simulator checks containers' images only changing.
        const strip = (s: Obj) =>
          JSON.stringify({
            ...s,
            containers: undefined,
            initContainers: undefined,
            activeDeadlineSeconds: undefined,
            tolerations: undefined,
            nodeName: undefined,
          });
        if (strip(spec) !== strip(oldSpec)) {
          causes.push(
            cause.forbidden(
              'spec',
              'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
            ),
          );
        }
      }
      break;
    case 'batch/jobs': {
      const template = obj(spec.template);
      const templateSpec = obj(template.spec);
      const hasFailurePolicy = isPlainObject(spec.podFailurePolicy);
      validatePodSpec(
        templateSpec,
        'spec.template.spec',
        causes,
        hasFailurePolicy ? ['Never'] : ['OnFailure', 'Never'],
      );
      for (const key of [
        'parallelism',
        'completions',
        'backoffLimit',
        'activeDeadlineSeconds',
        'ttlSecondsAfterFinished',
      ]) {
        const v = spec[key];
        if (
          v !== undefined &&
          v !== null &&
          (typeof v !== 'number' || v < 0 || (key === 'activeDeadlineSeconds' && v <= 0))
        ) {
          causes.push(
            cause.invalid(
              `spec.${key}`,
              v,
              key === 'activeDeadlineSeconds'
                ? 'must be greater than 0'
                : 'must be greater than or equal to 0',
            ),
          );
        }
      }
      if (old && object.spec !== old.spec) {
        const immutable = (s: Obj) =>
          JSON.stringify({
            template: s.template,
            selector: s.selector,
            completions: s.completions,
            podFailurePolicy: s.podFailurePolicy,
          });
        if (immutable(spec) !== immutable(obj(old.spec))) {
          causes.push(cause.invalid('spec.template', 'object', 'field is immutable'));
        }
      }
      break;
    }
    case '/services': {
      if (Array.isArray(spec.ports)) {
        spec.ports.forEach((p, i) => {
          const port = obj(p).port;
          if (typeof port !== 'number' || port < 1 || port > 65535) {
            causes.push(
              cause.invalid(`spec.ports[${i}].port`, port ?? 0, 'must be between 1 and 65535, inclusive'),
            );
          }
        });
      }
      break;
    }
    case '/secrets':
    case '/configmaps': {
      for (const [k, v] of Object.entries(obj(object.data))) {
        if (resourceId === '/secrets' && (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))) {
          causes.push(cause.invalid(`data[${k}]`, '<secret contents redacted>', 'must be base64-encoded'));
        }
        if (!/^[-._a-zA-Z0-9]+$/.test(k)) {
          causes.push(
            cause.invalid(
              `data`,
              k,
              "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            ),
          );
        }
      }
      if (old && old.immutable === true && JSON.stringify(object.data) !== JSON.stringify(old.data)) {
        causes.push(cause.forbidden('data', 'field is immutable when `immutable` is set'));
      }
      break;
    }
    case 'coordination.k8s.io/leases': {
      const duration = spec.leaseDurationSeconds;
      if (duration !== undefined && (typeof duration !== 'number' || duration <= 0)) {
        causes.push(cause.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
      }
      break;
    }
    default:
      break;
  }
  return causes;
}
