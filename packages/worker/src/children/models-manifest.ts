import { z } from 'zod';
import { ChildInputError } from './errors.js';

// The model manifest (MODELS_MANIFEST_PATH, default /config/models/models.json): maps the model a session
// asks for to its Vertex AI id, passed to the runner as LLM_MODEL_VERTEX_ID.

export const modelsManifestSchema = z.object({
  version: z.number().int().optional(),
  defaultModel: z.string().optional(),
  models: z
    .array(
      z.object({
        id: z.string(),
        vertexId: z.string().optional(),
        available: z.boolean().optional(),
      }),
    )
    .default([]),
});

export type ModelsManifest = z.infer<typeof modelsManifestSchema>;

/** Parses the manifest file's text. Throws ChildInputError('InvalidModelsManifest') on bad JSON or shape. */
export function parseModelsManifest(json: string): ModelsManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ChildInputError(
      'InvalidModelsManifest',
      `models manifest is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parsed = modelsManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ChildInputError(
      'InvalidModelsManifest',
      `models manifest does not match the expected schema:\n${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/** The `vertexId` of the first entry with this id that is available; undefined when unknown, unavailable
 *  or without a vertexId (then LLM_MODEL_VERTEX_ID is omitted, as upstream omits an empty value). */
export function resolveVertexModelId(
  manifest: ModelsManifest | undefined,
  modelId: string,
): string | undefined {
  const entry = manifest?.models.find((model) => model.id === modelId && model.available === true);
  return entry?.vertexId ? entry.vertexId : undefined;
}
