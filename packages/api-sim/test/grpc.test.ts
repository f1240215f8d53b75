import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { timestampToIso } from '@ambient-operator/api-contract';
import { authMetadata, grpcClient, rest, streamsOpen, unary, useApiSim, watch } from './helpers.js';

describe('api-sim gRPC', () => {
  const { sim } = useApiSim();

  it('serves the unary RPCs with the REST semantics and the documented status codes', async () => {
    const sessions = grpcClient(sim(), 'sessions');
    const created = await unary(sessions, 'CreateSession', { name: 'g1', project_id: 'demo', timeout: 300 });
    const meta = created.metadata as { id: string; kind: string; created_at: { seconds: number } };
    expect(meta.kind).toBe('Session');
    expect(created).toMatchObject({
      name: 'g1',
      project_id: 'demo',
      timeout: 300,
      llm_model: 'sonnet',
      kube_cr_name: meta.id,
    });
    expect(created).not.toHaveProperty('phase');
    // the same object through REST
    expect((await rest(sim(), 'GET', `/sessions/${meta.id}`)).body.timeout).toBe(300);

    const moved = await unary(sessions, 'UpdateSession', { id: meta.id, project_id: 'other', prompt: 'p' });
    expect(moved).toMatchObject({ project_id: 'other', prompt: 'p' });
    const status = await unary(sessions, 'UpdateSessionStatus', {
      id: meta.id,
      phase: 'Running',
      start_time: { seconds: 1_767_323_045, nanos: 123_456_000 },
    });
    expect(status.phase).toBe('Running');
    expect(timestampToIso(status.start_time as { seconds: number; nanos: number })).toBe(
      '2026-01-02T03:04:05.123456Z',
    );

    await expect(unary(sessions, 'GetSession', { id: '' })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'id is required',
    });
    await expect(unary(sessions, 'GetSession', { id: 'missing' })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    await expect(unary(sessions, 'CreateSession', { name: 'x'.repeat(256) })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    const projects = grpcClient(sim(), 'projects');
    await unary(projects, 'CreateProject', { name: 'p1' });
    await expect(unary(projects, 'CreateProject', { name: 'p1' })).rejects.toMatchObject({
      code: grpc.status.ALREADY_EXISTS,
    });
    sessions.close();
    projects.close();
  });

  it('rejects calls and watches without the bearer token with UNAUTHENTICATED', async () => {
    const sessions = grpcClient(sim(), 'sessions');
    await expect(unary(sessions, 'ListSessions', {}, new grpc.Metadata())).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    await expect(unary(sessions, 'ListSessions', {}, authMetadata('wrong'))).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    const w = watch(sessions, 'WatchSessions', new grpc.Metadata());
    expect(await w.ended).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    sessions.close();
  });

  it('lists with the gRPC page rules (size < 1 or > 500 → 20)', async () => {
    for (let i = 0; i < 25; i++) sim().store.create('users', { username: `u${i}`, name: `U ${i}` });
    const users = grpcClient(sim(), 'users');
    const first = await unary(users, 'ListUsers', { page: 0, size: 0 });
    expect((first.items as unknown[]).length).toBe(20);
    expect(first.metadata).toMatchObject({ page: 1, size: 20, total: 25 });
    const second = await unary(users, 'ListUsers', { page: 2, size: 20 });
    expect((second.items as unknown[]).length).toBe(5);
    users.close();
  });

  it('streams every write with the latest object; DELETED carries only the id; each stream its own resource', async () => {
    const sessions = grpcClient(sim(), 'sessions');
    const projects = grpcClient(sim(), 'projects');
    const w = watch(sessions, 'WatchSessions');
    const pw = watch(projects, 'WatchProjects');
    await streamsOpen(sim(), 'sessions');
    await streamsOpen(sim(), 'projects');
    const id = String((await rest(sim(), 'POST', '/sessions', { name: 'w1' })).body.id);
    await rest(sim(), 'POST', `/sessions/${id}/start`);
    await rest(sim(), 'PATCH', `/sessions/${id}/status`, { phase: 'Running' });
    await rest(sim(), 'PATCH', `/sessions/${id}`, {});
    await rest(sim(), 'DELETE', `/sessions/${id}`);
    await rest(sim(), 'POST', '/projects', { name: 'proj' });
    await w.waitFor(5);
    await pw.waitFor(1);
    expect(w.events.map((e) => e.type)).toEqual([
      'EVENT_TYPE_CREATED',
      'EVENT_TYPE_UPDATED',
      'EVENT_TYPE_UPDATED',
      'EVENT_TYPE_UPDATED',
      'EVENT_TYPE_DELETED',
    ]);
    expect(w.events.every((e) => e.resource_id === id)).toBe(true);
    expect(w.events[2]!.session).toMatchObject({ phase: 'Running' });
    expect(w.events[4]).not.toHaveProperty('session');
    expect(pw.events).toHaveLength(1);
    expect(pw.events[0]).toMatchObject({
      type: 'EVENT_TYPE_CREATED',
      resource_id: 'proj',
      project: { name: 'proj' },
    });
    w.cancel();
    pw.cancel();
    sessions.close();
    projects.close();
  });

  it('re-reads at send time: writes in one burst all carry the latest object', async () => {
    const sessions = grpcClient(sim(), 'sessions');
    const w = watch(sessions, 'WatchSessions');
    await streamsOpen(sim(), 'sessions');
    const s = sim().store.create('sessions', { name: 'burst' });
    sim().store.updateStatus(String(s.id), { phase: 'Creating' });
    sim().store.updateStatus(String(s.id), { phase: 'Running' });
    await w.waitFor(3);
    expect(w.events.map((e) => (e.session as { phase?: string }).phase)).toEqual([
      'Running',
      'Running',
      'Running',
    ]);
    w.cancel();
    sessions.close();
  });

  it('drops all streams with UNAVAILABLE and refuses watches during a stream outage', async () => {
    const sessions = grpcClient(sim(), 'sessions');
    const w = watch(sessions, 'WatchSessions');
    await streamsOpen(sim(), 'sessions');
    expect((await rest(sim(), 'POST', '/sim/faults', { streamOutage: true })).body.droppedStreams).toBe(1);
    expect(await w.ended).toMatchObject({ code: grpc.status.UNAVAILABLE });
    const refused = watch(sessions, 'WatchSessions');
    expect(await refused.ended).toMatchObject({ code: grpc.status.UNAVAILABLE });
    sim().faults.setStreamOutage(false);
    const back = watch(sessions, 'WatchSessions');
    await streamsOpen(sim(), 'sessions');
    sim().store.create('sessions', { name: 'after' });
    await back.waitFor(1);
    back.cancel();
    sessions.close();
  });

  it('fails the next N gRPC calls with the mapped code and adds latency', async () => {
    const sessions = grpcClient(sim(), 'sessions');
    sim().faults.failNext({ status: 503, count: 1, protocol: 'grpc' });
    await expect(unary(sessions, 'ListSessions', {})).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    await expect(unary(sessions, 'ListSessions', {})).resolves.toBeDefined();
    sim().faults.setLatency(150);
    const started = performance.now();
    await unary(sessions, 'ListSessions', {});
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    sessions.close();
  });

  it('drops events beyond the per-stream buffer when the client does not read (as upstream)', async () => {
    await sim().stop();
    const { startApiSim } = await import('@ambient-operator/api-sim');
    const small = await startApiSim({ watchBufferSize: 4 });
    const client = grpcClient(small, 'users');
    const md = new grpc.Metadata();
    const call = (
      client as unknown as {
        WatchUsers: (r: unknown, m: grpc.Metadata) => grpc.ClientReadableStream<unknown>;
      }
    ).WatchUsers({}, md);
    call.on('error', () => undefined); // the cancel below ends it with CANCELLED
    call.pause();
    await streamsOpen(small, 'users');
    for (let i = 0; i < 20_000; i++)
      small.store.create('users', { username: `u${i}`, name: 'x'.repeat(200) });
    await new Promise<void>((resolve) => setImmediate(resolve));
    const stats = await fetch(`${small.url}/sim/stats`).then(
      (r) => r.json() as Promise<{ droppedEvents: number }>,
    );
    expect(stats.droppedEvents).toBeGreaterThan(0);
    call.cancel();
    client.close();
    await small.stop();
  });
});
