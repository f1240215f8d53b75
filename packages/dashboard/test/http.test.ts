import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DashboardConfigError,
  type Dashboard,
  type MachineCounts,
  type SessionDetail,
} from '@ambient-operator/dashboard';
import { startQueueWorker, type QueueWorker } from '@ambient-operator/shared';
import { MACHINES, sessionMachine } from '@ambient-operator/machines';
import { eventually, get, iso, startWorld, type World } from './harness.js';

const AUTH = { username: 'ops', password: 'correct horse battery staple' };
const SECRET_VALUE = 'do-not-leak-this-token-value';

let world: World;
let dashboard: Dashboard;
let worker: QueueWorker | undefined;

const json = async <T>(url: string, auth?: typeof AUTH): Promise<T> => {
  const res = await get(url, auth);
  expect(res.status, res.text).toBe(200);
  return JSON.parse(res.text) as T;
};

beforeAll(async () => {
  world = await startWorld(['demo', 'team-a']);
  await world.createSession('demo', 'alpha', {
    annotations: { 'ambient-code.io/created-by': '<script>alert("owned")</script>' },
    status: {
      phase: 'Running',
      startTime: iso(60_000),
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'RunnerReady',
          message: 'runner <b>up</b>',
          lastTransitionTime: iso(50_000),
        },
        { type: 'PodCreated', status: 'True', reason: 'Created', lastTransitionTime: iso(55_000) },
      ],
      phaseHistory: [
        { to: 'Pending', at: iso(70_000) },
        { from: 'Pending', to: 'Creating', at: iso(65_000) },
        { from: 'Creating', to: 'Running', at: iso(50_000), reason: 'RunnerStarted' },
      ],
    },
  });
  await world.createSession('demo', 'beta', {
    status: {
      phase: 'Failed',
      phaseHistory: [
        { to: 'Pending', at: iso(9000) },
        { from: 'Pending', to: 'Failed', at: iso(8000) },
      ],
    },
  });
  await world.createSession('team-a', 'gamma');
  // alpha's children, as the worker would create them (kube-sim's Job controller adds the pod).
  await world.batch.createNamespacedJob({
    namespace: 'demo',
    body: {
      metadata: { name: 'alpha-runner' },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { 'agentic-session': 'alpha', app: 'ambient-code-runner' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'runner', image: 'runner:latest' }] },
        },
      },
    },
  });
  await world.core.createNamespacedService({
    namespace: 'demo',
    body: {
      metadata: { name: 'session-alpha' },
      spec: { ports: [{ port: 8001 }], selector: { 'agentic-session': 'alpha' } },
    },
  });
  await world.core.createNamespacedSecret({
    namespace: 'demo',
    body: { metadata: { name: 'ambient-runner-token-alpha' }, stringData: { 'k8s-token': SECRET_VALUE } },
  });
  dashboard = await world.startDashboard();
});

afterAll(async () => {
  await worker?.close({ force: true });
  await world?.stop();
});

describe('pages and APIs', () => {
  it('/healthz answers ok', async () => {
    const res = await get(`${dashboard.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok\n');
  });

  it('/readyz answers ok while Redis answers', async () => {
    const res = await get(`${dashboard.url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok\n');
  });

  it('/sessions lists every session with phase, Ready and a link to its page', async () => {
    const res = await get(`${dashboard.url}/sessions`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.compact).toContain('<a href="/sessions/demo/alpha">alpha</a>');
    expect(res.compact).toContain('<a href="/sessions/team-a/gamma">gamma</a>');
    expect(res.compact).toMatch(/phase-Running">Running</);
    expect(res.compact).toMatch(/phase-Failed">Failed</);
    expect(res.compact).toContain('(none yet)'); // gamma has no phase
    expect(res.compact).toContain('Creating → Running');
    expect(res.compact).toContain('<caption>AgenticSessions</caption>');
    expect(res.compact).toContain('<th scope="col">Ready</th>');
  });

  it('/api/sessions carries metadata and status only', async () => {
    const body = await json<{ sessions: Record<string, unknown>[] }>(`${dashboard.url}/api/sessions`);
    expect(body.sessions.map((s) => s['key'])).toEqual(['demo/alpha', 'demo/beta', 'team-a/gamma']);
    expect(JSON.stringify(body)).not.toContain('initialPrompt');
  });

  it('escapes user-controlled text: an annotation with <script> is shown, not run', async () => {
    const res = await get(`${dashboard.url}/sessions/demo/alpha`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;');
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).toContain('runner &lt;b&gt;up&lt;/b&gt;');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('a session page shows phase, conditions, children (never secret data) and history', async () => {
    // The pod appears once kube-sim's Job controller has made it.
    await eventually(
      () => world.core.listNamespacedPod({ namespace: 'demo', labelSelector: 'agentic-session=alpha' }),
      (l) => l.items.length === 1,
      'runner pod',
    );
    const res = await get(`${dashboard.url}/sessions/demo/alpha`);
    const page = res.compact;
    expect(page).toMatch(/phase-Running">Running</);
    expect(page).toMatch(/<td>Ready<\/td><td class="status-True">True<\/td><td>RunnerReady<\/td>/);
    expect(page).toMatch(/<td>Job<\/td><td class="mono">alpha-runner<\/td><td><span class="status-True">yes/);
    expect(page).toMatch(
      /<td>Pod<\/td><td class="mono">alpha-runner-[a-z0-9]+<\/td><td><span class="status-True">yes/,
    );
    expect(page).toMatch(
      /<td>Service<\/td><td class="mono">session-alpha<\/td><td><span class="status-True">yes/,
    );
    expect(page).toMatch(
      /<td>Secret<\/td><td class="mono">ambient-runner-token-alpha<\/td><td><span class="status-True">yes/,
    );
    expect(page).toMatch(/<td>Creating<\/td><td>Running<\/td><td><time/);
    const detail = await json<SessionDetail>(`${dashboard.url}/api/sessions/demo/alpha`);
    for (const text of [res.text, JSON.stringify(detail)]) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
    }
    expect(detail.children.tokenSecret.exists).toBe(true);

    const beta = await get(`${dashboard.url}/sessions/demo/beta`);
    expect(beta.compact).toMatch(/<td>Job<\/td><td class="mono">beta-runner<\/td><td><span class="note">no/);
    expect(beta.compact).toMatch(
      /<td>Secret<\/td><td class="mono">ambient-runner-token-beta<\/td><td><span class="note">no/,
    );
  });

  it('unknown sessions and names that cannot be Kubernetes names are 404', async () => {
    expect((await get(`${dashboard.url}/sessions/demo/nope`)).status).toBe(404);
    expect((await get(`${dashboard.url}/sessions/demo/UPPER%3Cx%3E`)).status).toBe(404);
    expect((await get(`${dashboard.url}/api/sessions/demo/nope`)).status).toBe(404);
    expect((await get(`${dashboard.url}/no-such-page`)).status).toBe(404);
  });

  it('says when a session was last reconciled and when it will be next, from the queue', async () => {
    // A real queue worker: alpha asks for a requeue in 10 min, beta fails (retry backoff 10 min).
    worker = startQueueWorker({
      connection: world.redis,
      prefix: world.prefix,
      backoff: { baseMs: 600_000, jitter: 0 },
      process: async (key) => {
        if (key === 'demo/beta') throw new Error('runner image <missing>');
        return { requeueAfterMs: 600_000 };
      },
    });
    await world.queue.enqueue('demo/alpha');
    await world.queue.enqueue('demo/beta');
    const alpha = await eventually(
      () => json<SessionDetail>(`${dashboard.url}/api/sessions/demo/alpha`),
      (d) => d.queue?.lastFinished !== undefined && d.queue.timer !== undefined,
      'alpha reconciled with a timer',
    );
    expect(alpha.queue?.lastFinished?.state).toBe('completed');
    expect(alpha.queue?.failures).toBe(0);
    const due = alpha.queue?.timer?.dueAt ?? 0;
    expect(due - Date.now()).toBeGreaterThan(500_000);
    expect(alpha.reconcile?.next).toMatch(/^Timer due .*: a requeue-after asked for by the last reconcile/);

    const beta = await eventually(
      () => json<SessionDetail>(`${dashboard.url}/api/sessions/demo/beta`),
      (d) => d.queue?.lastFinished !== undefined && d.queue.timer !== undefined,
      'beta failed with a retry timer',
    );
    expect(beta.queue?.lastFinished?.state).toBe('failed');
    expect(beta.queue?.failures).toBe(1);
    expect(beta.reconcile?.last).toMatch(/^Last reconcile failed: .*runner image <missing>/);
    expect(beta.reconcile?.next).toMatch(/a retry after 1 failed reconcile \(backoff\)/);

    const page = await get(`${dashboard.url}/sessions/demo/beta`);
    expect(page.text).toContain('runner image &lt;missing&gt;');
    expect(page.compact).toMatch(/<dt>Consecutive failures<\/dt><dd>1<\/dd>/);

    const gamma = await json<SessionDetail>(`${dashboard.url}/api/sessions/team-a/gamma`);
    expect(gamma.reconcile?.next).toMatch(/^Nothing scheduled/);
  });
});

describe('/machine', () => {
  it('/machine.json serves every machine’s definition (machine.toJSON()) by id', async () => {
    const definitions = await json<Record<string, { id: string; states: Record<string, unknown> }>>(
      `${dashboard.url}/machine.json`,
    );
    expect(Object.keys(definitions)).toEqual(MACHINES.map((m) => m.id));
    expect(definitions['session']).toEqual(JSON.parse(JSON.stringify(sessionMachine.toJSON())));
    expect(Object.keys(definitions['session']!.states)).toEqual(
      expect.arrayContaining([
        'Pending',
        'Creating',
        'Running',
        'Stopping',
        'Stopped',
        'Completed',
        'Failed',
      ]),
    );
  });

  it('counts sessions per phase and transitions from status.phaseHistory', async () => {
    const counts = await json<MachineCounts>(`${dashboard.url}/api/machine`);
    expect(counts.phases).toMatchObject({ Running: 1, Failed: 1, Pending: 0 });
    expect(counts.noPhase).toBe(1);
    expect(counts.totalSessions).toBe(3);
    const count = (from: string, to: string) =>
      counts.transitions.find((t) => t.from === from && t.to === to)?.count;
    expect(count('None', 'Pending')).toBe(2);
    expect(count('Creating', 'Running')).toBe(1);
    expect(count('Pending', 'Failed')).toBe(1);
    expect(count('Running', 'Completed')).toBe(0);
    expect(counts.transitionSource.kind).toBe('phaseHistory');

    const page = await get(`${dashboard.url}/machine`);
    expect(page.text).toContain('<svg class="machine" role="img"');
    expect(page.text).toMatch(/data-phase="Running"[^>]*>1<\/text>/);
    expect(page.text).toMatch(/data-from="Creating" data-to="Running" data-prefix="×"[^>]*>×1<\/text>/);
    expect(page.compact).toContain('summed from the phase history kept on the AgenticSession resources');
    expect(page.text).toContain('<script src="/assets/machine.js" defer></script>');
    expect(page.text).not.toMatch(/<script(?! src="\/assets\/machine\.js")/);
    expect(page.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing loaded from elsewhere
  });

  it('prefers the workers’ /metrics when metricsUrls are given, summing every worker and namespace', async () => {
    const bodies = [
      '# HELP ambient_session_phase_transitions_total Phase transition counts\n# TYPE ambient_session_phase_transitions_total counter\n' +
        'ambient_session_phase_transitions_total{namespace="demo",from_phase="None",to_phase="Pending"} 7\n' +
        'ambient_session_phase_transitions_total{namespace="team-a",from_phase="None",to_phase="Pending"} 3\n' +
        'ambient_session_phase_transitions_total{namespace="demo",from_phase="Running",to_phase="Completed"} 4\n',
      'ambient_session_phase_transitions_total{namespace="demo",from_phase="Running",to_phase="Completed"} 1\n',
    ];
    const servers = await Promise.all(
      bodies.map(
        (body) =>
          new Promise<http.Server>((resolve) => {
            const s = http.createServer((_req, res) => res.end(body));
            s.listen(0, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    const urls = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/metrics`);
    const withMetrics = await world.startDashboard({ metricsUrls: [...urls, 'http://127.0.0.1:1/metrics'] });
    try {
      const counts = await json<MachineCounts>(`${withMetrics.url}/api/machine`);
      const count = (from: string, to: string) =>
        counts.transitions.find((t) => t.from === from && t.to === to)?.count;
      expect(counts.transitionSource.kind).toBe('metrics');
      expect(count('None', 'Pending')).toBe(10);
      expect(count('Running', 'Completed')).toBe(5);
      expect(count('Creating', 'Running')).toBe(0); // the CRs' history is not mixed in
      expect(
        counts.transitionSource.kind === 'metrics' && counts.transitionSource.failedUrls.map((f) => f.url),
      ).toEqual(['http://127.0.0.1:1/metrics']);
    } finally {
      await withMetrics.close();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });

  it('one LIST serves many viewers within the cache period', async () => {
    const cached = await world.startDashboard({ cacheTtlMs: 60_000 });
    try {
      world.sim.resetRequestCounts();
      await Promise.all(Array.from({ length: 20 }, () => json<MachineCounts>(`${cached.url}/api/machine`)));
      await json(`${cached.url}/api/sessions`);
      expect(world.sim.requestCount({ verb: 'list', resource: 'agenticsessions' })).toBe(1);
    } finally {
      await cached.close();
    }
  });
});

describe('auth', () => {
  it('with credentials, every page needs them (also on loopback); /healthz does not', async () => {
    const secured = await world.startDashboard({ auth: AUTH });
    try {
      for (const path of [
        '/sessions',
        '/machine',
        '/api/machine',
        '/machine.json',
        '/sessions/demo/alpha',
        '/queues',
        '/queues/api/queues',
      ]) {
        const anonymous = await get(`${secured.url}${path}`);
        expect(anonymous.status, path).toBe(401);
        expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
        expect((await get(`${secured.url}${path}`, { ...AUTH, password: 'wrong' })).status, path).toBe(401);
        expect((await get(`${secured.url}${path}`, AUTH)).status, path).toBe(200);
      }
      expect((await get(`${secured.url}/healthz`)).status).toBe(200);
    } finally {
      await secured.close();
    }
  });

  it('refuses to listen beyond loopback without credentials', async () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
      await expect(world.startDashboard({ host })).rejects.toThrow(DashboardConfigError);
    }
    await expect(world.startDashboard({ host: '0.0.0.0' })).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0 without credentials/,
    );
  });

  it('listens beyond loopback when credentials are set, and asks for them', async () => {
    const open = await world.startDashboard({ host: '0.0.0.0', auth: AUTH });
    try {
      const local = open.url.replace('0.0.0.0', '127.0.0.1');
      expect((await get(`${local}/sessions`)).status).toBe(401);
      expect((await get(`${local}/sessions`, AUTH)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('Bull Board at /queues', () => {
  interface BoardJob {
    name: string;
    externalUrl?: { href: string; displayText?: string };
  }
  interface BoardQueues {
    queues: { name: string; readOnlyMode: boolean; jobs: BoardJob[] }[];
  }

  it('serves the board and links every job to its session', async () => {
    const ui = await get(`${dashboard.url}/queues`);
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('<base href="/queues/"');
    const board = await json<BoardQueues>(
      `${dashboard.url}/queues/api/queues?activeQueue=sessions&status=latest&page=1&jobsPerPage=50`,
    );
    const queue = board.queues.find((q) => q.name === 'sessions');
    expect(queue?.readOnlyMode).toBe(true);
    const beta = queue?.jobs.find((j) => j.name === 'reconcile demo/beta');
    expect(beta?.externalUrl).toEqual({ href: '/sessions/demo/beta', displayText: 'open session demo/beta' });
    // alpha's job waits as its timer (delayed): it is listed and linked too.
    const alpha = queue?.jobs.find((j) => j.name === 'reconcile demo/alpha');
    expect(alpha?.externalUrl?.href).toBe('/sessions/demo/alpha');
  });

  it('read-only by default: a retry is refused with 405', async () => {
    const before = await world.queue.counts();
    const res = await fetch(`${dashboard.url}/queues/api/queues/sessions/retry/failed`, { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(await res.text()).toContain('QUEUE_READ_ONLY');
    // beta's retry is still delayed: the refused request changed nothing.
    expect(before.delayed).toBeGreaterThan(0);
    expect(await world.queue.counts()).toEqual(before);
  });

  it('allows actions when configured writable', async () => {
    const writable = await world.startDashboard({ readOnly: false });
    try {
      const board = await json<BoardQueues>(`${writable.url}/queues/api/queues`);
      expect(board.queues.find((q) => q.name === 'sessions')?.readOnlyMode).toBe(false);
      const res = await fetch(`${writable.url}/queues/api/queues/sessions/pause`, { method: 'PUT' });
      expect(res.status).toBe(200);
      expect(await world.queue.bullQueue.isPaused()).toBe(true);
      await world.queue.bullQueue.resume();
    } finally {
      await writable.close();
    }
  });
});
