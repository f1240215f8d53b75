import { buildRunnerService } from '../children/index.js';
import { createIfAbsent } from '../kube-ops.js';
import { runtimeOf } from '../runner-runtime.js';
import type { CommandContext } from './command-context.js';
import { childSession } from './command-context.js';

/** Service `session-<name>`, owned by the session (not the pod, contract §10.7), so it survives runner re-creation. */
export async function ensureService(ctx: CommandContext): Promise<void> {
  const session = childSession(ctx);
  const runtime = await runtimeOf(ctx.deps, session);
  const body = buildRunnerService({ session, port: runtime.port });
  await createIfAbsent(() =>
    ctx.deps.api.core.createNamespacedService({ namespace: session.metadata.namespace, body }),
  );
}
