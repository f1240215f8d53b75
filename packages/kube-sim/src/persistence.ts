import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { StoreSnapshot } from './store.js';
import type { KubeObject } from './types.js';

const snapshotSchema = z.object({
  kind: z.literal('KubeSimSnapshot'),
  resourceVersion: z.number().int().min(0),
  objects: z.array(
    z.object({
      resourceId: z.string(),
      object: z.looseObject({
        apiVersion: z.string(),
        kind: z.string(),
        metadata: z.looseObject({ name: z.string() }),
      }),
    }),
  ),
});

/** Reads a --data file; undefined when it does not exist yet. */
export async function loadSnapshot(path: string): Promise<StoreSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = snapshotSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`kube-sim: ${path} is not a kube-sim data file: ${z.prettifyError(parsed.error)}`);
  return {
    resourceVersion: parsed.data.resourceVersion,
    objects: parsed.data.objects.map((o) => ({
      resourceId: o.resourceId,
      object: o.object as unknown as KubeObject,
    })),
  };
}

/** Writes the state atomically (temp file + rename). */
export async function saveSnapshot(path: string, snapshot: StoreSnapshot): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ kind: 'KubeSimSnapshot', ...snapshot }));
  await rename(tmp, path);
}
