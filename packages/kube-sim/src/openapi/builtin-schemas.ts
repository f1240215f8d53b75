import { readFileSync } from 'node:fs';
import { z } from 'zod';

const fileSchema = z.object({
  source: z.string(),
  /** Group-version path (`api/v1`, `apis/batch/v1`) → the schema names of the kinds kube-sim serves there. */
  roots: z.record(z.string(), z.array(z.string())),
  schemas: z.record(z.string(), z.record(z.string(), z.unknown())),
});
export type BuiltinSchemas = z.infer<typeof fileSchema>;

let loaded: BuiltinSchemas | undefined;

/**
 * The built-in kinds' schemas copied from a real API server (scripts/generate-openapi-schemas.ts), read on first
 * use: most kube-sim instances never serve an OpenAPI document.
 */
export function builtinSchemas(): BuiltinSchemas {
  loaded ??= fileSchema.parse(
    JSON.parse(readFileSync(new URL('./schemas.generated.json', import.meta.url), 'utf8')),
  );
  return loaded;
}
