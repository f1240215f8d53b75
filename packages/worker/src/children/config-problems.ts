// The agent registry and the models manifest are platform ConfigMaps edited by hand. Upstream falls back to
// defaults when they cannot be used; so do we, entry by entry: one bad entry (a bad quantity, a wrong type)
// only costs that entry, and a file that is not JSON at all costs the whole file. Each problem is kept, so
// the worker can log it once and put a condition on the sessions it affects, instead of failing them.

/** Something in a config file that was skipped; the sessions it concerns run on defaults. */
export interface ConfigFileProblem {
  /** `file`: the whole file was unusable (every session is concerned); `entry`: one entry was skipped. */
  readonly scope: 'file' | 'entry';
  /** The skipped entry's id, when it had a usable one: the sessions that name it are concerned. */
  readonly id?: string;
  /** What was wrong, for the log and the condition's message. */
  readonly message: string;
}

/** The problems concerning a session that uses the entry `id` (its RUNNER_TYPE, or its model). */
export function problemsConcerning(problems: readonly ConfigFileProblem[], id: string): ConfigFileProblem[] {
  return problems.filter((problem) => problem.scope === 'file' || problem.id === id);
}

/** The id of a raw entry, when it is a non-empty string. */
export function rawEntryId(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
