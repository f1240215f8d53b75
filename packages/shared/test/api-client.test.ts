import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApiSim, type ApiSim } from '@ambient-operator/api-sim';
import { AmbientApiClient, apiKey, classifyError, isApiKey, parseApiKey } from '@ambient-operator/shared';

const TOKEN = 'client-test-token-0123456789';

describe('AmbientApiClient against api-sim', () => {
  let sim: ApiSim;
  let client: AmbientApiClient;
  beforeEach(async () => {
    sim = await startApiSim({ token: TOKEN });
    client = new AmbientApiClient({ url: sim.url, token: TOKEN });
  });
  afterEach(() => sim.stop());

  it('lists every page, reads one object, and writes status', async () => {
    for (let i = 0; i < 230; i++) sim.store.create('sessions', { name: `s${i}` });
    const listed = await client.listAll('sessions');
    expect(listed.items).toHaveLength(230);
    expect(new Set(listed.items.map((s) => s.id)).size).toBe(230);
    expect(sim.requestCounts()['rest GET /sessions']).toBe(3);
    const id = listed.items[0]!.id;
    expect((await client.get('sessions', id))?.name).toMatch(/^s\d+$/);
    expect(await client.get('sessions', 'gone')).toBeUndefined();
    const written = await client.patchSessionStatus(id, { phase: 'Running', kube_cr_uid: 'u1' });
    expect(written).toMatchObject({ id, phase: 'Running', kube_cr_uid: 'u1' });
  });

  it('classifies failures: 5xx retryable, 409 conflict, 400 and 401 terminal', async () => {
    const id = String(sim.store.create('sessions', { name: 'a' }).id);
    sim.faults.failNext({ status: 503 });
    await expect(client.listAll('sessions')).rejects.toSatisfy(
      (err) => classifyError(err).kind === 'retryable',
    );
    sim.faults.failNext({ status: 409 });
    await expect(client.patchSessionStatus(id, {})).rejects.toSatisfy(
      (err) => classifyError(err).kind === 'conflict',
    );
    await expect(client.patchSessionStatus(id, { phase: 'running' })).rejects.toSatisfy(
      (err) => classifyError(err).kind === 'terminal',
    );
    const anonymous = new AmbientApiClient({ url: sim.url, token: 'wrong-token-0123456789' });
    await expect(anonymous.listAll('sessions')).rejects.toSatisfy(
      (err) => classifyError(err).kind === 'terminal',
    );
  });
});

describe('api keys', () => {
  it('round-trips each kind and refuses ids that could collide with other keys', () => {
    expect(apiKey('sessions', '2Ab3')).toBe('api-session:2Ab3');
    expect(parseApiKey('api-ps:xyz')).toEqual({ resource: 'project_settings', id: 'xyz' });
    expect(parseApiKey('api-project:team-a')).toEqual({ resource: 'projects', id: 'team-a' });
    expect(isApiKey('ns/name')).toBe(false);
    expect(isApiKey('ps:ns')).toBe(false);
    expect(() => apiKey('sessions', 'a/b')).toThrow(/invalid/);
    expect(() => parseApiKey('api-session:')).toThrow(/invalid/);
  });
});
