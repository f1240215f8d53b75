import type { ReconciledRepo, ReconciledWorkflow, SpecSyncResult } from '@ambient-operator/machines';
import { AGUI_TOKEN_KEY } from '@ambient-operator/shared';
import { decodeSecretData } from '../children/index.js';
import { repoNameFromUrl, type RunnerEndpoint } from '../runner-client.js';
import { runtimeOf } from '../runner-runtime.js';
import type { CommandContext } from './command-context.js';
import { childSession } from './command-context.js';

/**
 * Brings the running runner in line with the spec (contract §3.6): repos added, re-branched or removed,
 * and the active workflow switched. Unlike upstream, which always reported success, the outcome is
 * returned as it happened and the machine records it in status and conditions.
 */
export async function syncRunnerSpec(ctx: CommandContext, generation: number): Promise<SpecSyncResult> {
  const session = childSession(ctx);
  const { namespace, name } = session.metadata;
  const runtime = await runtimeOf(ctx.deps, session);
  const endpoint: RunnerEndpoint = {
    baseUrl: ctx.deps.resolveRunnerUrl({ namespace, name, port: runtime.port }),
    token: decodeSecretData(ctx.readings.tokenSecret?.data)[AGUI_TOKEN_KEY] ?? '',
  };
  const at = new Date(ctx.deps.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    generation,
    repos: await syncRepos(ctx, endpoint, session.spec.repos ?? [], at),
    workflow: await syncWorkflow(ctx, endpoint, session.spec.activeWorkflow, at),
  };
}

async function syncRepos(
  ctx: CommandContext,
  endpoint: RunnerEndpoint,
  specRepos: readonly { url: string; branch?: string }[],
  at: string,
): Promise<SpecSyncResult['repos']> {
  // The URL is the identity; the last entry of a duplicated URL wins (as upstream).
  const wanted = new Map(specRepos.map((r) => [r.url, { url: r.url, branch: r.branch ?? 'main' }]));
  const known = new Map((ctx.session.status?.reconciledRepos ?? []).map((r) => [r.url ?? '', r]));
  const failures: string[] = [];
  const reconciled: ReconciledRepo[] = [];
  for (const repo of wanted.values()) {
    const previous = known.get(repo.url);
    const name = repoNameFromUrl(repo.url);
    const previousBranch = previous?.currentActiveBranch ?? previous?.branch;
    if (previous !== undefined && previousBranch === repo.branch) {
      reconciled.push(previous);
      continue;
    }
    const outcome = await ctx.deps.runnerClient.addRepo(endpoint, {
      url: repo.url,
      branch: repo.branch,
      name,
    });
    if (!outcome.ok) failures.push(outcome.message);
    else
      reconciled.push({
        url: repo.url,
        name,
        branch: repo.branch,
        currentActiveBranch: repo.branch,
        status: 'Ready',
        clonedAt: at,
      });
  }
  for (const [url, previous] of known) {
    if (wanted.has(url)) continue;
    const outcome = await ctx.deps.runnerClient.removeRepo(endpoint, previous.name ?? repoNameFromUrl(url));
    if (!outcome.ok) failures.push(outcome.message);
  }
  return failures.length === 0 ? { ok: true, reconciled } : { ok: false, message: failures.join('; ') };
}

async function syncWorkflow(
  ctx: CommandContext,
  endpoint: RunnerEndpoint,
  spec: { gitUrl?: string; branch?: string; path?: string } | undefined,
  at: string,
): Promise<SpecSyncResult['workflow']> {
  if (!spec?.gitUrl) return { ok: true, reconciled: null };
  const wanted = { gitUrl: spec.gitUrl, branch: spec.branch ?? 'main', path: spec.path ?? '' };
  const current = ctx.session.status?.reconciledWorkflow;
  const applied = ctx.session.status?.conditions?.some(
    (c) => c.type === 'WorkflowReconciled' && c.status === 'True',
  );
  if (
    applied &&
    current?.gitUrl === wanted.gitUrl &&
    (current.branch ?? 'main') === wanted.branch &&
    (current.path ?? '') === wanted.path
  ) {
    return { ok: true, reconciled: current };
  }
  const outcome = await ctx.deps.runnerClient.setWorkflow(endpoint, wanted);
  if (!outcome.ok) return { ok: false, message: outcome.message };
  const reconciled: ReconciledWorkflow = { ...wanted, status: 'Active', appliedAt: at };
  return { ok: true, reconciled };
}
