import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

/** What `GET /version` reports (the fields clients read; the rest is fixed). */
export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

/** The version kube-sim reports unless told otherwise; kubectl checks skew against it. */
export const DEFAULT_SERVER_VERSION: ServerVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kube-sim',
};

/** `"1.28"` or `"v1.28.3"` → a ServerVersion; throws on anything else. */
export function parseServerVersion(text: string): ServerVersion {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`kube-sim: version "${text}" is not of the form 1.28 or v1.28.3`);
  const [, major, minor, patch] = match;
  return { major: major!, minor: minor!, gitVersion: `v${major}.${minor}.${patch ?? '0'}-kube-sim` };
}

/**
 * Native sidecars (an init container with `restartPolicy: Always`): the SidecarContainers feature gate
 * is on by default from 1.29 (beta); before, the API server drops the field.
 */
export function supportsNativeSidecars(version: ServerVersion): boolean {
  return Number(version.major) > 1 || Number(version.minor) >= 29;
}

function podSpecsOf(resourceId: string, object: KubeObject): Record<string, unknown>[] {
  const spec = isPlainObject(object.spec) ? object.spec : undefined;
  if (resourceId === '/pods') return spec ? [spec] : [];
  if (resourceId === 'batch/jobs' || resourceId === 'apps/deployments') {
    const template = isPlainObject(spec?.template) ? spec.template : undefined;
    return isPlainObject(template?.spec) ? [template.spec] : [];
  }
  return [];
}

/**
 * The API server's `dropDisabledFields` for the fields this version does not know: on a server without
 * native sidecars, `restartPolicy` of init containers is silently removed on create, so such an init
 * container runs to completion like any other (and a looping one blocks the pod forever).
 */
export function dropDisabledPodFields(
  resourceId: string,
  object: KubeObject,
  old: KubeObject | undefined,
  version: ServerVersion,
): void {
  if (supportsNativeSidecars(version)) return;
  const usedBefore = old !== undefined && podSpecsOf(resourceId, old).some(hasRestartableInit);
  if (usedBefore) return;
  for (const spec of podSpecsOf(resourceId, object)) {
    if (!Array.isArray(spec.initContainers)) continue;
    for (const container of spec.initContainers) if (isPlainObject(container)) delete container.restartPolicy;
  }
}

function hasRestartableInit(spec: Record<string, unknown>): boolean {
  return (
    Array.isArray(spec.initContainers) &&
    spec.initContainers.some((c) => isPlainObject(c) && c.restartPolicy !== undefined)
  );
}
