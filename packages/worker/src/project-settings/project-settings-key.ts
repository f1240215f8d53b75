import { InvalidKeyError, isDns1123Label } from '@ambient-operator/shared';

/** Queue keys of ProjectSettings reconciles: `ps:<namespace>`, a key space of its own next to `namespace/name`. */
export const PROJECT_SETTINGS_KEY_PREFIX = 'ps:';

export function isProjectSettingsKey(key: string): boolean {
  return key.startsWith(PROJECT_SETTINGS_KEY_PREFIX);
}

/** The namespace of a `ps:<namespace>` key. Throws {@link InvalidKeyError} (terminal) on anything else. */
export function namespaceOfProjectSettingsKey(key: string): string {
  const namespace = key.slice(PROJECT_SETTINGS_KEY_PREFIX.length);
  if (!isProjectSettingsKey(key) || !isDns1123Label(namespace)) {
    throw new InvalidKeyError(
      `invalid ProjectSettings key "${key}": expected "${PROJECT_SETTINGS_KEY_PREFIX}<namespace>" with a DNS-1123 label`,
    );
  }
  return namespace;
}
