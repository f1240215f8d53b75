import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isKsuid } from '@ambient-operator/api-sim';
import { rest, useApiSim } from './helpers.js';

describe('api-sim REST', () => {
  const { sim } = useApiSim();

  it('requires the bearer token on every path but health and metrics (401 text/plain)', async () => {
    const denied = await rest(sim(), 'GET', '/sessions', undefined, null);
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual({});
    expect((await rest(sim(), 'GET', '/sessions', undefined, 'wrong')).status).toBe(401);
    const forwarded = await fetch(`${sim().url}/api/ambient/v1/sessions`, {
      headers: { 'x-forwarded-access-token': 'test-token-0123456789abcdef' },
    });
    expect(forwarded.status).toBe(200);
    const lower = await fetch(`${sim().url}/api/ambient/v1/sessions`, {
      headers: { authorization: 'bearer test-token-0123456789abcdef' },
    });
    expect(lower.status).toBe(200);
    expect((await fetch(`${sim().url}/healthcheck`)).status).toBe(200);
    expect((await fetch(`${sim().url}/metrics`)).status).toBe(200);
  });

  it('creates a session with a KSUID id, kube_cr_name = id and the LLM defaults, no phase', async () => {
    const created = await rest(sim(), 'POST', '/sessions', {
      name: 'hello',
      project_id: 'demo',
      llm_model: '',
    });
    expect(created.status).toBe(201);
    const s = created.body;
    expect(isKsuid(String(s.id))).toBe(true);
    expect(s).toMatchObject({
      kind: 'Session',
      href: `/api/ambient/v1/sessions/${String(s.id)}`,
      kube_cr_name: s.id,
      llm_model: 'sonnet',
      llm_temperature: 0.7,
      llm_max_tokens: 4000,
    });
    expect(s).not.toHaveProperty('phase');
    expect(String(s.created_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect((await rest(sim(), 'GET', `/sessions/${String(s.id)}`)).body).toEqual(s);
  });

  it('rejects strict POST bodies: an id, an unknown key, a wrong type, a missing name', async () => {
    for (const body of [
      { name: 'a', id: 'x' },
      { name: 'a', bogus: 1 },
      { name: 'a', timeout: 'long' },
      {},
    ]) {
      const reply = await rest(sim(), 'POST', '/sessions', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body).toMatchObject({
        kind: 'Error',
        code: expect.stringMatching(/^ambient-api-server-\d+$/),
      });
    }
    expect((await rest(sim(), 'POST', '/sessions', '{not json')).status).toBe(400);
  });

  it('makes the project id its name, validates the name on create and update, keeps deleted names taken', async () => {
    const p = await rest(sim(), 'POST', '/projects', { name: 'team-a', display_name: 'Team A' });
    expect(p.status).toBe(201);
    expect(p.body.id).toBe('team-a');
    expect((await rest(sim(), 'POST', '/projects', { name: 'Team_B' })).status).toBe(400);
    expect((await rest(sim(), 'POST', '/projects', { name: 'a' })).status).toBe(400);
    expect((await rest(sim(), 'PATCH', '/projects/team-a', { name: 'BAD' })).status).toBe(400);
    expect((await rest(sim(), 'POST', '/projects', { name: 'team-a' })).body.reason).toBe(
      'This Project already exists',
    );
    expect((await rest(sim(), 'DELETE', '/projects/team-a')).status).toBe(204);
    expect((await rest(sim(), 'GET', '/projects/team-a')).status).toBe(404);
    expect((await rest(sim(), 'POST', '/projects', { name: 'team-a' })).status).toBe(409);
  });

  it('applies only non-null known keys on PATCH and ignores project_id on sessions', async () => {
    const s = (await rest(sim(), 'POST', '/sessions', { name: 'a', project_id: 'p1', prompt: 'x' })).body;
    const patched = await rest(sim(), 'PATCH', `/sessions/${String(s.id)}`, {
      prompt: 'y',
      project_id: 'p2',
      repo_url: null,
      whatever: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ prompt: 'y', project_id: 'p1' });
    expect(patched.body.updated_at).not.toBe(s.updated_at);
  });

  it('enforces the start/stop phase rules with 409 and the documented reasons', async () => {
    const id = String((await rest(sim(), 'POST', '/sessions', { name: 'a' })).body.id);
    expect((await rest(sim(), 'POST', `/sessions/${id}/stop`)).body.reason).toBe(
      'cannot stop session in phase ""; must be Running, Creating, or Pending',
    );
    expect((await rest(sim(), 'POST', `/sessions/${id}/start`)).body.phase).toBe('Pending');
    const again = await rest(sim(), 'POST', `/sessions/${id}/start`);
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe(
      'cannot start session in phase "Pending"; must be empty, Stopped, Failed, or Completed',
    );
    expect((await rest(sim(), 'PATCH', `/sessions/${id}/status`, { phase: 'Running' })).body.phase).toBe(
      'Running',
    );
    expect((await rest(sim(), 'POST', `/sessions/${id}/stop`)).body.phase).toBe('Stopping');
    expect((await rest(sim(), 'PATCH', `/sessions/${id}/status`, { phase: 'running' })).status).toBe(400);
    expect((await rest(sim(), 'PATCH', `/sessions/${id}/status`, {})).status).toBe(200);
  });

  it('writes status fields only through /status, times at µs', async () => {
    const id = String((await rest(sim(), 'POST', '/sessions', { name: 'a', phase: 'Running' })).body.id);
    expect((await rest(sim(), 'GET', `/sessions/${id}`)).body).not.toHaveProperty('phase');
    const status = await rest(sim(), 'PATCH', `/sessions/${id}/status`, {
      phase: 'Running',
      start_time: '2026-01-02T03:04:05.123456789Z',
      kube_cr_uid: 'uid-1',
      sdk_restart_count: 2,
      conditions: '[{"type":"Ready","status":"True"}]',
      name: 'ignored',
    });
    expect(status.body).toMatchObject({
      phase: 'Running',
      start_time: '2026-01-02T03:04:05.123456Z',
      kube_cr_uid: 'uid-1',
      sdk_restart_count: 2,
      name: 'a',
    });
  });

  it('checks foreign keys (500) and one ProjectSettings per project (409)', async () => {
    expect((await rest(sim(), 'POST', '/project_settings', { project_id: 'nope' })).status).toBe(500);
    await rest(sim(), 'POST', '/projects', { name: 'p1' });
    const ps = await rest(sim(), 'POST', '/project_settings', { project_id: 'p1', group_access: '[]' });
    expect(ps.status).toBe(201);
    expect((await rest(sim(), 'POST', '/project_settings', { project_id: 'p1' })).status).toBe(409);
    expect(
      (await rest(sim(), 'POST', '/sessions', { name: 'child', parent_session_id: 'missing' })).status,
    ).toBe(500);
  });

  it('paginates with page/size, filters with search and project_id, orders with orderBy', async () => {
    for (let i = 0; i < 5; i++)
      await rest(sim(), 'POST', '/sessions', { name: `s${i}`, project_id: i < 3 ? 'a' : 'b' });
    const page2 = await rest(sim(), 'GET', '/sessions?page=2&size=2&orderBy=name%20desc');
    expect(page2.body).toMatchObject({ kind: 'SessionList', page: 2, size: 2, total: 5 });
    expect((page2.body.items as Array<{ name: string }>).map((s) => s.name)).toEqual(['s2', 's1']);
    const zero = await rest(sim(), 'GET', '/sessions?size=0');
    expect(zero.body).toMatchObject({ size: 0, total: 5, items: [] });
    const filtered = await rest(
      sim(),
      'GET',
      `/sessions?project_id=a&search=${encodeURIComponent("name like 's%' and name != 's0'")}`,
    );
    expect(filtered.body.total).toBe(2);
    expect((await rest(sim(), 'GET', `/sessions?search=${encodeURIComponent('name = ')}`)).body.code).toBe(
      'ambient-api-server-23',
    );
    expect((await rest(sim(), 'GET', '/sessions?project_id=a%20b')).status).toBe(400);
  });

  it('answers DELETE of an unknown id with 204', async () => {
    expect((await rest(sim(), 'DELETE', '/sessions/unknown')).status).toBe(204);
  });

  it('fails the next N calls with a status and counts requests per route', async () => {
    await rest(sim(), 'POST', '/sim/faults', { failNext: { status: 503, count: 2, operation: 'list' } });
    expect((await rest(sim(), 'GET', '/sessions')).status).toBe(503);
    expect((await rest(sim(), 'GET', '/projects')).status).toBe(503);
    expect((await rest(sim(), 'GET', '/sessions')).status).toBe(200);
    expect(sim().requestCounts()['rest GET /sessions']).toBe(2);
  });

  it('counts status writes per session, and the ones that changed nothing', async () => {
    const id = String((await rest(sim(), 'POST', '/sessions', { name: 's', project_id: 'p' })).body.id);
    await rest(sim(), 'PATCH', `/sessions/${id}/status`, { phase: 'Running' });
    await rest(sim(), 'PATCH', `/sessions/${id}/status`, { phase: 'Running' });
    await rest(sim(), 'PATCH', `/sessions/${id}/status`, { phase: 'Running', kube_namespace: 'p' });
    expect((await rest(sim(), 'GET', '/sim/status-writes')).body.sessions).toEqual({
      [id]: { writes: 3, unchanged: 1 },
    });
    await rest(sim(), 'POST', '/sim/requests/reset');
    expect((await rest(sim(), 'GET', '/sim/status-writes')).body.sessions).toEqual({});
  });

  it('delays only the operation named by latencyOperation', async () => {
    const id = String((await rest(sim(), 'POST', '/sessions', { name: 's', project_id: 'p' })).body.id);
    await rest(sim(), 'POST', '/sim/faults', { latencyMs: 1000, latencyOperation: 'status' });
    const started = performance.now();
    await rest(sim(), 'GET', `/sessions/${id}`);
    const read = performance.now() - started;
    await rest(sim(), 'PATCH', `/sessions/${id}/status`, { phase: 'Running' });
    // the status write waited the injected second; the read, served without it, took far less
    expect(performance.now() - started - read).toBeGreaterThanOrEqual(995);
    expect(read).toBeLessThan(1000);
    expect((await rest(sim(), 'GET', '/sim/stats')).body.faults).toMatchObject({
      latencyMs: 0,
      operationLatencyMs: { status: 1000 },
    });
    // A held write is in flight until it is answered.
    const held = rest(sim(), 'PATCH', `/sessions/${id}/status`, { phase: 'Stopped' });
    const inFlight = async () =>
      (await rest(sim(), 'GET', '/sim/stats')).body.inFlight as Record<string, number>;
    while ((await inFlight())['rest PATCH /sessions/{id}/status'] !== 1) await sleep(10);
    await held;
    expect(await inFlight()).toEqual({});
  });
});
