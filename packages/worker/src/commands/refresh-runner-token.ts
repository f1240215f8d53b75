import { runnerServiceAccountName, runnerTokenSecretName } from '@ambient-operator/shared';
import { buildRunnerTokenRefreshPatch, buildRunnerTokenRequest } from '../children/index.js';
import { mergePatch } from '../kube-ops.js';
import { recentKey } from '../recent-reads.js';
import type { CommandContext } from './command-context.js';

/** Re-mints `k8s-token` (the AG-UI token stays) and stamps token-refreshed-at (contract §3.1, 45 min). */
export async function refreshRunnerToken(ctx: CommandContext): Promise<void> {
  const { api, now } = ctx.deps;
  const { namespace, name } = ctx.session.metadata;
  const token = await api.core.createNamespacedServiceAccountToken({
    namespace,
    name: runnerServiceAccountName(name),
    body: buildRunnerTokenRequest(),
  });
  const secretName = ctx.readings.tokenSecret?.metadata?.name ?? runnerTokenSecretName(name);
  const refreshed = await api.core.patchNamespacedSecret(
    {
      namespace,
      name: secretName,
      body: buildRunnerTokenRefreshPatch({
        k8sToken: token.status?.token ?? '',
        refreshedAt: new Date(now()),
      }),
    },
    mergePatch,
  );
  // The session's next reconcile here reads this back (recent-reads.ts).
  ctx.deps.recentReads?.set(recentKey('secrets', namespace, secretName), refreshed);
}
