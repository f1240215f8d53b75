import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { StoreSnapshot } from './store.js';

const objectList = z.array(z.looseObject({ id: z.string().min(1) })).default([]);
const snapshotSchema = z.object({
  kind: z.literal('ApiSimSnapshot'),
  objects: z.object({
    sessions: objectList,
    projects: objectList,
    project_settings: objectList,
    users: objectList,
  }),
  takenProjectNames: z.array(z.string()).default([]),
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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`api-sim: ${path} is not JSON`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`api-sim: ${path} is not an api-sim data file: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Writes the state atomically (temp file + rename). */
export async function saveSnapshot(path: string, snapshot: StoreSnapshot): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ kind: 'ApiSimSnapshot', ...snapshot }));
  await rename(tmp, path);
}
