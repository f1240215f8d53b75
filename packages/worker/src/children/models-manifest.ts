import { z } from 'zod';
import { rawEntryId, type ConfigFileProblem } from './config-problems.js';
import { ChildInputError } from './errors.js';

// The model manifest (MODELS_MANIFEST_PATH, default /config/models/models.json): maps the model a session
// asks for to its Vertex AI id, passed to the runner as LLM_MODEL_VERTEX_ID.

const modelEntrySchema = z.object({
  id: z.string(),
  vertexId: z.string().optional(),
  available: z.boolean().optional(),
});

export const modelsManifestSchema = z.object({
  version: z.number().int().optional(),
  defaultModel: z.string().optional(),
  models: z.array(modelEntrySchema).default([]),
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

/** The manifest as the worker uses it: the usable model entries, and what was skipped. */
export interface LoadedModelsManifest {
  /** Undefined when the file as a whole is unusable (no Vertex model ids, as with no file). */
  readonly manifest: ModelsManifest | undefined;
  readonly problems: readonly ConfigFileProblem[];
}

/**
 * Parses the manifest's text leniently (see config-problems.ts): a model entry that does not match is
 * skipped (its sessions get no LLM_MODEL_VERTEX_ID, as for an unknown model); a bad `version` or
 * `defaultModel` is dropped (the operator reads neither).
 */
export function loadModelsManifest(json: string): LoadedModelsManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    const message = `models manifest is not valid JSON (${(error as Error).message}); no model gets a Vertex id`;
    return { manifest: undefined, problems: [{ scope: 'file', message }] };
  }
  const top = z.looseObject({ models: z.array(z.unknown()).optional() }).safeParse(raw);
  if (!top.success) {
    const message = 'models manifest is not an object with a "models" array; no model gets a Vertex id';
    return { manifest: undefined, problems: [{ scope: 'file', message }] };
  }
  const models: ModelsManifest['models'] = [];
  const problems: ConfigFileProblem[] = [];
  (top.data.models ?? []).forEach((item, index) => {
    const parsed = modelEntrySchema.safeParse(item);
    if (parsed.success) {
      models.push(parsed.data);
      return;
    }
    const id = rawEntryId(item);
    const name = id === undefined ? `model [${index}]` : `model "${id}"`;
    problems.push({
      scope: 'entry',
      ...(id === undefined ? {} : { id }),
      message: `models manifest ${name} skipped, it gets no Vertex id: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
    });
  });
  const version = z.number().int().safeParse(top.data['version']);
  const defaultModel = z.string().safeParse(top.data['defaultModel']);
  return {
    manifest: {
      ...(version.success ? { version: version.data } : {}),
      ...(defaultModel.success ? { defaultModel: defaultModel.data } : {}),
      models,
    },
    problems,
  };
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
