import { serviceName } from '@ambient-operator/shared';
import { deleteIfPresent } from '../kube-ops.js';
import type { CommandContext } from './command-context.js';

export async function deleteService(ctx: CommandContext): Promise<void> {
  const { namespace, name } = ctx.session.metadata;
  await deleteIfPresent(() =>
    ctx.deps.api.core.deleteNamespacedService({ namespace, name: serviceName(name) }),
  );
}
