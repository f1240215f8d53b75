// globalSetup of the system-real project. Before: the first build of the control plane takes minutes, so it
// happens here, once, instead of inside a test file's beforeAll timeout (later runs find it cached). After:
// what the watcher and the workers used, from every file's audit log, against what deploy/base grants them
// (test-artifacts/rbac-usage.json).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureBinaries } from '@ambient-operator/kube-real';
import { RBAC_USAGE_DIR, WATCHER_USER, WORKER_USER } from '@ambient-operator/testing';
import { REPO_ROOT } from '../scripts/local-stack.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

/** `verb group/resource` for every rule of the named Roles and ClusterRoles in deploy/base. */
function granted(roles: string[]): string[] {
  const rendered = execFileSync('kubectl', ['kustomize', path.join(REPO_ROOT, 'deploy/base')], {
    encoding: 'utf8',
  });
  const out = new Set<string>();
  for (const doc of parseAllDocuments(rendered)) {
    const role = doc.toJS() as { kind?: string; metadata?: { name?: string }; rules?: Rule[] } | null;
    if (
      !role ||
      !['Role', 'ClusterRole'].includes(role.kind ?? '') ||
      !roles.includes(role.metadata?.name ?? '')
    )
      continue;
    for (const rule of role.rules ?? [])
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs ?? []) out.add(`${verb} ${group ? `${group}/` : ''}${resource}`);
  }
  return [...out].sort();
}

export default async function setup(): Promise<() => void> {
  rmSync(RBAC_USAGE_DIR, { recursive: true, force: true });
  await ensureBinaries();
  return () => {
    let files: string[];
    try {
      files = readdirSync(RBAC_USAGE_DIR).filter((f) => f.endsWith('.json'));
    } catch {
      return;
    }
    const used: Record<string, Set<string>> = { [WATCHER_USER]: new Set(), [WORKER_USER]: new Set() };
    for (const file of files) {
      const access = JSON.parse(readFileSync(path.join(RBAC_USAGE_DIR, file), 'utf8')) as Record<
        string,
        { used: string[] }
      >;
      for (const [user, summary] of Object.entries(access)) for (const p of summary.used) used[user]?.add(p);
    }
    // `unused`: granted but no scenario needed it on the real cluster (docs/rbac.md says why each stays).
    const compare = (roles: string[], user: string) => {
      const grants = granted(roles);
      const uses = [...used[user]!].sort();
      return { granted: grants, used: uses, unused: grants.filter((g) => !uses.includes(g)) };
    };
    const report = {
      files: files.length,
      watcher: compare(['ambient-watcher', 'ambient-watcher-leader-election'], WATCHER_USER),
      worker: compare(['ambient-worker'], WORKER_USER),
    };
    mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(path.join(REPO_ROOT, 'test-artifacts/rbac-usage.json'), JSON.stringify(report, null, 2));
  };
}
