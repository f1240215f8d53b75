import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { startKubeSim, type KubeSim, type KubeSimOptions } from '@ambient-operator/kube-sim';
import { afterAll, beforeAll } from 'vitest';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function kubeConfigFor(sim: KubeSim): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  return kc;
}

/** Polls `check` until it returns a value (not undefined/false) or the bound passes. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function apiCode(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

export function apiBody(err: unknown): Record<string, unknown> {
  if (!(err instanceof k8s.ApiException)) throw err;
  return typeof err.body === 'string'
    ? (JSON.parse(err.body) as Record<string, unknown>)
    : (err.body as Record<string, unknown>);
}

/** kubectl against a sim, with its own HOME (discovery cache) and kubeconfig. */
export class Kubectl {
  private constructor(
    readonly dir: string,
    readonly kubeconfigPath: string,
  ) {}

  static async create(sim: KubeSim): Promise<Kubectl> {
    const dir = await mkdtemp(join(tmpdir(), 'kube-sim-kubectl-'));
    const kubeconfigPath = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfigPath);
    return new Kubectl(dir, kubeconfigPath);
  }

  private env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: this.dir, KUBECONFIG: this.kubeconfigPath };
  }

  /** Runs kubectl; resolves with exit code and output (never rejects on non-zero exit). */
  run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        '/usr/bin/kubectl',
        args,
        { env: this.env(), timeout: 30_000 },
        (err, stdout, stderr) => {
          if (err && typeof err.code !== 'number') return reject(err);
          resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
        },
      );
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  }

  async ok(args: string[], stdin?: string): Promise<string> {
    const result = await this.run(args, stdin);
    if (result.code !== 0)
      throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  }

  /** Starts a long-running kubectl (e.g. `get -w`) and exposes its stdout lines as they come. */
  stream(args: string[]): { nextLine(matching: RegExp, timeoutMs?: number): Promise<string>; stop(): void } {
    const child = spawn('/usr/bin/kubectl', args, { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const waiters: Array<() => void> = [];
    createInterface(child.stdout).on('line', (line) => {
      lines.push(line);
      for (const w of waiters.splice(0)) w();
    });
    let consumed = 0;
    return {
      nextLine: async (matching, timeoutMs = 10_000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          while (consumed < lines.length) {
            const line = lines[consumed++]!;
            if (matching.test(line)) return line;
          }
          const remaining = deadline - Date.now();
          if (remaining <= 0)
            throw new Error(`no line matching ${String(matching)}; saw: ${lines.join(' | ')}`);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, remaining);
            waiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      },
      stop: () => {
        child.kill();
      },
    };
  }

  async writeFile(name: string, content: string): Promise<string> {
    const path = join(this.dir, name);
    await writeFile(path, content);
    return path;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

type Env = k8s.V1EnvVar[];

export const RUNNER = 'ambient-code-runner';

/**
 * The worker's runner Job: init-hydrate (regular init container), state-sync (native sidecar),
 * ambient-code-runner; exit code 2 of the runner fails the Job at once.
 */
export function runnerJob(name: string, env: { hydrate?: Env; sync?: Env; runner?: Env }): k8s.V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      podFailurePolicy: {
        rules: [{ action: 'FailJob', onExitCodes: { containerName: RUNNER, operator: 'In', values: [2] } }],
      },
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 90,
          initContainers: [
            { name: 'init-hydrate', image: 'hydrate:1', env: env.hydrate ?? [] },
            { name: 'state-sync', image: 'sync:1', restartPolicy: 'Always', env: env.sync ?? [] },
          ],
          containers: [{ name: RUNNER, image: 'runner:1', env: env.runner ?? [] }],
        },
      },
    },
  };
}

/** Creates a namespace and waits for its `default` ServiceAccount (pods need it). */
export async function createNamespace(core: k8s.CoreV1Api, name: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name } } });
  await waitFor(
    async () =>
      (await core
        .readNamespacedServiceAccount({ name: 'default', namespace: name })
        .catch(() => undefined)) !== undefined,
    `default service account in ${name}`,
  );
}

export interface SimClients {
  sim: KubeSim;
  core: k8s.CoreV1Api;
  batch: k8s.BatchV1Api;
}

/** One kube-sim for the test file with `namespace` created, stopped after the file's tests. */
export function useKubeSim(namespace: string, options: KubeSimOptions = {}): SimClients {
  const clients = {} as SimClients;
  beforeAll(async () => {
    clients.sim = await startKubeSim(options);
    const kc = kubeConfigFor(clients.sim);
    clients.core = kc.makeApiClient(k8s.CoreV1Api);
    clients.batch = kc.makeApiClient(k8s.BatchV1Api);
    await createNamespace(clients.core, namespace);
  });
  afterAll(async () => {
    await clients.sim?.stop();
  });
  return clients;
}
