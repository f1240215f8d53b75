import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRunnerClient, repoNameFromUrl } from '../src/runner-client.js';

interface Received {
  path: string;
  token: string | undefined;
  body: unknown;
}

// A stand-in for the runner's HTTP surface (the real runner is a Python service we cannot run here).
function startFakeRunner(
  answer: (path: string) => number,
): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const header = req.headers['x-ambient-session-token'];
      received.push({
        path: req.url ?? '',
        token: Array.isArray(header) ? header[0] : header,
        body: JSON.parse(raw),
      });
      res.statusCode = answer(req.url ?? '');
      res.end(res.statusCode === 200 ? 'ok' : 'nope');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }),
    ),
  );
}

describe('runner client', () => {
  let fake: Awaited<ReturnType<typeof startFakeRunner>>;
  beforeAll(async () => {
    fake = await startFakeRunner((path) => (path === '/workflow' ? 500 : 200));
  });
  afterAll(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  test('sends the session token and the upstream bodies', async () => {
    const client = createRunnerClient();
    const endpoint = { baseUrl: fake.url, token: 'tok-1' };
    const add = await client.addRepo(endpoint, { url: 'https://g/x/repo.git', branch: 'dev', name: 'repo' });
    const remove = await client.removeRepo(endpoint, 'old');
    expect(add).toMatchObject({ ok: true, status: 200 });
    expect(remove.ok).toBe(true);
    expect(fake.received.slice(0, 2)).toEqual([
      {
        path: '/repos/add',
        token: 'tok-1',
        body: { url: 'https://g/x/repo.git', branch: 'dev', name: 'repo' },
      },
      { path: '/repos/remove', token: 'tok-1', body: { name: 'old' } },
    ]);
  });

  test('reports a non-2xx answer as a failure with the status', async () => {
    const outcome = await createRunnerClient().setWorkflow(
      { baseUrl: fake.url, token: 't' },
      { gitUrl: 'https://g/wf', branch: 'main', path: 'p' },
    );
    expect(outcome).toMatchObject({ ok: false, status: 500 });
    expect(outcome.message).toContain('/workflow answered 500');
  });

  test('reports an unreachable runner as a failure, not an exception', async () => {
    const closed = await startFakeRunner(() => 200);
    const url = closed.url;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const outcome = await createRunnerClient({ timeoutMs: 2000 }).addRepo(
      { baseUrl: url, token: 't' },
      { url: 'u', branch: 'main', name: 'n' },
    );
    expect(outcome).toMatchObject({ ok: false, status: 0 });
    expect(outcome.message).toMatch(/unreachable/);
  });

  test('repo names are the last path segment without .git', () => {
    expect(repoNameFromUrl('https://github.com/org/platform.git')).toBe('platform');
    expect(repoNameFromUrl('https://gitlab.com/a/b/c/')).toBe('c');
    expect(repoNameFromUrl('git@github.com:org/tool')).toBe('tool');
  });
});
