/**
 * The independent side of the schema-agreement test: an ajv validator compiled from a CRD's own
 * openAPIV3Schema (read from the YAML), transformed to Kubernetes "strict field validation":
 * - `additionalProperties: false` on every object schema with `properties` and no
 *   `x-kubernetes-preserve-unknown-fields` (unknown fields are errors instead of being pruned);
 * - `x-kubernetes-*` keywords stripped (ajv does not know them);
 * - the one CEL rule these CRDs use (`self.metadata.name == 'projectsettings'`) turned into a `const`
 *   on metadata.name; any other rule fails loudly so a new upstream rule cannot go unnoticed;
 * - the root gets what the API server checks for every custom resource: apiVersion, kind and
 *   metadata (test/fixtures/object-meta.schema.json).
 * `useDefaults` applies the CRD defaults the way structural defaulting does (absent field, parent present).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { parse } from 'yaml';

type JsonSchema = { [key: string]: unknown };

const objectMetaSchema = JSON.parse(
  readFileSync(new URL('../fixtures/object-meta.schema.json', import.meta.url), 'utf8'),
) as JsonSchema;

const CEL_SINGLETON_RULE = "self.metadata.name == 'projectsettings'";

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the transformed schema and the CEL rules it found (only at the root in these CRDs). */
function toStrictSchema(node: JsonSchema, celRules: string[], atRoot: boolean): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'x-kubernetes-validations') {
      if (!atRoot) throw new Error('CEL rule below the root: extend the test transform');
      for (const rule of value as { rule: string }[]) celRules.push(rule.rule);
      continue;
    }
    if (key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties' && isSchema(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [
          name,
          toStrictSchema(child as JsonSchema, celRules, false),
        ]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = toStrictSchema(value, celRules, false);
    } else {
      out[key] = value;
    }
  }
  if (isSchema(node['properties']) && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    out['additionalProperties'] = false;
  }
  return out;
}

export interface CrdInfo {
  apiVersion: string;
  kind: string;
  /** The openAPIV3Schema as written in the CRD. */
  openAPIV3Schema: JsonSchema;
}

export function readCrd(fileUrl: URL): CrdInfo {
  const crd = parse(readFileSync(fileUrl, 'utf8')) as {
    spec: {
      group: string;
      names: { kind: string };
      versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[];
    };
  };
  const [version] = crd.spec.versions;
  if (!version || crd.spec.versions.length !== 1) throw new Error('expected exactly one version');
  return {
    apiVersion: `${crd.spec.group}/${version.name}`,
    kind: crd.spec.names.kind,
    openAPIV3Schema: version.schema.openAPIV3Schema,
  };
}

export function buildRootSchema(crd: CrdInfo): JsonSchema {
  const celRules: string[] = [];
  const root = toStrictSchema(crd.openAPIV3Schema, celRules, true);
  let metadata: JsonSchema = objectMetaSchema;
  for (const rule of celRules) {
    if (rule !== CEL_SINGLETON_RULE) throw new Error(`unsupported CEL rule: ${rule}`);
    metadata = {
      allOf: [objectMetaSchema, { type: 'object', properties: { name: { const: 'projectsettings' } } }],
    };
  }
  return {
    ...root,
    required: ['apiVersion', 'kind', 'metadata'],
    properties: {
      apiVersion: { type: 'string', const: crd.apiVersion },
      kind: { type: 'string', const: crd.kind },
      metadata,
      ...(root['properties'] as JsonSchema),
    },
    additionalProperties: false,
  };
}

// ajv-formats is CommonJS with `exports.default`; accept either interop shape.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats =
  (
    (ajvFormats as unknown as { default: FormatsPlugin | { default: FormatsPlugin } }).default as {
      default?: FormatsPlugin;
    }
  ).default ?? (ajvFormats as unknown as { default: FormatsPlugin }).default;

export function compileCrd(crd: CrdInfo): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
  addFormats(ajv);
  return ajv.compile(buildRootSchema(crd));
}

function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let current = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(current) ? Number(segment) : segment;
    path.push(key);
    current =
      typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  }
  return path;
}

/** The field each ajv error is about (the missing or unknown property itself, not its parent). */
export function ajvErrorPaths(errors: readonly ErrorObject[], data: unknown): (string | number)[][] {
  return errors
    .filter((e) => e.keyword !== 'propertyNames' && e.keyword !== 'allOf')
    .map((e) => {
      const base = pointerToPath(e.instancePath, data);
      if (e.propertyName !== undefined) return [...base, e.propertyName];
      if (e.keyword === 'required')
        return [...base, (e.params as { missingProperty: string }).missingProperty];
      if (e.keyword === 'additionalProperties') {
        return [...base, (e.params as { additionalProperty: string }).additionalProperty];
      }
      return base;
    });
}
