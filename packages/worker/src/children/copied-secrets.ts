import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { AGENTIC_SESSION_KIND, COPIED_FROM, CRD_API_VERSION } from '@ambient-operator/shared';
import type { StoredAgenticSession } from '@ambient-operator/shared';
import { PLATFORM_NAMES } from './names.js';

// Platform secrets copied from BACKEND_NAMESPACE into the session namespace (contract §3.2). Several
// sessions share one copy, so each adds its own ownerReference; the copy disappears when the last owner
// is deleted (GC) or when a stop finds no other active session.

export interface PlatformSecretCopy {
  readonly name: string;
  /** A required copy that fails blocks the run (Vertex); an optional one only warns. */
  readonly required: boolean;
}

/** Which platform secrets a session needs, given the operator's flags (already parsed as booleans:
 *  USE_VERTEX truthy = 1|true|yes; LANGFUSE_ENABLED / MLFLOW_TRACING_ENABLED ∉ {"", "0", "false"}). */
export function platformSecretsToCopy(flags: {
  vertexEnabled: boolean;
  langfuseEnabled: boolean;
  mlflowTracingEnabled: boolean;
}): PlatformSecretCopy[] {
  const copies: PlatformSecretCopy[] = [];
  if (flags.vertexEnabled) copies.push({ name: PLATFORM_NAMES.vertexSecret, required: true });
  if (flags.langfuseEnabled) copies.push({ name: PLATFORM_NAMES.langfuseSecret, required: false });
  if (flags.mlflowTracingEnabled) copies.push({ name: PLATFORM_NAMES.mlflowSecret, required: false });
  return copies;
}

export type CopiedSecretPlan =
  /** Target absent: create this Secret. */
  | { readonly action: 'create'; readonly secret: Wire<V1Secret> }
  /** Target present without this session as owner: replace (PUT, carrying the read resourceVersion). */
  | { readonly action: 'update'; readonly secret: Wire<V1Secret> }
  /** This session already owns the copy: nothing to do (the data is deliberately not refreshed). */
  | { readonly action: 'none' };

const hasController = (refs: readonly Wire<V1OwnerReference>[] | undefined): boolean =>
  (refs ?? []).some((ref) => ref.controller === true);

/**
 * Upstream's copySecretToNamespace as a pure plan. The new ownerReference is the controller unless the
 * target already has one (then a plain reference is appended); no blockOwnerDeletion. An update replaces
 * the data with the source's and adds the copied-from annotation; labels and type of an existing target
 * are kept. Inputs are never mutated. On a 409 the caller re-reads the target and plans again.
 */
export function planCopiedSecret(input: {
  source: Wire<V1Secret>;
  existing: Wire<V1Secret> | undefined;
  targetNamespace: string;
  owner: StoredAgenticSession;
}): CopiedSecretPlan {
  const { source, existing, owner } = input;
  const name = source.metadata?.name ?? '';
  const copiedFrom = `${source.metadata?.namespace ?? ''}/${name}`;
  const ownerRef = (controller: boolean): Wire<V1OwnerReference> => ({
    apiVersion: CRD_API_VERSION,
    kind: AGENTIC_SESSION_KIND,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    ...(controller ? { controller: true } : {}),
  });

  if (!existing) {
    return {
      action: 'create',
      secret: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name,
          namespace: input.targetNamespace,
          ...(source.metadata?.labels ? { labels: { ...source.metadata.labels } } : {}),
          annotations: { [COPIED_FROM]: copiedFrom },
          ownerReferences: [ownerRef(true)],
        },
        ...(source.type ? { type: source.type } : {}),
        ...(source.data ? { data: { ...source.data } } : {}),
      },
    };
  }

  const refs = existing.metadata?.ownerReferences ?? [];
  if (refs.some((ref) => ref.uid === owner.metadata.uid)) return { action: 'none' };

  const { data: _oldData, ...rest } = existing;
  return {
    action: 'update',
    secret: {
      ...rest,
      metadata: {
        ...existing.metadata,
        annotations: { ...existing.metadata?.annotations, [COPIED_FROM]: copiedFrom },
        ownerReferences: [...refs, ownerRef(!hasController(refs))],
      },
      ...(source.data ? { data: { ...source.data } } : {}),
    },
  };
}

/** Phases during which a session may still need the shared copies. */
export const PHASES_NEEDING_COPIED_SECRETS: ReadonlySet<string> = new Set(['Pending', 'Creating', 'Running']);

/**
 * Whether a stopping/finishing session may delete a copied secret: only copies (copied-from annotation
 * present, so a user's own Secret of that name is never touched) and only when no other session of the
 * namespace is Pending, Creating or Running. `sessions` is the namespace's session list; the current
 * session is excluded by name.
 */
export function shouldDeleteCopiedSecret(input: {
  secret: Pick<Wire<V1Secret>, 'metadata'>;
  sessions: readonly { readonly name: string; readonly phase?: string }[];
  currentSession: string;
}): boolean {
  if (input.secret.metadata?.annotations?.[COPIED_FROM] === undefined) return false;
  return !input.sessions.some(
    (session) =>
      session.name !== input.currentSession &&
      session.phase !== undefined &&
      PHASES_NEEDING_COPIED_SECRETS.has(session.phase),
  );
}

/** MLflow's Kubernetes auth modes need the pod to run as the session ServiceAccount (token automounted). */
export function usesMlflowKubernetesAuth(
  mlflowSecretData: Readonly<Record<string, string>> | undefined,
): boolean {
  const mode = mlflowSecretData?.['MLFLOW_TRACKING_AUTH']?.trim();
  return mode === 'kubernetes' || mode === 'kubernetes-namespaced';
}
