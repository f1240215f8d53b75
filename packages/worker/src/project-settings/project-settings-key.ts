import { InvalidKeyError, formatKey, parseQueueKey } from '@ambient-operator/shared';

/** The namespace of a `ps` key (shared's key-kind table). Throws {@link InvalidKeyError} (terminal) on anything else. */
export function namespaceOfProjectSettingsKey(key: string): string {
  try {
    const ref = parseQueueKey(key);
    if (ref.kind === 'ps' && ref.namespace !== undefined) return ref.namespace;
  } catch {
    // Reported below, naming the form a ProjectSettings key must have.
  }
  throw new InvalidKeyError(
    `invalid ProjectSettings key "${key}": expected "${formatKey({ kind: 'ps', namespace: 'namespace' })}" with a DNS-1123 label`,
  );
}
