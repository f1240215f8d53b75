import type { StoredAgenticSession } from '@ambient-operator/shared';
import { resolveRuntime, runnerTypeOf, type ResolvedRuntime } from './children/index.js';
import type { WorkerDeps } from './worker-deps.js';

/** The agent-registry runtime of a session (its RUNNER_TYPE), defaults when the registry has none. */
export async function runtimeOf(deps: WorkerDeps, session: StoredAgenticSession): Promise<ResolvedRuntime> {
  return resolveRuntime(await deps.agentRegistry(), runnerTypeOf(session.spec));
}
