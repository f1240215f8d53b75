/** OpenAPI v3 `components.schemas`, by name (`io.k8s.api.core.v1.Pod`). */
export type SchemaMap = Record<string, Record<string, unknown>>;

const REF_PREFIX = '#/components/schemas/';

function collectRefs(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, out);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX))
        out.push(v.slice(REF_PREFIX.length));
      else collectRefs(v, out);
    }
  }
}

/** The names of `roots` and of every schema they reference, directly or not, that `schemas` holds. */
export function referencedSchemas(schemas: SchemaMap, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...roots];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const schema = schemas[name];
    if (seen.has(name) || !schema) continue;
    seen.add(name);
    const refs: string[] = [];
    collectRefs(schema, refs);
    pending.push(...refs);
  }
  return seen;
}
