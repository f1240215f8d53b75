// The differential fidelity suite: every case of fidelity/cases.ts runs against kube-sim and against the real
// control plane; their normalised responses must be identical, unless the difference is listed in
// fidelity/known-differences.ts with the reason it is acceptable (the same list as packages/kube-sim/README.md).
// A listed difference that has become identical fails too, so the list stays true.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import { startKubeReal, type KubeReal } from '@ambient-operator/kube-real';
import { CASES, type CaseContext } from './fidelity/cases.js';
import { send, type Target } from './fidelity/http.js';
import { KNOWN_DIFFERENCES } from './fidelity/known-differences.js';
import { differences, normalise } from './fidelity/normalise.js';

const CRDS = fileURLToPath(new URL('../../../deploy/crds', import.meta.url));
const REPORT = fileURLToPath(new URL('../../../test-artifacts/fidelity-report.json', import.meta.url));

// Short enough for the 410 case to wait for a compaction; long enough that no continue token of the pagination
// case (read within milliseconds) expires.
const COMPACTION_INTERVAL_SECONDS = 5;

let sim: KubeSim;
let real: KubeReal;
let dir: string;
const observed = new Map<string, { sim: unknown[]; real: unknown[] }>();

function contextFor(target: Target, kubeconfig: string, ns: string): CaseContext {
  return {
    ns,
    send: (req) => send(target, req),
    compactHistory: async () => {
      if (target.name === 'kube-sim') {
        await send(target, { method: 'POST', path: '/sim/watches/compact' });
        return;
      }
      // An exact list at resourceVersion 1 reads etcd's history: 410 once it is compacted. Polled: the compaction
      // is a timer inside kube-apiserver that nothing announces.
      const deadline = Date.now() + 4 * COMPACTION_INTERVAL_SECONDS * 1000;
      for (;;) {
        const probe = await send(target, {
          method: 'GET',
          path: '/api/v1/limitranges?resourceVersion=1&resourceVersionMatch=Exact&limit=1',
        });
        if (probe.status === 410) return;
        if (Date.now() > deadline)
          throw new Error(`etcd not compacted in time (last answer ${probe.status})`);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    kubectl: (args, input) =>
      new Promise((resolve) => {
        const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
        child.stdin?.end(input ?? '');
      }),
  };
}

async function runAll(target: Target, kubeconfig: string): Promise<unknown[][]> {
  const results: unknown[][] = [];
  for (const [i, c] of CASES.entries()) {
    const ns = `fidelity-${i}`;
    await send(target, {
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    results.push((await c.run(contextFor(target, kubeconfig, ns))).map((o) => normalise(o, ns)));
  }
  return results;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fidelity-'));
  const [s, r] = await Promise.all([
    startKubeSim({ crdsDir: CRDS }),
    startKubeReal({
      crdsDir: CRDS,
      etcdCompactionIntervalSeconds: COMPACTION_INTERVAL_SECONDS,
      uncachedResources: ['limitranges'],
    }),
  ]);
  sim = s;
  real = r;
  const simKubeconfig = join(dir, 'sim.kubeconfig');
  const realKubeconfig = join(dir, 'real.kubeconfig');
  await sim.writeKubeconfig(simKubeconfig);
  await real.writeKubeconfig(realKubeconfig);
  const simResults = await runAll({ name: 'kube-sim', url: sim.url, token: 'fidelity' }, simKubeconfig);
  const realResults = await runAll(
    { name: 'real', url: real.url, token: real.adminToken, caPem: real.caPem },
    realKubeconfig,
  );
  CASES.forEach((c, i) => observed.set(c.name, { sim: simResults[i]!, real: realResults[i]! }));
}, 300_000);

afterAll(async () => {
  const rows = CASES.map((c) => {
    const o = observed.get(c.name);
    const diff = o ? differences(o.sim, o.real) : ['not run'];
    return {
      case: c.name,
      identical: diff.length === 0,
      differences: diff,
      known: KNOWN_DIFFERENCES[c.name],
    };
  });
  const identical = rows.filter((r) => r.identical).length;
  await mkdir(join(REPORT, '..'), { recursive: true });
  await writeFile(REPORT, JSON.stringify({ cases: rows.length, identical, rows }, null, 2));
  console.log(
    `fidelity: ${rows.length} cases, ${identical} identical (report: test-artifacts/fidelity-report.json)`,
  );
  await Promise.all([sim?.stop(), real?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kube-sim answers as the real API server does', () => {
  it.each(CASES.map((c) => c.name))('%s', (name) => {
    const o = observed.get(name)!;
    const diff = differences(o.sim, o.real);
    const known = KNOWN_DIFFERENCES[name];
    if (known) {
      // Listed as a known difference: it must still differ (else remove it from the list and the README).
      expect(diff, `listed as a known difference (${known}) but identical now`).not.toEqual([]);
    } else {
      expect(diff).toEqual([]);
    }
  });
});
