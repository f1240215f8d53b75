import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { parseManifests, type KubeObject } from './kube-object.js';

const run = promisify(execFile);

export interface KustomizeOptions {
  /**
   * The kubectl binary (its embedded kustomize builds the manifests, as `kubectl apply -k` would).
   * @defaultValue `$KUBECTL`, else `kubectl` on the PATH
   */
  kubectl?: string;
}

function kubectlOf(options: KustomizeOptions): string {
  return options.kubectl ?? process.env['KUBECTL'] ?? 'kubectl';
}

/** `kubectl kustomize <dir>`, parsed. Fails with kubectl's stderr when the build fails. */
export async function kustomizeBuild(dir: string, options: KustomizeOptions = {}): Promise<KubeObject[]> {
  try {
    const { stdout } = await run(kubectlOf(options), ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
    return parseManifests(stdout, `kubectl kustomize ${dir}`);
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    if (typeof stderr === 'string' && stderr !== '') {
      throw new Error(`kubectl kustomize ${dir} failed: ${stderr.trim()}`, { cause: error });
    }
    throw error;
  }
}

export interface Composition {
  /** Directories of kustomizations to include (e.g. `deploy/base`). */
  resources: readonly string[];
  /** Directories of kustomize Components to apply on top (e.g. `deploy/components/keda`). */
  components?: readonly string[];
  /** Kustomize `images:` overrides, as a user's overlay would pin a release. */
  images?: readonly { name: string; newName?: string; newTag?: string }[];
  /**
   * Moves everything to this namespace the way deploy/README.md tells users to: kustomize `namespace:`
   * (which also renames the Namespace object) plus a NamespaceTransformer with `setRoleBindingSubjects:
   * allServiceAccounts`, without which the (Cluster)RoleBinding subjects keep the old namespace.
   */
  namespace?: string;
}

/**
 * Builds an ad-hoc overlay made of `resources` and `components`, the way a user's own overlay would
 * combine them. Kustomize accepts only relative paths, so the overlay is written to a temporary
 * directory with paths relative to it, and removed afterwards.
 */
export async function kustomizeCompose(
  composition: Composition,
  options: KustomizeOptions = {},
): Promise<KubeObject[]> {
  const dir = await mkdtemp(join(tmpdir(), 'deploy-tests-overlay-'));
  try {
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      ...(composition.namespace === undefined
        ? {}
        : { namespace: composition.namespace, transformers: ['namespace-transformer.yaml'] }),
      resources: composition.resources.map((path) => relative(dir, path)),
      components: (composition.components ?? []).map((path) => relative(dir, path)),
      images: composition.images ?? [],
    };
    await writeFile(join(dir, 'kustomization.yaml'), stringify(kustomization));
    if (composition.namespace !== undefined) {
      const transformer = {
        apiVersion: 'builtin',
        kind: 'NamespaceTransformer',
        metadata: { name: 'operator-namespace', namespace: composition.namespace },
        setRoleBindingSubjects: 'allServiceAccounts',
      };
      await writeFile(join(dir, 'namespace-transformer.yaml'), stringify(transformer));
    }
    return await kustomizeBuild(dir, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
