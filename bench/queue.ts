// Queue benchmarks: pipeline throughput vs raw BullMQ, coalescing of rapid updates, worker-crash recovery.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createSessionQueue,
  defaultRedisUrl,
  startQueueWorker,
  type QueueWorker,
  type SessionQueue,
} from '@ambient-operator/shared';
import { ratio, type BenchOptions, type BenchResults } from './measure.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL ?? defaultRedisUrl;

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

async function cleanup(queue: SessionQueue): Promise<void> {
  await queue.obliterate();
  await queue.close();
}

/** Raw BullMQ: N plain jobs, no-op processor, concurrency 10. */
async function rawThroughput(n: number, workerClass: RawWorkerClass): Promise<number> {
  const prefix = `bench-raw-${randomBytes(3).toString('hex')}`;
  const producer = createSessionQueue({ connection: redisUrl, prefix, name: 'raw' });
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
  const started = performance.now();
  const worker = new workerClass('raw', async () => undefined, {
    connection: { url: redisUrl },
    prefix,
    concurrency: 10,
  });
  worker.on('completed', () => done++);
  await waitUntil('raw jobs', () => done >= n);
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await cleanup(producer);
  return n / seconds;
}

/** Our pipeline: N distinct keys enqueued as events, no-op reconcile, concurrency 10, no rate limit. */
async function pipelineThroughput(n: number): Promise<{ perSecond: number; workerClass: RawWorkerClass }> {
  const prefix = `bench-pipe-${randomBytes(3).toString('hex')}`;
  const queue = createSessionQueue({ connection: redisUrl, prefix });
  await queue.enqueueMany(Array.from({ length: n }, (_, i) => `ns/s-${i}`));
  let done = 0;
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
  const seconds = (performance.now() - started) / 1000;
  const workerClass = Object.getPrototypeOf(worker.bullWorker).constructor as RawWorkerClass;
  await worker.close();
  await cleanup(queue);
  return { perSecond: n / seconds, workerClass };
}

/** 1,000 rapid updates of one session while a worker reconciles it (5 ms per reconcile). */
async function rapidUpdates(updates: number): Promise<number> {
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
const crashWorkerScript = `
import { startQueueWorker } from '@ambient-operator/shared';
const [redisUrl, prefix] = process.argv.slice(1);
let runs = 0;
const w = startQueueWorker({ connection: redisUrl, prefix, concurrency: 4, lockDurationMs: 5000, stalledIntervalMs: 2000,
  process: async () => {
    console.log(JSON.stringify({ start: true, pid: process.pid, t: Date.now() }));
    if (process.env.HANG_FIRST === '1' && ++runs === 1) await new Promise(() => {});
    return {};
  } });
await w.bullWorker.waitUntilReady();
console.log('ready');
`;

async function crashRecoveryMs(): Promise<number> {
  const prefix = `bench-crash-${randomBytes(3).toString('hex')}`;
  const queue = createSessionQueue({ connection: redisUrl, prefix });
  const starts: { pid: number; t: number }[] = [];
  const launch = (hangFirst: boolean) =>
    new Promise<ReturnType<typeof spawn>>((resolve, reject) => {
      const c = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', crashWorkerScript, redisUrl, prefix],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, HANG_FIRST: hangFirst ? '1' : '0' },
        },
      );
      c.stdout?.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) {
          if (line === 'ready') resolve(c);
          else if (line.startsWith('{')) starts.push(JSON.parse(line) as { pid: number; t: number });
        }
      });
      c.once('exit', (code) => reject(new Error(`crash worker exited ${code}`)));
    });
  // The hanging worker starts first and alone, so it takes the key; the rescuer joins afterwards.
  const victim = await launch(true);
  const rescuer = await (async () => {
    await queue.enqueue('ns/crash');
    await waitUntil('run 1', () => starts.length >= 1);
    return launch(false);
  })();
  try {
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await waitUntil('run 2 on the other worker', () => starts.length >= 2, 60_000);
    return starts[1]!.t - killedAt;
  } finally {
    victim.kill('SIGKILL');
    rescuer.kill('SIGKILL');
    await cleanup(queue);
  }
}

export async function benchQueue(opts: BenchOptions): Promise<BenchResults> {
  const n = opts.quick ? 3000 : 10_000;
  const pipeline = await pipelineThroughput(n);
  const raw = await rawThroughput(n, pipeline.workerClass);
  const reconciles = await rapidUpdates(1000);
  const crash = await crashRecoveryMs();
  return {
    pipeline_throughput: {
      value: Math.round(pipeline.perSecond),
      unit: 'reconciles/s',
      baseline: Math.round(raw),
      ratio: ratio(pipeline.perSecond, raw),
      note: `${n} keys, no-op reconcile, concurrency 10, vs raw BullMQ no-op jobs`,
    },
    rapid_updates_reconciles: {
      value: reconciles,
      unit: 'reconciles',
      baseline: 1000,
      ratio: ratio(reconciles, 1000),
      note: '1,000 back-to-back enqueues of one key, 5 ms reconcile',
    },
    worker_crash_recovery: {
      value: crash,
      unit: 'ms',
      note: 'SIGKILL of the worker mid-reconcile → another worker starts the key (lock 5 s, stall check 2 s)',
    },
  };
}
