// MODE=local: a worker killed with SIGKILL cannot stop its runners (they run in process groups of their own).
// The next worker finds them through the records in their workspaces, stops them (the whole group), and the
// sessions are then reported as lost. Real processes throughout: api-sim, a worker process, its runner.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiSim, type ApiSim } from '@ambient-operator/api-sim';
import { AmbientApiClient, createLogger } from '@ambient-operator/shared';
import { LocalRunners } from '@ambient-operator/worker';
import { isAlive } from './processes.js';

const TOKEN = 'local-orphans-token-0123456789';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The runner: a shell that starts a grandchild in its group and waits (never healthy, never exits).
const RUNNER_COMMAND = 'sleep 600 & echo $! > grandchild.pid; wait';

/** A first owner, in a process of its own: starts the session's runner, prints its pid, then idles. */
const OWNER = `
import { AmbientApiClient, createLogger } from '@ambient-operator/shared';
import { LocalRunners } from '@ambient-operator/worker';
const [url, token, root, id] = process.argv.slice(1);
const runners = new LocalRunners({
  config: { workspaceRoot: root, runnerCommand: ${JSON.stringify(RUNNER_COMMAND)}, portRange: { first: 19100, last: 19109 }, maxSessions: 5, proxyAddress: { host: '127.0.0.1', port: 0 } },
  ambient: new AmbientApiClient({ url, token }), apiUrl: url, apiToken: token, log: createLogger({ level: 'silent' }),
});
await runners.reconcile(id);
console.log(JSON.stringify({ pid: runners.pidOf(id) }));
setInterval(() => {}, 1000);
`;

let api: ApiSim;
let root: string;

beforeAll(async () => {
  api = await startApiSim({ token: TOKEN });
  root = await mkdtemp(path.join(tmpdir(), 'local-orphans-'));
});
afterAll(async () => {
  await api?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('MODE=local after its worker was killed', () => {
  it('the next worker stops the runner the dead one left, and the session is reported lost', async () => {
    const ambient = new AmbientApiClient({ url: api.url, token: TOKEN });
    const created = await fetch(`${api.url}/api/ambient/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'orphan', project_id: 'p' }),
    });
    const id = String(((await created.json()) as { id: string }).id);

    const owner = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', OWNER, api.url, TOKEN, root, id],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const runnerPid = await new Promise<number>((resolve, reject) => {
      owner.stdout.on('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { pid: number }).pid));
      owner.once('exit', (code) => reject(new Error(`owner exited (${code}) before starting the runner`)));
    });
    expect((await ambient.get('sessions', id))?.phase).toBe('Creating');
    owner.kill('SIGKILL');
    await new Promise((resolve) => owner.once('exit', resolve));
    expect(isAlive(runnerPid)).toBe(true); // outlived its owner: its own process group

    const next = new LocalRunners({
      config: {
        workspaceRoot: root,
        runnerCommand: RUNNER_COMMAND,
        portRange: { first: 19100, last: 19109 },
        maxSessions: 5,
        proxyAddress: { host: '127.0.0.1', port: 0 },
      },
      ambient,
      apiUrl: api.url,
      apiToken: TOKEN,
      log: createLogger({ level: 'silent' }),
      stopGraceMs: 2000,
    });
    const grandchild = Number(await readFile(path.join(root, id, 'grandchild.pid'), 'utf8'));
    expect(isAlive(grandchild)).toBe(true);
    expect(await next.stopOrphans()).toEqual([id]);
    expect(isAlive(runnerPid)).toBe(false);
    expect(isAlive(grandchild)).toBe(false); // the whole group
    expect(await next.stopOrphans()).toEqual([]); // the record went with it

    await next.reconcile(id);
    const session = await ambient.get('sessions', id);
    expect(session?.phase).toBe('Failed');
    expect(session?.conditions).toContain('RunnerLost');
  });
});
