import type { V1OwnerReference } from '@kubernetes/client-node';
import {
  AGENTIC_SESSION_KIND,
  CRD_API_VERSION,
  FORCE_EXECUTE_PROMPT,
  PARENT_SESSION_ID,
} from '@ambient-operator/shared';

// A minimal, read-only view of the AgenticSession CR (deploy/crds/agenticsessions-crd.yaml) holding
// only what the child builders read. It is a type, not a parser: the worker validates the CR with the
// zod schemas of @ambient-operator/shared before it gets here. (Local stand-in: shared did not export
// session types when this was written.)

export interface SessionRepo {
  readonly url: string;
  /** CRD default "main". */
  readonly branch?: string;
  /** CRD default false. */
  readonly autoPush?: boolean;
}

/** `mcpServers` of a session or of ProjectSettings: `custom` is preserve-unknown, so values stay opaque. */
export interface McpServers {
  readonly custom?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly disabled?: readonly string[];
}

export interface AgenticSessionSpec {
  readonly repos?: readonly SessionRepo[];
  readonly initialPrompt?: string;
  readonly displayName?: string;
  readonly userContext?: {
    readonly userId?: string;
    readonly displayName?: string;
    readonly groups?: readonly string[];
  };
  readonly llmSettings?: {
    /** CRD default "claude-sonnet-4-6". */
    readonly model?: string;
    /** CRD default 0.7. */
    readonly temperature?: number;
    /** CRD default 4000. */
    readonly maxTokens?: number;
  };
  /** Seconds; CRD default 300. Passed to the runner only (not enforced, as upstream). */
  readonly timeout?: number;
  readonly inactivityTimeout?: number;
  readonly stopOnRunFinished?: boolean;
  readonly environmentVariables?: Readonly<Record<string, string>>;
  readonly mcpServers?: McpServers;
  readonly activeWorkflow?: {
    readonly gitUrl?: string;
    readonly branch?: string;
    readonly path?: string;
  };
  /** Not in the CRD schema (pruned by the API server); read like upstream in case the schema gains it. */
  readonly mainRepoName?: string;
  /** Not in the CRD schema (pruned by the API server); read like upstream in case the schema gains it. */
  readonly mainRepoIndex?: number | string;
}

export interface AgenticSessionStatus {
  readonly phase?: string;
  readonly startTime?: string;
  readonly observedGeneration?: number;
}

export interface AgenticSession {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly generation?: number;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec: AgenticSessionSpec;
  readonly status?: AgenticSessionStatus;
}

/** The ownerReference every per-session child carries: controller, and no blockOwnerDeletion
 *  (setting it needs `update` on the owner's finalizers subresource, which we do not want to require). */
export function sessionOwnerReference(session: AgenticSession): V1OwnerReference {
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
export function runnerTypeOf(spec: AgenticSessionSpec): string {
  const value = spec.environmentVariables?.['RUNNER_TYPE']?.trim();
  return value ? value : DEFAULT_RUNNER_TYPE;
}

/** `PARENT_SESSION_ID`: the continuation annotation, else the spec env var of that name. */
export function parentSessionIdOf(session: AgenticSession): string | undefined {
  const fromAnnotation = session.metadata.annotations?.[PARENT_SESSION_ID]?.trim();
  if (fromAnnotation) return fromAnnotation;
  const fromEnv = session.spec.environmentVariables?.['PARENT_SESSION_ID']?.trim();
  return fromEnv ? fromEnv : undefined;
}

/** `ambient-code.io/force-execute-prompt=true` (set by the scheduled-session trigger) suppresses IS_RESUME. */
export function forcesPromptExecution(session: AgenticSession): boolean {
  return session.metadata.annotations?.[FORCE_EXECUTE_PROMPT]?.trim() === 'true';
}
