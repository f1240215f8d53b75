// CPU per Kubernetes request of this process: client-node 1.4.0's generated BatchV1Api against shared's lean
// KubeRest client (kube-rest.ts), N creates then N reads of a Job each, against kube-sim in a child process (so its
// CPU is not counted here). Both ride the same SharedAgentKubeConfig (one keep-alive agent).
//   node --expose-gc --import tsx bench/kube-client-cpu.ts [N] [concurrency]
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import type { V1Job } from '@kubernetes/client-node';
import { createKubeConfig, makeApiClients, makeKubeClients } from '@ambient-operator/shared';

const N = Number(process.argv[2] ?? 1000);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const NAMESPACE = 'bench';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function job(name: string): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NAMESPACE, labels: { app: 'bench' } },
    spec: {
      backoffLimit: 0,
      // Suspended: kube-sim makes no pods, so its own load stays the same for both clients.
      suspend: true,
      template: {
        metadata: { labels: { app: 'bench' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'runner', image: 'example.invalid/runner:1', args: ['run'], env: [] }],
        },
      },
    },
  };
}

async function run(
  each: (i: number) => Promise<unknown>,
): Promise<{ cpuMsPerRequest: number; wallMs: number }> {
  global.gc?.();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) await each(next++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { cpuMsPerRequest: (used.user + used.system) / 1000 / N, wallMs: performance.now() - start };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kube-client-cpu-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const sim = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'packages/kube-sim/src/cli.ts'),
      '--kubeconfig',
      kubeconfigPath,
      '--namespace',
      NAMESPACE,
      '--log-level',
      'silent',
    ],
    { stdio: 'ignore' },
  );
  try {
    for (let i = 0; i < 600 && !existsSync(kubeconfigPath); i++) await delay(50);
    const kc = createKubeConfig({ kubeconfigPath, env: {} });
    const generated = makeApiClients(kc).batch;
    const lean = makeKubeClients(kc).batch;
    // Warm both (JIT, the agent's socket) before measuring.
    for (let i = 0; i < 50; i++) {
      await generated.createNamespacedJob({ namespace: NAMESPACE, body: job(`warm-g-${i}`) });
      await lean.createNamespacedJob({ namespace: NAMESPACE, body: job(`warm-l-${i}`) });
      await generated.readNamespacedJob({ namespace: NAMESPACE, name: `warm-g-${i}` });
      await lean.readNamespacedJob({ namespace: NAMESPACE, name: `warm-l-${i}` });
    }
    const rows = {
      'client-node create': await run((i) =>
        generated.createNamespacedJob({ namespace: NAMESPACE, body: job(`g-${i}`) }),
      ),
      'lean create': await run((i) =>
        lean.createNamespacedJob({ namespace: NAMESPACE, body: job(`l-${i}`) }),
      ),
      'client-node read': await run((i) =>
        generated.readNamespacedJob({ namespace: NAMESPACE, name: `g-${i}` }),
      ),
      'lean read': await run((i) => lean.readNamespacedJob({ namespace: NAMESPACE, name: `l-${i}` })),
    };
    console.log(`N=${N} concurrency=${CONCURRENCY} (this process's CPU only; kube-sim is a child process)`);
    for (const [label, r] of Object.entries(rows)) {
      console.log(
        `${label.padEnd(20)} ${r.cpuMsPerRequest.toFixed(3)} CPU-ms/request  ${(r.wallMs / N).toFixed(3)} wall-ms/request`,
      );
    }
    kc.destroyAgent();
  } finally {
    sim.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
