// MODE=local end to end: api-sim, kube-sim (only for the watcher's Lease), Redis, the watcher and one worker that
// runs API sessions as real local processes. The runner is a small Node script written here: it answers /health,
// streams SSE, starts a grandchild, and exits with the code it is asked for.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApiSim, type ApiSim } from '@ambient-operator/api-sim';
import { AmbientApiClient } from '@ambient-operator/shared';
import { eventually, startTestCluster, type TestCluster } from '@ambient-operator/testing';
import { apiSimCaller, isAlive } from './processes.js';

const TOKEN = 'local-mode-test-token-0123456789';

const RUNNER = `
import http from 'node:http';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const grandchild = spawn('sleep', ['600'], { stdio: 'ignore' });
writeFileSync('grandchild.pid', String(grandchild.pid));
writeFileSync('env.json', JSON.stringify(process.env));
const streams = new Set();
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://runner');
  if (url.pathname === '/health') return res.end('ok');
  if (url.pathname === '/echo')
    return res.end(JSON.stringify({ session: process.env.SESSION_ID, query: url.search, method: req.method }));
  if (url.pathname === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: first\\n\\n');
    streams.add(res);
    return;
  }
  if (url.pathname === '/next') {
    for (const s of streams) s.write('data: second\\n\\n');
    return res.end('sent');
  }
  if (url.pathname === '/exit') {
    res.end('bye', () => process.exit(Number(url.searchParams.get('code'))));
    return;
  }
  res.statusCode = 404;
  res.end();
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

describe('ambient-api-server source (MODE=local)', () => {
  let dir: string;
  let workspaces: string;
  let api: ApiSim;
  let cluster: TestCluster;
  let proxy: string;

  const rest = (method: string, apiPath: string, body?: unknown) =>
    apiSimCaller(api.url, TOKEN)(method, apiPath, body);

  const create = async (name: string) =>
    String((await rest('POST', '/sessions', { name, project_id: 'team-a', prompt: `do ${name}` })).id);
  const phaseOf = async (id: string) => String((await rest('GET', `/sessions/${id}`)).phase ?? '');
  const reaches = (id: string, phase: string) =>
    eventually(
      () => phaseOf(id),
      (p) => p === phase,
      `${id} ${phase}`,
      30_000,
    );
  const grandchildOf = async (id: string) =>
    Number(await readFile(path.join(workspaces, id, 'grandchild.pid'), 'utf8'));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'local-mode-'));
    workspaces = path.join(dir, 'workspaces');
    await writeFile(path.join(dir, 'runner.mjs'), RUNNER);
    // Must not reach a runner: only the documented variables and PATH/HOME do.
    process.env.LOCAL_MODE_TEST_CANARY = 'operator-secret';
    api = await startApiSim({ token: TOKEN });
    // Below Linux's ephemeral range (32768–60999 by default): a port there can be the local end of any process's
    // outgoing connection, and a runner that cannot listen exits non-zero (a session went Failed under CI's load).
    const firstPort = 20_000 + Math.floor(Math.random() * 12_000);
    cluster = await startTestCluster({
      workers: 1,
      env: {
        MODE: 'local',
        AMBIENT_API_SERVER_URL: api.url,
        AMBIENT_API_TOKEN: TOKEN,
        AMBIENT_GRPC_SERVER_ADDR: api.grpcAddress,
        LOCAL_RUNNER_COMMAND: `node ${path.join(dir, 'runner.mjs')}`,
        LOCAL_WORKSPACE_ROOT: workspaces,
        LOCAL_PORT_RANGE: `${firstPort}-${firstPort + 9}`,
        LOCAL_PROXY_ADDR: '127.0.0.1:0',
        LOCAL_MAX_SESSIONS: '2',
      },
      watcher: {
        apiServer: {
          client: new AmbientApiClient({ url: api.url, token: TOKEN }),
          grpcAddress: api.grpcAddress,
          token: TOKEN,
          mode: 'local',
          backoffInitialMs: 200,
          backoffMaxMs: 1000,
        },
      },
    });
    proxy = cluster.worker.localProxyUrl!;
  });
  afterAll(async () => {
    delete process.env.LOCAL_MODE_TEST_CANARY;
    await cluster?.stop();
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a session runs as a local process: healthy → Running, reachable through the proxy (request and SSE), exit 0 → Completed', async () => {
    const id = await create('ok');
    await reaches(id, 'Running');
    const env = JSON.parse(await readFile(path.join(workspaces, id, 'env.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(env).toMatchObject({
      SESSION_ID: id,
      INITIAL_PROMPT: 'do ok',
      WORKSPACE_PATH: path.join(workspaces, id),
    });
    expect(env.LOCAL_MODE_TEST_CANARY).toBeUndefined();
    expect(Object.keys(env).filter((k) => k.startsWith('REDIS') || k.startsWith('QUEUE'))).toEqual([]);

    const echo = await fetch(`${proxy}/sessions/${id}/echo?x=1`, { method: 'POST', body: 'hi' });
    expect(await echo.json()).toEqual({ session: id, query: '?x=1', method: 'POST' });
    expect((await fetch(`${proxy}/sessions/NOPE/echo`)).status).toBe(404);

    // The second event is written only after the first has arrived: a buffering proxy would hang here.
    const stream = await fetch(`${proxy}/sessions/${id}/events`);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    while (!seen.includes('data: first')) seen += (await reader.read()).value ?? '';
    await fetch(`${proxy}/sessions/${id}/next`);
    while (!seen.includes('data: second')) seen += (await reader.read()).value ?? '';
    await reader.cancel();

    await fetch(`${proxy}/sessions/${id}/exit?code=0`);
    await reaches(id, 'Completed');
    expect((await rest('GET', `/sessions/${id}`)).completion_time).toBeTruthy();
  });

  test('a runner that exits non-zero leaves its session Failed', async () => {
    const id = await create('bad');
    await reaches(id, 'Running');
    await fetch(`${proxy}/sessions/${id}/exit?code=3`);
    await reaches(id, 'Failed');
  });

  test('stop kills the whole process group (the grandchild too) and ends in Stopped', async () => {
    const id = await create('stopme');
    await reaches(id, 'Running');
    const grandchild = await grandchildOf(id);
    expect(isAlive(grandchild)).toBe(true);
    await rest('POST', `/sessions/${id}/stop`);
    await reaches(id, 'Stopped');
    await eventually(
      async () => isAlive(grandchild),
      (a) => !a,
      'grandchild gone',
      10_000,
    );
    expect((await fetch(`${proxy}/sessions/${id}/echo`)).status).toBe(404);
  });

  test('beyond LOCAL_MAX_SESSIONS a session waits Pending until a runner exits', async () => {
    const first = await create('one');
    const second = await create('two');
    await reaches(first, 'Running');
    await reaches(second, 'Running');
    const third = await create('three');
    // Written by the worker only when every slot is taken (a new session has no phase).
    await reaches(third, 'Pending');
    expect(existsSync(path.join(workspaces, third))).toBe(false);
    await fetch(`${proxy}/sessions/${first}/exit?code=0`);
    await reaches(first, 'Completed');
    await reaches(third, 'Running');
    for (const id of [second, third]) await rest('POST', `/sessions/${id}/stop`);
    await reaches(second, 'Stopped');
    await reaches(third, 'Stopped');
  });
});
