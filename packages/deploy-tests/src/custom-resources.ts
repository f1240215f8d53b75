import { Ajv, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { describeObject, type KubeObject } from './kube-object.js';
import * as ajvFormats from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`; the ESM interop shape differs between loaders.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const formatsModule = ajvFormats as unknown as { default: FormatsPlugin | { default: FormatsPlugin } };
const addFormats: FormatsPlugin =
  typeof formatsModule.default === 'function' ? formatsModule.default : formatsModule.default.default;

type JsonSchema = Record<string, unknown>;

/**
 * The API server prunes (and with kubectl's default strict field validation, rejects) fields a
 * structural schema does not declare; make ajv do the same, except where the schema preserves them.
 */
function rejectUndeclaredFields(schema: JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...schema };
  const properties = schema['properties'];
  if (typeof properties === 'object' && properties !== null) {
    copy['properties'] = Object.fromEntries(
      Object.entries(properties as Record<string, JsonSchema>).map(([k, v]) => [
        k,
        rejectUndeclaredFields(v),
      ]),
    );
    if (
      copy['additionalProperties'] === undefined &&
      schema['x-kubernetes-preserve-unknown-fields'] !== true
    ) {
      copy['additionalProperties'] = false;
    }
  }
  const items = schema['items'];
  if (typeof items === 'object' && items !== null)
    copy['items'] = rejectUndeclaredFields(items as JsonSchema);
  const additional = schema['additionalProperties'];
  if (typeof additional === 'object' && additional !== null) {
    copy['additionalProperties'] = rejectUndeclaredFields(additional as JsonSchema);
  }
  return copy;
}

/** The CRD's schema for a whole object: apiVersion, kind and metadata are the API server's. */
function objectSchema(openAPIV3Schema: JsonSchema): JsonSchema {
  const root = rejectUndeclaredFields(openAPIV3Schema);
  return {
    ...root,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...(root['properties'] as JsonSchema | undefined),
    },
  };
}

const crdSchema = z.object({
  kind: z.literal('CustomResourceDefinition'),
  spec: z.object({
    group: z.string(),
    names: z.object({ kind: z.string() }),
    versions: z.array(
      z.object({
        name: z.string(),
        served: z.boolean(),
        schema: z.object({ openAPIV3Schema: z.record(z.string(), z.unknown()) }),
      }),
    ),
  }),
});

/**
 * Validates custom resources against the openAPIV3Schema of the CRDs given (the structural schema
 * the API server enforces; CEL `x-kubernetes-validations` rules are not evaluated here).
 */
export class CustomResourceValidator {
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(crds: readonly KubeObject[]) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const object of crds) {
      const crd = crdSchema.parse(object);
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
        this.#validators.set(key, ajv.compile(objectSchema(version.schema.openAPIV3Schema)));
      }
    }
  }

  /** Whether one of the CRDs defines this object's `apiVersion/kind`. */
  defines(object: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
    return this.#validators.has(`${object.apiVersion}/${object.kind}`);
  }

  /** Problems of one custom resource (empty when valid, or a problem when no CRD defines it). */
  problems(object: KubeObject): string[] {
    const validate = this.#validators.get(`${object.apiVersion}/${object.kind}`);
    if (validate === undefined) {
      return [`${describeObject(object)}: no CRD defines ${object.apiVersion} ${object.kind}`];
    }
    // Validate a copy: ajv may not mutate the caller's object.
    if (validate(structuredClone(object))) return [];
    return (validate.errors ?? []).map((e) => {
      const where = e.instancePath === '' ? '/' : e.instancePath;
      const extra = e.keyword === 'additionalProperties' ? ` (${JSON.stringify(e.params)})` : '';
      return `${describeObject(object)}: ${where} ${e.message ?? e.keyword}${extra}`;
    });
  }
}
