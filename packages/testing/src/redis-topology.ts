// Real highly available Redis topologies for tests: Debian's redis-server and redis-sentinel on loopback ports with
// temp dirs — one master, two replicas and three Sentinels, or a Redis Cluster of three masters with a replica
// each — and the fault those tests inject: SIGKILL of the master that holds the queue.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { RedisNodeAddress, RedisTarget } from '@ambient-operator/shared';

const HOST = '127.0.0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RedisProcess {
  port: number;
  proc: ChildProcess;
  exited: Promise<void>;
}

/** What both topologies offer a test. */
export interface RedisTopology {
  /** The operator's settings for it (REDIS_SENTINELS… or REDIS_CLUSTER_NODES), for processes' env. */
  env: Record<string, string>;
  /** The same as shared's config would parse it, for clients in the test process. */
  target: RedisTarget;
  /** The queue prefix to use with it. */
  prefix: string;
  /**
   * SIGKILLs the master that holds the queue's keys; resolves with the kill time once the process is gone.
   * `promoted()` then resolves when a replica serves them (the time the topology reported it).
   */
  killQueueMaster(): Promise<{ killedAt: number; promoted: () => Promise<number> }>;
  /** Kills every process and removes the temp dir. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function requireBinary(name: string): void {
  if (spawnSync(name, ['--version']).error)
    throw new Error(`${name} is not installed (Debian/Ubuntu: apt-get install redis-server redis-sentinel)`);
}

/** A client that gives up at once (for polling a node that may be dead). */
function probe(port: number): Redis {
  const client = new Redis(port, HOST, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  client.on('error', () => undefined);
  return client;
}

async function ask<T>(port: number, run: (c: Redis) => Promise<T>): Promise<T> {
  const client = probe(port);
  try {
    await client.connect();
    return await run(client);
  } finally {
    client.disconnect();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`redis topology: timed out waiting for ${what} ${last}`);
    await sleep(100);
  }
}

function spawnRedis(dir: string, binary: string, args: string[], port: number): RedisProcess {
  const log = createWriteStream(path.join(dir, `${port}.log`));
  const proc = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // redis-server does not notice its parent die: take it along when the test process exits without stop().
  const reap = () => proc.kill('SIGKILL');
  process.once('exit', reap);
  void exited.then(() => process.off('exit', reap));
  return { port, proc, exited };
}

async function killAll(processes: RedisProcess[], dir: string): Promise<void> {
  for (const p of processes) {
    if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  }
  await Promise.all(processes.map((p) => p.exited));
  await rm(dir, { recursive: true, force: true });
}

const serverArgs = (port: number) => [
  '--port',
  String(port),
  '--bind',
  HOST,
  '--save',
  '',
  '--appendonly',
  'no',
];

export interface SentinelSetOptions {
  /** @defaultValue 'mymaster' */
  masterName?: string;
  /** Sentinels' down-after-milliseconds: how long a silent master takes to be declared down. @defaultValue 1000 */
  downAfterMs?: number;
}

/** One master, two replicas and three Sentinels (quorum 2), ready when every Sentinel sees the whole set. */
export async function startRedisSentinelSet(options: SentinelSetOptions = {}): Promise<RedisTopology> {
  requireBinary('redis-server');
  const sentinelBinary = spawnSync('redis-sentinel', ['--version']).error ? undefined : 'redis-sentinel';
  const masterName = options.masterName ?? 'mymaster';
  const dir = await mkdtemp(path.join(tmpdir(), 'redis-sentinel-'));
  const processes: RedisProcess[] = [];
  try {
    const [masterPort, ...replicaPorts] = await Promise.all([freePort(), freePort(), freePort()]);
    processes.push(spawnRedis(dir, 'redis-server', serverArgs(masterPort!), masterPort!));
    for (const port of replicaPorts)
      processes.push(
        spawnRedis(dir, 'redis-server', [...serverArgs(port), '--replicaof', HOST, String(masterPort)], port),
      );
    await until(
      'both replicas in sync',
      async () => {
        const info = await ask(masterPort!, (c) => c.info('replication'));
        return (info.match(/state=online/g) ?? []).length === replicaPorts.length;
      },
      20_000,
    );
    const sentinelPorts = await Promise.all([freePort(), freePort(), freePort()]);
    for (const port of sentinelPorts) {
      const conf = path.join(dir, `sentinel-${port}.conf`);
      await writeFile(
        conf,
        [
          `port ${port}`,
          `bind ${HOST}`,
          `dir ${dir}`,
          `sentinel monitor ${masterName} ${HOST} ${masterPort} 2`,
          `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${masterName} 10000`,
          `sentinel parallel-syncs ${masterName} 2`,
          '',
        ].join('\n'),
      );
      processes.push(
        sentinelBinary
          ? spawnRedis(dir, sentinelBinary, [conf], port)
          : spawnRedis(dir, 'redis-server', [conf, '--sentinel'], port),
      );
    }
    // Sentinels find each other and the replicas through hello messages (every 2 s): wait for the whole picture.
    await until(
      'every Sentinel to know 2 replicas and 2 other Sentinels',
      async () => {
        for (const port of sentinelPorts) {
          const [replicas, peers] = await ask(port, async (c) => [
            (await c.call('SENTINEL', 'REPLICAS', masterName)) as unknown[],
            (await c.call('SENTINEL', 'SENTINELS', masterName)) as unknown[],
          ]);
          if (replicas.length !== 2 || peers.length !== 2) return false;
        }
        return true;
      },
      30_000,
    );
    const sentinels: RedisNodeAddress[] = sentinelPorts.map((port) => ({ host: HOST, port }));

    const currentMaster = async (): Promise<number> => {
      for (const port of sentinelPorts) {
        try {
          const addr = (await ask(port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName))) as
            [string, string] | null;
          if (addr) return Number(addr[1]);
        } catch {
          // this Sentinel is not answering; ask the next
        }
      }
      throw new Error('no Sentinel answers');
    };

    return {
      env: {
        REDIS_SENTINELS: sentinels.map((s) => `${s.host}:${s.port}`).join(','),
        REDIS_SENTINEL_NAME: masterName,
      },
      target: {
        mode: 'sentinel',
        url: 'redis://127.0.0.1:6379',
        sentinels,
        masterName,
        sentinelPassword: undefined,
      },
      prefix: 'ambient',
      async killQueueMaster() {
        const port = await currentMaster();
        const victim = processes.find((p) => p.port === port);
        if (!victim) throw new Error(`the master on port ${port} is not one of ours`);
        victim.proc.kill('SIGKILL');
        await victim.exited;
        const killedAt = Date.now();
        return {
          killedAt,
          async promoted() {
            // Promoted when the Sentinels name another master and it says it is one.
            await until(
              'a replica to be promoted',
              async () => {
                const now = await currentMaster();
                return now !== port && (await ask(now, (c) => c.info('replication'))).includes('role:master');
              },
              60_000,
            );
            return Date.now();
          },
        };
      },
      stop: () => killAll(processes, dir),
    };
  } catch (err) {
    await killAll(processes, dir);
    throw err;
  }
}

export interface ClusterOptions {
  /** cluster-node-timeout: how long a silent master takes to be failed over by its replica. @defaultValue 1000 */
  nodeTimeoutMs?: number;
}

interface SlotRange {
  start: number;
  end: number;
  masterPort: number;
}

async function slotRanges(port: number): Promise<SlotRange[]> {
  const slots = (await ask(port, (c) => c.call('CLUSTER', 'SLOTS'))) as [number, number, [string, number]][];
  return slots.map(([start, end, master]) => ({ start, end, masterPort: master[1] }));
}

/** A Redis Cluster of three masters with one replica each, ready when every node reports cluster_state:ok. */
export async function startRedisCluster(options: ClusterOptions = {}): Promise<RedisTopology> {
  requireBinary('redis-server');
  requireBinary('redis-cli');
  const dir = await mkdtemp(path.join(tmpdir(), 'redis-cluster-'));
  const processes: RedisProcess[] = [];
  const prefix = '{ambient}';
  try {
    const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    for (const port of ports) {
      const nodeDir = path.join(dir, String(port));
      await mkdir(nodeDir);
      processes.push(
        spawnRedis(
          dir,
          'redis-server',
          [
            ...serverArgs(port),
            '--dir',
            nodeDir,
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            String(options.nodeTimeoutMs ?? 1000),
            // A replica fails over however long ago it last heard its master (the default refuses after 10 ×
            // node timeout, which a test's fresh replica may have been). Production keeps the default.
            '--cluster-replica-validity-factor',
            '0',
          ],
          port,
        ),
      );
    }
    await until(
      'every node to answer',
      async () => {
        await Promise.all(ports.map((p) => ask(p, (c) => c.ping())));
        return true;
      },
      10_000,
    );
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `${HOST}:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await until(
      'cluster_state:ok on every node',
      async () => {
        const infos = await Promise.all(
          ports.map((p) => ask(p, (c) => c.call('CLUSTER', 'INFO') as Promise<string>)),
        );
        return infos.every((i) => i.includes('cluster_state:ok'));
      },
      30_000,
    );
    await until(
      'every replica in sync with its master',
      async () => {
        const infos = await Promise.all(ports.map((p) => ask(p, (c) => c.info('replication'))));
        const replicas = infos.filter((i) => i.includes('role:slave'));
        return replicas.length === 3 && replicas.every((i) => i.includes('master_link_status:up'));
      },
      30_000,
    );
    const nodes: RedisNodeAddress[] = ports.map((port) => ({ host: HOST, port }));
    const slot = Number(await ask(ports[0]!, (c) => c.call('CLUSTER', 'KEYSLOT', prefix)));
    const masterOfSlot = async (askPort: number) =>
      (await slotRanges(askPort)).find((r) => r.start <= slot && slot <= r.end)?.masterPort;

    return {
      env: { REDIS_CLUSTER_NODES: nodes.map((n) => `${n.host}:${n.port}`).join(',') },
      target: { mode: 'cluster', url: 'redis://127.0.0.1:6379', nodes },
      prefix,
      async killQueueMaster() {
        const port = await masterOfSlot(ports[0]!);
        const victim = processes.find((p) => p.port === port);
        if (!victim) throw new Error(`no master serves slot ${slot}`);
        victim.proc.kill('SIGKILL');
        await victim.exited;
        const killedAt = Date.now();
        const witness = ports.find((p) => p !== port)!;
        return {
          killedAt,
          async promoted() {
            await until(
              `a replica to take over slot ${slot}`,
              async () => {
                const now = await masterOfSlot(witness);
                const info = (await ask(witness, (c) => c.call('CLUSTER', 'INFO'))) as string;
                return now !== undefined && now !== port && info.includes('cluster_state:ok');
              },
              60_000,
            );
            return Date.now();
          },
        };
      },
      stop: () => killAll(processes, dir),
    };
  } catch (err) {
    await killAll(processes, dir);
    throw err;
  }
}
