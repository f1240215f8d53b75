import type { V1EnvVar } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';

// Generic operations on container env lists, used by runner-env.ts. Every function returns new arrays.

/** Spec env never replaces these in the runner (the platform decides the model provider). */
export const PROTECTED_RUNNER_ENV_NAMES: ReadonlySet<string> = new Set([
  'USE_VERTEX',
  'CLAUDE_CODE_USE_VERTEX',
]);

export function plainEnv(name: string, value: string): Wire<V1EnvVar> {
  return { name, value };
}

export function secretEnv(name: string, secret: string, key: string, optional?: boolean): Wire<V1EnvVar> {
  return {
    name,
    valueFrom: { secretKeyRef: { name: secret, key, ...(optional === undefined ? {} : { optional }) } },
  };
}

/** Name/value pairs of a string map as env vars, sorted by name (code-unit order) for stable output. */
export function envFromMap(values: Readonly<Record<string, string>> | undefined): Wire<V1EnvVar>[] {
  return Object.keys(values ?? {})
    .sort()
    .map((name) => plainEnv(name, values?.[name] ?? ''));
}

/** Non-conflicting append: adds each extra var whose name is not already present (first one wins). */
export function appendMissingEnv(
  base: readonly Wire<V1EnvVar>[],
  extra: readonly Wire<V1EnvVar>[],
): Wire<V1EnvVar>[] {
  const result = [...base];
  const present = new Set(base.map((env) => env.name));
  for (const env of extra) {
    if (present.has(env.name)) continue;
    present.add(env.name);
    result.push(env);
  }
  return result;
}

export interface ReplaceOrAppendOptions {
  /** Names that never change nor get appended. @defaultValue PROTECTED_RUNNER_ENV_NAMES */
  readonly protectedNames?: ReadonlySet<string>;
  /** valueFrom entries that a plain override may still replace (as upstream allowed while they were
   *  plain values). @defaultValue none */
  readonly overridableValueFrom?: ReadonlySet<string>;
}

/**
 * Replace-or-append of upstream's runner container: an override replaces the value of the first entry of
 * that name, or is appended. Entries using `valueFrom` are kept (a value next to valueFrom is invalid), and
 * protected names (USE_VERTEX, CLAUDE_CODE_USE_VERTEX) are never overridden. Returns a new array.
 */
export function replaceOrAppendEnv(
  base: readonly Wire<V1EnvVar>[],
  overrides: readonly Wire<V1EnvVar>[],
  options: ReplaceOrAppendOptions = {},
): Wire<V1EnvVar>[] {
  const protectedNames = options.protectedNames ?? PROTECTED_RUNNER_ENV_NAMES;
  const overridable = options.overridableValueFrom ?? new Set<string>();
  const result = [...base];
  for (const override of overrides) {
    if (protectedNames.has(override.name)) continue;
    const index = result.findIndex((env) => env.name === override.name);
    if (index === -1) {
      result.push(override);
      continue;
    }
    const current = result[index];
    if (current?.valueFrom && !overridable.has(override.name)) continue;
    result[index] = override;
  }
  return result;
}

/** JSON with object keys sorted at every level, as Go's json.Marshal prints maps (stable across builds). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}
