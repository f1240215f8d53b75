import { z } from 'zod';
import { ADDITIVE_STATUS_FIELDS, isNotFound, type KubeClients, type Logger } from '@ambient-operator/shared';
import type { RunnerClusterCapabilities } from './children/index.js';

// What the worker learns about the cluster once, at start-up: which Kubernetes it talks to (native sidecars
// from 1.29, OpenShift's UID assignment) and whether the AgenticSession CRD keeps our status fields.

const SESSION_CRD = 'agenticsessions.vteam.ambient-code';
const SESSION_VERSION = 'v1alpha1';

/** The AgenticSession CRD lacks fields the worker relies on; the worker refuses to start. */
export class SessionCrdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionCrdError';
  }
}

const versionInfoSchema = z.looseObject({ major: z.string(), minor: z.string(), gitVersion: z.string() });

/** `1.28` from a /version answer; providers add suffixes to the minor (`"28+"` on EKS and GKE). */
export function nativeSidecarsSupported(version: { major: string; minor: string }): boolean {
  const major = Number.parseInt(version.major, 10);
  const minor = Number.parseInt(version.minor, 10);
  return major > 1 || (major === 1 && minor >= 29);
}

const crdSchema = z.looseObject({
  spec: z.looseObject({
    versions: z.array(
      z.looseObject({
        name: z.string(),
        schema: z
          .looseObject({
            openAPIV3Schema: z.looseObject({
              properties: z
                .looseObject({
                  status: z
                    .looseObject({
                      'x-kubernetes-preserve-unknown-fields': z.boolean().optional(),
                      properties: z.record(z.string(), z.unknown()).optional(),
                    })
                    .optional(),
                })
                .optional(),
            }),
          })
          .optional(),
      }),
    ),
  }),
});

/**
 * Our additive status fields that the installed CRD would prune (all of them when the CRD is upstream's,
 * e.g. after the platform re-applied its manifests). Empty when the CRD keeps them.
 */
export function prunedStatusFields(crd: unknown): string[] {
  const parsed = crdSchema.safeParse(crd);
  if (!parsed.success) return [...ADDITIVE_STATUS_FIELDS];
  const version = parsed.data.spec.versions.find((v) => v.name === SESSION_VERSION);
  const status = version?.schema?.openAPIV3Schema.properties?.status;
  if (status?.['x-kubernetes-preserve-unknown-fields'] === true) return [];
  return ADDITIVE_STATUS_FIELDS.filter((field) => status?.properties?.[field] === undefined);
}

/**
 * Refuses (SessionCrdError) when the AgenticSession CRD would prune our status fields: re-creation bounds,
 * backoff and the Stopping deadline live there, and would silently stop working.
 */
export async function checkSessionCrd(api: Pick<KubeClients, 'apiextensions'>): Promise<void> {
  let crd: unknown;
  try {
    crd = await api.apiextensions.readCustomResourceDefinition({ name: SESSION_CRD });
  } catch (err) {
    if (isNotFound(err)) {
      throw new SessionCrdError(
        `the CRD ${SESSION_CRD} is not installed: apply deploy/crds/agenticsessions-crd.yaml`,
      );
    }
    throw err;
  }
  const pruned = prunedStatusFields(crd);
  if (pruned.length === 0) return;
  throw new SessionCrdError(
    `the installed CRD ${SESSION_CRD} does not declare status.${pruned.join(', status.')}, so the API server ` +
      'prunes them and re-creation bounds, re-creation backoff and the Stopping deadline would silently stop ' +
      "working. This happens when the platform re-applies its own CRD over ours (ours is upstream's plus these " +
      'optional fields). Apply ours again (kubectl apply -f deploy/crds/agenticsessions-crd.yaml), then restart the ' +
      'workers; see docs/cutover.md.',
  );
}

const apiGroupListSchema = z.looseObject({ groups: z.array(z.looseObject({ name: z.string() })) });

/** Server version and API groups, for the runner's `auto` settings. */
export async function detectClusterCapabilities(
  api: Pick<KubeClients, 'version' | 'apis'>,
  log: Logger,
): Promise<RunnerClusterCapabilities & { serverVersion: string }> {
  const [version, groups] = await Promise.all([api.version.getCode(), api.apis.getAPIVersions()]);
  const info = versionInfoSchema.parse(version);
  const openShift = apiGroupListSchema.parse(groups).groups.some((g) => g.name === 'security.openshift.io');
  const capabilities = {
    serverVersion: info.gitVersion,
    nativeSidecars: nativeSidecarsSupported(info),
    openShift,
  };
  log.info(capabilities, 'cluster capabilities');
  return capabilities;
}
