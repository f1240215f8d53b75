import type { StatusCause } from './errors.js';
import { cause } from './errors.js';
import type { ResourceType } from './resource-registry.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function dnsLabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

export function dnsSubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return errs;
}

function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.'"];
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  const errs: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (!prefix) errs.push('prefix part must be non-empty');
    else errs.push(...dnsSubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  }
  if (!name) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return errs;
}

/** ObjectMeta validation shared by every kind: name rule, labels, annotations, ownerReferences. */
export function validateObjectMeta(type: ResourceType, object: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const meta = object.metadata;
  const name = meta.name ?? '';
  if (!name) {
    causes.push(cause.required('metadata.name', 'name or generateName is required'));
  } else {
    const errs = type.nameRule === 'label' ? dnsLabelErrors(name) : dnsSubdomainErrors(name);
    for (const e of errs) causes.push(cause.invalid('metadata.name', name, e));
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    for (const e of qualifiedNameErrors(key)) causes.push(cause.invalid('metadata.labels', key, e));
    if (typeof value !== 'string') {
      causes.push(cause.invalid(`metadata.labels`, value, 'label values must be strings'));
      continue;
    }
    if (value.length > 63)
      causes.push(cause.invalid('metadata.labels', value, 'must be no more than 63 characters'));
    else if (!LABEL_VALUE.test(value)) {
      causes.push(
        cause.invalid(
          'metadata.labels',
          value,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
      );
    }
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    for (const e of qualifiedNameErrors(key)) causes.push(cause.invalid('metadata.annotations', key, e));
    annotationBytes += key.length + (typeof value === 'string' ? value.length : 0);
  }
  if (annotationBytes > 262144) causes.push(cause.tooLong('metadata.annotations', 262144));
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const field = `metadata.ownerReferences[${i}]`;
    if (!isPlainObject(ref)) return;
    if (!ref.apiVersion) causes.push(cause.invalid(`${field}.apiVersion`, '', 'version must not be empty'));
    if (!ref.kind) causes.push(cause.invalid(`${field}.kind`, '', 'kind must not be empty'));
    if (!ref.name) causes.push(cause.invalid(`${field}.name`, '', 'name must not be empty'));
    if (!ref.uid) causes.push(cause.invalid(`${field}.uid`, '', 'uid must not be empty'));
  });
  const controllers = (meta.ownerReferences ?? []).filter((r) => r.controller === true);
  if (controllers.length > 1) {
    causes.push(
      cause.invalid(
        'metadata.ownerReferences',
        'array',
        'Only one reference can have Controller set to true',
      ),
    );
  }
  return causes;
}
