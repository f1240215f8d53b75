import { readFile } from 'node:fs/promises';

/**
 * A JSON config file (agent registry, models manifest) read at most once per `ttlMs`, like upstream's
 * 60 s registry cache. A missing file is `undefined` (defaults apply). `parse` decides what a broken file
 * means; the worker's loaders (loadAgentRegistry, loadModelsManifest) skip what is bad and report it.
 */
export function cachedJsonFile<T>(
  path: string,
  parse: (text: string) => T,
  options: { ttlMs?: number; now?: () => number } = {},
): () => Promise<T | undefined> {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; value: Promise<T | undefined> } | undefined;

  async function load(): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return parse(text);
  }

  return () => {
    if (cached === undefined || now() - cached.at >= ttlMs) {
      const value = load();
      cached = { at: now(), value };
      // A failed read is not cached: the next reconcile tries again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}
