// `pnpm bench`'s own machinery: the suites bundle it runs each suite from (every suite's code loads under plain
// node, no TypeScript loader) and the issue-14 table it prints (every figure judged, a missing one reported).
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildBenchSuites, isFresh } from '../bench/bundle.js';
import type { BenchResults } from '../bench/measure.js';
import { ISSUE_14_TARGETS, judge } from '../bench/targets.js';

describe('the suites bundle', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-bundle-'));
    await buildBenchSuites(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('every suite loads under plain node (third-party packages resolved where pnpm put them)', () => {
    const script = `
      const { suites } = await import(${JSON.stringify(pathToFileURL(path.join(dir, 'suites.mjs')).href)});
      for (const s of suites) if (typeof (await s.load()) !== 'function') throw new Error(s.name);
      console.log(suites.map((s) => s.name).join(','));`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe(
      'kube-sim,queue,watcher,worker,agent-tasks,user-deployments,api-server,scaling',
    );
  });

  test("shared's queue worker built for the suites' own processes exports what they import", async () => {
    const shared = (await import(pathToFileURL(path.join(dir, 'shared-queue-worker.mjs')).href)) as Record<
      string,
      unknown
    >;
    expect(typeof shared.startQueueWorker).toBe('function');
  });

  test('run-suite names the suites it knows when asked for another', () => {
    const out = spawnSync(process.execPath, [path.join(dir, 'run-suite.mjs'), 'nope'], { encoding: 'utf8' });
    expect(out.status).toBe(64);
    expect(out.stderr).toContain('unknown suite nope; known: kube-sim, queue');
  });
});

describe('which bundles pnpm bench rebuilds', () => {
  const stamp = {
    startedAt: 1000,
    inputs: ['/r/packages/worker/src/a.ts', '/r/packages/shared/src/b.ts'],
    files: [{ file: '/r/dist/operator/worker.mjs', bytes: 10 }],
  };
  const definitions = ['/r/pnpm-lock.yaml'];
  const times = (changes: Record<string, number | undefined> = {}) => {
    const all: Record<string, number | undefined> = {
      '/r/packages/worker/src/a.ts': 500,
      '/r/packages/shared/src/b.ts': 900,
      '/r/dist/operator/worker.mjs': 1500,
      '/r/pnpm-lock.yaml': 100,
      ...changes,
    };
    return (file: string) => all[file];
  };

  test('a build is fresh while every input and definition is older than its start and its files are there', () => {
    expect(isFresh(stamp, definitions, times())).toBe(true);
  });

  test('an input or a build definition modified since, or one gone, makes it stale', () => {
    expect(isFresh(stamp, definitions, times({ '/r/packages/shared/src/b.ts': 1000 }))).toBe(false);
    expect(isFresh(stamp, definitions, times({ '/r/pnpm-lock.yaml': 2000 }))).toBe(false);
    expect(isFresh(stamp, definitions, times({ '/r/packages/worker/src/a.ts': undefined }))).toBe(false);
  });

  test('a missing output or no stamp makes it stale', () => {
    expect(isFresh(stamp, definitions, times({ '/r/dist/operator/worker.mjs': undefined }))).toBe(false);
    expect(isFresh(undefined, definitions, times())).toBe(false);
  });
});

describe("issue 14's figures", () => {
  const full = (): BenchResults => ({
    'build.production_form': { value: 3, unit: 'commands' },
    'worker.worker_idle_rss': { value: 101, unit: 'MiB' },
    'watcher.watcher_rss': { value: 131, unit: 'MiB', baseline: 330, ratio: 0.4 },
    'queue.pipeline_throughput': { value: 3000, unit: 'reconciles/s', baseline: 5000, ratio: 0.6 },
    'scaling.burst_1000_all_jobs': { value: 9_500, unit: 'ms' },
  });

  test('a full run judges each figure and writes target, before and met into the measure', () => {
    const results = full();
    const rows = new Map(judge(results, false).map((r) => [r.key, r.met]));
    expect(rows.get('build.production_form')).toBe('yes');
    expect(rows.get('worker.worker_idle_rss')).toBe('NO');
    expect(rows.get('watcher.watcher_rss')).toBe('NO'); // ≤ 150 MiB but 0.4× > 0.3×
    expect(rows.get('queue.pipeline_throughput')).toBe('yes');
    expect(rows.get('scaling.burst_1000_all_jobs')).toBe('yes');
    expect(results['worker.worker_idle_rss']).toMatchObject({
      target: '≤ 100 MiB',
      before: '237 MiB (tsx)',
      met: false,
    });
  });

  test('a full run reports a figure no suite emitted; a quick run leaves the full-size ones unjudged', () => {
    expect(new Map(judge(full(), false).map((r) => [r.key, r.met])).get('scaling.burst_10000_all_jobs')).toBe(
      'MISSING',
    );
    const quick = new Map(judge(full(), true).map((r) => [r.key, r.met]));
    expect(quick.get('scaling.burst_10000_all_jobs')).toBe('full run only');
    expect(quick.get('watcher.watcher_rss')).toBe('full run only');
    expect(quick.get('worker.api_requests_per_lifecycle')).toBe('MISSING');
  });

  test('every item of the issue (1–6) has a figure', () => {
    expect(new Set(Object.values(ISSUE_14_TARGETS).map((t) => t.item))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });
});
