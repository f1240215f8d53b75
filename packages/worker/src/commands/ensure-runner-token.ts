import { randomUUID } from 'node:crypto';
import { runnerRoleName, runnerServiceAccountName } from '@ambient-operator/shared';
import {
  buildRunnerRole,
  buildRunnerRoleBinding,
  buildRunnerServiceAccount,
  buildRunnerTokenRequest,
  buildRunnerTokenSecret,
  runnerIdentityAnnotations,
} from '../children/index.js';
import { createIfAbsent, createOrNull, mergePatch } from '../kube-ops.js';
import { setSessionAnnotations } from '../session-annotations.js';
import { recentKey } from '../recent-reads.js';
import type { CommandContext } from './command-context.js';
import { childSession } from './command-context.js';

/**
 * Provisions the runner identity (contract §3.1): ServiceAccount, Role (rules kept current), RoleBinding,
 * and the token Secret with a fresh TokenRequest and AG-UI token, then records the names on the CR.
 * An existing token Secret is kept: its agui-token may be in use by a running runner.
 */
export async function ensureRunnerToken(ctx: CommandContext): Promise<void> {
  const { api, metrics, now } = ctx.deps;
  const session = childSession(ctx);
  const { namespace, name } = session.metadata;
  const started = performance.now();

  const sa = buildRunnerServiceAccount(session);
  const created = await createIfAbsent(() =>
    api.core.createNamespacedServiceAccount({ namespace, body: sa }),
  );
  if (!created && sa.metadata?.annotations) {
    await api.core.patchNamespacedServiceAccount(
      {
        namespace,
        name: runnerServiceAccountName(name),
        body: { metadata: { annotations: sa.metadata.annotations } },
      },
      mergePatch,
    );
  }
  const role = buildRunnerRole({ session });
  if (!(await createIfAbsent(() => api.rbac.createNamespacedRole({ namespace, body: role })))) {
    await api.rbac.patchNamespacedRole(
      { namespace, name: runnerRoleName(name), body: { rules: role.rules ?? [] } },
      mergePatch,
    );
  }
  await createIfAbsent(() =>
    api.rbac.createNamespacedRoleBinding({ namespace, body: buildRunnerRoleBinding(session) }),
  );

  if (ctx.readings.tokenSecret === null) {
    const token = await api.core.createNamespacedServiceAccountToken({
      namespace,
      name: runnerServiceAccountName(name),
      body: buildRunnerTokenRequest(),
    });
    const secret = buildRunnerTokenSecret({
      session,
      k8sToken: token.status?.token ?? '',
      aguiToken: randomUUID(),
      refreshedAt: new Date(now()),
    });
    // A concurrent reconcile may have created it first; theirs is as good as ours. What this one created is what the
    // session's next reconcile here reads back (recent-reads.ts); theirs is read.
    const key = recentKey('secrets', namespace, secret.metadata?.name ?? '');
    const created = await createOrNull(() => api.core.createNamespacedSecret({ namespace, body: secret }));
    if (created !== null) ctx.deps.recentReads?.set(key, created);
    else ctx.deps.recentReads?.forget(key);
    metrics.tokenProvisionDuration.observe({ namespace }, (performance.now() - started) / 1000);
  }

  await setSessionAnnotations(ctx, runnerIdentityAnnotations(name));
}
