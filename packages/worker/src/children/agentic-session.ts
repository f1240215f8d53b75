import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import {
  AGENTIC_SESSION_KIND,
  CRD_API_VERSION,
  FORCE_EXECUTE_PROMPT,
  PARENT_SESSION_ID,
  type AgenticSessionSpec,
  type StoredAgenticSession,
} from '@ambient-operator/shared';

// The session the child builders take is shared's StoredAgenticSession: the CR as validated by its zod schema, with
// the identity the API server gives every stored object and the spec's defaults applied.

/** The ownerReference every per-session child carries: controller, and no blockOwnerDeletion
 *  (setting it needs `update` on the owner's finalizers subresource, which we do not want to require). */
export function sessionOwnerReference(session: {
  metadata: Pick<StoredAgenticSession['metadata'], 'name' | 'uid'>;
}): Wire<V1OwnerReference> {
  return {
    apiVersion: CRD_API_VERSION,
    kind: AGENTIC_SESSION_KIND,
    name: session.metadata.name,
    uid: session.metadata.uid,
    controller: true,
  };
}

/** Default runner type when `spec.environmentVariables.RUNNER_TYPE` is absent or blank. */
export const DEFAULT_RUNNER_TYPE = 'claude-agent-sdk';

/** The agent-registry id a session asks for (`RUNNER_TYPE` in its env, else `claude-agent-sdk`). */
export function runnerTypeOf(spec: Pick<AgenticSessionSpec, 'environmentVariables'>): string {
  const value = spec.environmentVariables?.['RUNNER_TYPE']?.trim();
  return value ? value : DEFAULT_RUNNER_TYPE;
}

/** `PARENT_SESSION_ID`: the continuation annotation, else the spec env var of that name. */
export function parentSessionIdOf(session: StoredAgenticSession): string | undefined {
  const fromAnnotation = session.metadata.annotations?.[PARENT_SESSION_ID]?.trim();
  if (fromAnnotation) return fromAnnotation;
  const fromEnv = session.spec.environmentVariables?.['PARENT_SESSION_ID']?.trim();
  return fromEnv ? fromEnv : undefined;
}

/** `ambient-code.io/force-execute-prompt=true` (set by the scheduled-session trigger) suppresses IS_RESUME. */
export function forcesPromptExecution(session: StoredAgenticSession): boolean {
  return session.metadata.annotations?.[FORCE_EXECUTE_PROMPT]?.trim() === 'true';
}
