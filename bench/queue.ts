// Queue benchmarks on a redis-server of their own: pipeline throughput and Redis commands per reconcile vs raw
// BullMQ, the cost of a timer wake-up, coalescing of rapid updates, worker-crash recovery.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import {
  createSessionQueue,
  startQueueWorker,
  type QueueWorker,
  type SessionQueue,
} from '@ambient-operator/shared';
import { BENCH_SHARED_MODULE_ENV, ratio, type BenchOptions, type BenchResults } from './measure.js';
import { countCommands, startPrivateRedis, topCommands, totalCommands } from './redis-commands.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Minimal shape of BullMQ's Worker class (bullmq is a dependency of shared, not of the repo root). */
type RawWorkerClass = new (
  name: string,
  processor: () => Promise<void>,
  options: { connection: string | object; prefix: string; concurrency: number },
) => {
  on(event: 'completed', fn: () => void): void;
  close(): Promise<void>;
  waitUntilReady(): Promise<unknown>;
};

/** BullMQ's Worker as shared resolves it (the version the queue runs on). */
async function bullWorkerClass(): Promise<RawWorkerClass> {
  const require = createRequire(path.join(repoRoot, 'packages/shared/package.json'));
  const bullmq = (await import(pathToFileURL(require.resolve('bullmq')).href)) as { Worker: RawWorkerClass };
  return bullmq.Worker;
}

async function cleanup(queue: SessionQueue): Promise<void> {
  await queue.obliterate();
  await queue.close();
}

/**
 * A throughput run: reconciles (or jobs) per second, Redis commands per reconcile (or job), and the CPU each cost
 * while the worker drained the queue — this process's (the worker's, plus the bench's idle polling) and
 * redis-server's — in milliseconds per run: the machine is shared, so these are steadier than the rates.
 */
export interface PipelineRun {
  perSecond: number;
  commandsPerRun: number;
  calls: Map<string, number>;
  cpuMsPerRun: number;
  redisCpuMsPerRun: number;
}

/** redis-server's CPU time so far (INFO cpu: user + system), in milliseconds. */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

/** Measures the CPU of this process and of redis-server while `run` drains `n` jobs. */
async function drainCpu(redis: Redis, n: number, run: () => Promise<void>) {
  const redisBefore = await redisCpuMs(redis);
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  const redisUsed = (await redisCpuMs(redis)) - redisBefore;
  return { cpuMsPerRun: (used.user + used.system) / 1000 / n, redisCpuMsPerRun: redisUsed / n };
}

/**
 * Raw BullMQ: N plain jobs added (addBulk), taken and completed by a no-op processor, concurrency 10, not kept
 * after completion. Its Redis commands per job (add, take, complete) are the yardstick of ours per reconcile.
 * `redisUrl` must be a Redis nothing else uses meanwhile.
 */
export async function rawBullmq(redisUrl: string, n: number): Promise<PipelineRun> {
  const workerClass = await bullWorkerClass();
  const prefix = `bench-raw-${randomBytes(3).toString('hex')}`;
  const producer = createSessionQueue({ connection: redisUrl, prefix, name: 'raw' });
  const redis = new Redis(redisUrl);
  let seconds = 0;
  let cpu = { cpuMsPerRun: 0, redisCpuMsPerRun: 0 };
  const { calls } = await countCommands(redis, async () => {
    for (let i = 0; i < n; i += 1000) {
      await producer.bullQueue.addBulk(
        Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
          name: 'reconcile',
          data: { key: `ns/s-${i + j}` },
          opts: { removeOnComplete: true },
        })),
      );
    }
    let done = 0;
    cpu = await drainCpu(redis, n, async () => {
      const started = performance.now();
      const worker = new workerClass('raw', async () => undefined, {
        connection: { url: redisUrl },
        prefix,
        concurrency: 10,
      });
      worker.on('completed', () => done++);
      await waitUntil('raw jobs', () => done >= n);
      seconds = (performance.now() - started) / 1000;
      await worker.close();
    });
  });
  redis.disconnect();
  await cleanup(producer);
  return { perSecond: n / seconds, commandsPerRun: totalCommands(calls) / n, calls, ...cpu };
}

/** Our pipeline: N distinct keys enqueued as events, no-op reconcile, concurrency 10, no rate limit. */
export async function pipelineThroughput(redisUrl: string, n: number): Promise<PipelineRun> {
  const prefix = `bench-pipe-${randomBytes(3).toString('hex')}`;
  const queue = createSessionQueue({ connection: redisUrl, prefix });
  const redis = new Redis(redisUrl);
  let seconds = 0;
  let cpu = { cpuMsPerRun: 0, redisCpuMsPerRun: 0 };
  const { calls } = await countCommands(redis, async () => {
    await queue.enqueueMany(Array.from({ length: n }, (_, i) => `ns/s-${i}`));
    let done = 0;
    cpu = await drainCpu(redis, n, async () => {
      const started = performance.now();
      const worker: QueueWorker = startQueueWorker({
        connection: redisUrl,
        prefix,
        concurrency: 10,
        rateLimit: null,
        process: async () => {
          done++;
          return {};
        },
      });
      await waitUntil('pipeline reconciles', () => done >= n);
      seconds = (performance.now() - started) / 1000;
      await worker.close();
    });
  });
  redis.disconnect();
  await cleanup(queue);
  return { perSecond: n / seconds, commandsPerRun: totalCommands(calls) / n, calls, ...cpu };
}

/**
 * Timers: N keys whose first reconcile asks for a requeue after 2 s; measured from "every timer is pending"
 * to "every key ran again and the queue is idle": Redis commands and jobs taken by the worker per wake-up.
 */
const timerDelayMs = 2000;
async function timerWakeUps(
  redisUrl: string,
  n: number,
  whileDue: () => void = () => undefined,
): Promise<{ commands: number; jobs: number }> {
  const prefix = `bench-timer-${randomBytes(3).toString('hex')}`;
  const queue = createSessionQueue({ connection: redisUrl, prefix });
  const redis = new Redis(redisUrl);
  const runs = new Map<string, number>();
  let taken = 0;
  const worker = startQueueWorker({
    connection: redisUrl,
    prefix,
    concurrency: 10,
    rateLimit: null,
    process: async (key) => {
      const run = (runs.get(key) ?? 0) + 1;
      runs.set(key, run);
      return run === 1 ? { requeueAfterMs: timerDelayMs } : {};
    },
  });
  worker.bullWorker.on('active', () => taken++);
  const ranTwice = () => [...runs.values()].filter((r) => r >= 2).length;
  await queue.enqueueMany(Array.from({ length: n }, (_, i) => `ns/t-${i}`));
  await waitUntil('every timer to be pending', async () => {
    if (ranTwice() > 0) throw new Error('bench: a timer fired before all were pending; raise the delay');
    const c = await queue.counts();
    return runs.size === n && c.delayed === n && c.waiting + c.prioritized + c.active === 0;
  });
  const takenBefore = taken;
  whileDue();
  const { calls } = await countCommands(redis, async () => {
    await waitUntil('every key to run again', async () => {
      const c = await queue.counts();
      return ranTwice() === n && c.waiting + c.prioritized + c.active + c.delayed === 0;
    });
    // Let the last completions' bookkeeping finish inside the window.
    await sleep(200);
  });
  const jobs = taken - takenBefore;
  await worker.close();
  redis.disconnect();
  await cleanup(queue);
  return { commands: totalCommands(calls) / n, jobs: jobs / n };
}

/** 1,000 rapid updates of one session while a worker reconciles it (5 ms per reconcile). */
async function rapidUpdates(redisUrl: string, updates: number): Promise<number> {
  const prefix = `bench-rapid-${randomBytes(3).toString('hex')}`;
  const queue = createSessionQueue({ connection: redisUrl, prefix });
  let reconciles = 0;
  const worker = startQueueWorker({
    connection: redisUrl,
    prefix,
    concurrency: 10,
    rateLimit: null,
    process: async () => {
      reconciles++;
      await sleep(5);
      return {};
    },
  });
  await worker.bullWorker.waitUntilReady();
  for (let i = 0; i < updates; i++) await queue.enqueue('ns/hot');
  await waitUntil('the queue to drain', async () => {
    const c = await queue.counts();
    return c.waiting + c.prioritized + c.active === 0 && worker.running() === 0;
  });
  await worker.close();
  await cleanup(queue);
  return reconciles;
}

// A worker process for the crash benchmark: prints each run start as a JSON line; the first run of a key hangs.
// It loads shared and says `loaded`, then waits for a line on stdin before its worker connects: both are started
// while the timers are waited for (loading costs each 1–2 CPU-seconds), and nothing of theirs reaches Redis before.
const crashWorkerScript = `
import { startQueueWorker } from '@ambient-operator/shared';
const [redisUrl, prefix, lockMs, stallMs] = process.argv.slice(1);
console.log('loaded');
process.stdin.once('end', () => process.exit(1));
await new Promise((resolve) => process.stdin.once('data', resolve));
let runs = 0;
const w = startQueueWorker({ connection: redisUrl, prefix, concurrency: 4, lockDurationMs: Number(lockMs), stalledIntervalMs: Number(stallMs),
  process: async () => {
    console.log(JSON.stringify({ start: true, pid: process.pid, t: Date.now() }));
    if (process.env.HANG_FIRST === '1' && ++runs === 1) await new Promise(() => {});
    return {};
  } });
await w.bullWorker.waitUntilReady();
console.log('ready');
`;

/** Lock and stall-check intervals of the crash benchmark's workers: recovery takes about one lock plus one check. */
interface CrashTimings {
  lockMs: number;
  stallMs: number;
}

interface CrashWorker {
  child: ReturnType<typeof spawn>;
  /** Resolves once the process has loaded shared (its worker not started). */
  loaded: Promise<void>;
  /** Starts its worker; resolves once the worker is ready. */
  start(): Promise<void>;
}

/**
 * The crash benchmark's two worker processes, loading: `victim` hangs in its first run, `rescuer` takes the key
 * over. `starts` collects every run start of either.
 */
function crashWorkers(
  redisUrl: string,
  prefix: string,
  timings: CrashTimings,
): { victim: CrashWorker; rescuer: CrashWorker; starts: { pid: number; t: number }[] } {
  const starts: { pid: number; t: number }[] = [];
  // Run from `pnpm bench`, the suites bundle's build of shared's queue worker (plain node loads it in a fraction
  // of tsx's time, and of all of shared's); run alone from bench/run-suite.ts, the TypeScript through tsx.
  const shared = process.env[BENCH_SHARED_MODULE_ENV];
  const node = shared
    ? [
        '--input-type=module',
        '-e',
        crashWorkerScript.replace("'@ambient-operator/shared'", JSON.stringify(pathToFileURL(shared).href)),
      ]
    : ['--import', 'tsx', '--input-type=module', '-e', crashWorkerScript];
  const launch = (hangFirst: boolean): CrashWorker => {
    const child = spawn(
      process.execPath,
      [...node, redisUrl, prefix, String(timings.lockMs), String(timings.stallMs)],
      {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, HANG_FIRST: hangFirst ? '1' : '0' },
      },
    );
    const waiting = new Map<string, () => void>();
    child.stdout?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (line.startsWith('{')) starts.push(JSON.parse(line) as { pid: number; t: number });
        else waiting.get(line)?.();
      }
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`crash worker exited ${code}`))),
    );
    exited.catch(() => undefined); // reported through `loaded` or `start`
    const line = (what: string) =>
      Promise.race([new Promise<void>((resolve) => waiting.set(what, resolve)), exited]);
    const loaded = line('loaded');
    loaded.catch(() => undefined); // reported where it is awaited
    return {
      child,
      loaded,
      async start() {
        const ready = line('ready');
        child.stdin?.write('go\n');
        await ready;
      },
    };
  };
  return { victim: launch(true), rescuer: launch(false), starts };
}

async function crashRecoveryMs(
  redisUrl: string,
  prefix: string,
  { victim, rescuer, starts }: ReturnType<typeof crashWorkers>,
): Promise<number> {
  const queue = createSessionQueue({ connection: redisUrl, prefix });
  try {
    await Promise.all([victim.loaded, rescuer.loaded]);
    // The hanging worker starts first and alone, so it takes the key; the rescuer joins afterwards.
    await victim.start();
    await queue.enqueue('ns/crash');
    await waitUntil('run 1', () => starts.length >= 1);
    await rescuer.start();
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await waitUntil('run 2 on the other worker', () => starts.length >= 2, 60_000);
    return starts[1]!.t - killedAt;
  } finally {
    victim.child.kill('SIGKILL');
    rescuer.child.kill('SIGKILL');
    await cleanup(queue);
  }
}

const cpuMs = (ms: number): string => ms.toFixed(3);

export async function benchQueue(opts: BenchOptions): Promise<BenchResults> {
  const n = opts.quick ? 2000 : 10_000;
  // A Redis of its own: commands are counted with INFO commandstats, and no other client's load skews the rates.
  const redis = await startPrivateRedis();
  try {
    // Rates are timed figures: three back-to-back pairs, the median pair ratio (one slow moment skews one pair).
    const pairs: { pipeline: PipelineRun; raw: PipelineRun }[] = [];
    for (let i = 0; i < 3; i++)
      pairs.push({ pipeline: await pipelineThroughput(redis.url, n), raw: await rawBullmq(redis.url, n) });
    pairs.sort((a, b) => a.pipeline.perSecond / a.raw.perSecond - b.pipeline.perSecond / b.raw.perSecond);
    const { pipeline, raw } = pairs[1]!;
    // --quick: shorter lock and stall check (recovery is about their sum; the full run keeps 5 s / 2 s).
    const timings: CrashTimings = opts.quick
      ? { lockMs: 2000, stallMs: 1000 }
      : { lockMs: 5000, stallMs: 2000 };
    // The crash workers load while every timer is pending until due (a wait, whose figures are counts of Redis
    // commands and jobs that their loading does not touch; not before: the first runs must all finish before the
    // timers are due), and are loaded before the rapid updates, a count that depends on timing.
    const crashPrefix = `bench-crash-${randomBytes(3).toString('hex')}`;
    let crash: ReturnType<typeof crashWorkers> | undefined;
    const { timers, reconciles } = await (async () => {
      const timers = await timerWakeUps(redis.url, opts.quick ? 200 : 2000, () => {
        crash = crashWorkers(redis.url, crashPrefix, timings);
      });
      await Promise.all([crash!.victim.loaded, crash!.rescuer.loaded]);
      return { timers, reconciles: await rapidUpdates(redis.url, 1000) };
    })().catch((err: unknown) => {
      crash?.victim.child.kill('SIGKILL');
      crash?.rescuer.child.kill('SIGKILL');
      throw err;
    });
    const crashMs = await crashRecoveryMs(redis.url, crashPrefix, crash!);
    return {
      pipeline_throughput: {
        value: Math.round(pipeline.perSecond),
        unit: 'reconciles/s',
        baseline: Math.round(raw.perSecond),
        ratio: ratio(pipeline.perSecond, raw.perSecond),
        note: `${n} keys, no-op reconcile, concurrency 10, vs raw BullMQ no-op jobs (private redis-server); median of 3 back-to-back pairs (ratios ${pairs.map((p) => ratio(p.pipeline.perSecond, p.raw.perSecond)).join(', ')}); CPU per reconcile vs per raw job in that pair, this process ${cpuMs(pipeline.cpuMsPerRun)} vs ${cpuMs(raw.cpuMsPerRun)} ms, redis-server ${cpuMs(pipeline.redisCpuMsPerRun)} vs ${cpuMs(raw.redisCpuMsPerRun)} ms`,
      },
      pipeline_redis_commands_per_reconcile: {
        value: Math.round(pipeline.commandsPerRun * 10) / 10,
        unit: 'commands',
        baseline: Math.round(raw.commandsPerRun * 10) / 10,
        ratio: ratio(pipeline.commandsPerRun, raw.commandsPerRun),
        note: `the no-op pipeline above: enqueue + take + finish + our bookkeeping vs raw BullMQ add + take + complete (INFO commandstats, script commands included); ours: ${topCommands(pipeline.calls, n)}; raw: ${topCommands(raw.calls, n)}`,
      },
      redis_commands_per_timer_wakeup: {
        value: Math.round(timers.commands * 10) / 10,
        unit: 'commands',
        baseline: Math.round(raw.commandsPerRun * 10) / 10,
        ratio: ratio(timers.commands, raw.commandsPerRun),
        note: 'a due requeue-after → the key reconciled again (no-op) → idle, vs one raw BullMQ job',
      },
      jobs_per_timer_wakeup: {
        value: Math.round(timers.jobs * 100) / 100,
        unit: 'jobs',
        note: 'jobs a worker takes for one due requeue-after (BullMQ "active" events)',
      },
      rapid_updates_reconciles: {
        value: reconciles,
        unit: 'reconciles',
        baseline: 1000,
        ratio: ratio(reconciles, 1000),
        note: '1,000 back-to-back enqueues of one key, 5 ms reconcile',
      },
      worker_crash_recovery: {
        value: crashMs,
        unit: 'ms',
        note: `SIGKILL of the worker mid-reconcile → another worker starts the key (lock ${timings.lockMs / 1000} s, stall check ${timings.stallMs / 1000} s)`,
      },
    };
  } finally {
    await redis.stop();
  }
}
