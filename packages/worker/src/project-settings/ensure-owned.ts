import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { ConflictError } from '@ambient-operator/shared';
import { createIfAbsent, deleteIfPresent } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import { adoptedMetadata, isControlledByProjectSettings, metadataConverged, sameJson } from './ownership.js';
import type { ProjectSettingsRef } from './ownership.js';

/**
 * What {@link ensureOwned} found and did:
 * - `created`, `updated` (in place), `recreated` (an immutable field differed), `unchanged`: the object is ours;
 * - `foreign-compatible`: someone else's object with our name already does the job; left alone;
 * - `foreign-conflicting`: someone else's object with our name does something else; left alone (never
 *   overwritten or deleted: we only touch what a ProjectSettings controls).
 */
export type EnsureOutcome =
  'created' | 'updated' | 'recreated' | 'unchanged' | 'foreign-compatible' | 'foreign-conflicting';

/** Whether the object is in place and serves its purpose after the outcome. */
export function isInPlace(outcome: EnsureOutcome): boolean {
  return outcome !== 'foreign-conflicting';
}

export interface KubeObject {
  metadata?: Wire<V1ObjectMeta>;
}

export interface EnsureOwnedOptions<T extends KubeObject> {
  /** For messages: `RoleBinding ns/name`. */
  describe: string;
  owner: ProjectSettingsRef;
  /** Labels we set (merged into existing ones). */
  labels: Readonly<Record<string, string>>;
  /** The full object we want (its metadata carries name, namespace, labels, ownerReferences). */
  desired: T;
  /** GET; NotFound becomes null. */
  read: () => Promise<T>;
  create: (body: T) => Promise<unknown>;
  /** PUT of `body`, whose metadata holds the resourceVersion read (a concurrent change gives 409). */
  replace: (body: T) => Promise<unknown>;
  /** DELETE with a uid precondition; only needed when {@link immutable} is given. */
  remove?: (uid: string) => Promise<unknown>;
  /** The part we converge, e.g. a Role's rules. Compared as JSON. */
  converged: (object: T) => unknown;
  /** Fields the API cannot change in place (a RoleBinding's roleRef): a difference means delete + create. */
  immutable?: (object: T) => unknown;
  /** Whether an object of our name that we do not control already does what we want. */
  foreignIsCompatible: (actual: T) => boolean;
  /** Copies the converged part of `desired` onto `actual` (the rest of `actual` is kept). */
  withConverged: (actual: T, desired: T) => T;
}

/**
 * Create, adopt-and-update, or leave alone one child of the ProjectSettings. Level-based: a GET, then at
 * most one write (two for a delete + create). A create that races another (AlreadyExists) or a replace
 * that races a change (409) comes back as a conflict, which re-runs the whole reconcile from fresh reads.
 */
export async function ensureOwned<T extends KubeObject>(
  options: EnsureOwnedOptions<T>,
): Promise<EnsureOutcome> {
  const { desired, owner, labels } = options;
  const actual = await readOrNull(options.read);
  if (actual === null) {
    await createOrConflict(options);
    return 'created';
  }
  const metadata = actual.metadata ?? {};
  if (!isControlledByProjectSettings(metadata)) {
    return options.foreignIsCompatible(actual) ? 'foreign-compatible' : 'foreign-conflicting';
  }
  if (options.immutable && !sameJson(options.immutable(actual), options.immutable(desired))) {
    if (!options.remove) throw new Error(`${options.describe}: immutable fields differ but no remove given`);
    await deleteIfPresent(() => options.remove!(metadata.uid ?? ''));
    await createOrConflict(options);
    return 'recreated';
  }
  if (
    sameJson(options.converged(actual), options.converged(desired)) &&
    metadataConverged(metadata, labels, owner)
  ) {
    return 'unchanged';
  }
  const updated = options.withConverged(actual, desired);
  await options.replace({ ...updated, metadata: adoptedMetadata(metadata, labels, owner) });
  return 'updated';
}

async function createOrConflict<T extends KubeObject>(options: EnsureOwnedOptions<T>): Promise<void> {
  if (!(await createIfAbsent(() => options.create(options.desired)))) {
    throw new ConflictError(`${options.describe} appeared while we created it`, 'ALREADY_EXISTS');
  }
}
