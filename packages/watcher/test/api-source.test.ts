import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApiSim, type ApiSim } from '@ambient-operator/api-sim';
import { AmbientApiClient, createLogger } from '@ambient-operator/shared';
import { reconnectDelayMs, startApiSource, updatedAtKey, type ApiSource } from '@ambient-operator/watcher';

const TOKEN = 'watcher-test-token-0123456789';

/** Collects enqueued keys and resolves waits on them. */
class KeySink {
  readonly batches: Array<{ keys: string[]; reason: string }> = [];
  private waiters: Array<() => void> = [];

  readonly onKeys = async (keys: string[], reason: 'event' | 'relist') => {
    this.batches.push({ keys, reason });
    this.wake();
  };

  /** Source activity (connects, errors) also re-checks the waits. */
  readonly onActivity = () => this.wake();

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  seen(reason?: string): Set<string> {
    return new Set(this.batches.filter((b) => !reason || b.reason === reason).flatMap((b) => b.keys));
  }

  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

describe('api-server source', () => {
  let sim: ApiSim;
  let source: ApiSource | undefined;
  beforeEach(async () => {
    sim = await startApiSim({ token: TOKEN });
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await sim.stop();
  });

  function start(
    sink: KeySink,
    extra: { relistIntervalMs?: number; catchUpAfterMs?: number } = {},
  ): ApiSource {
    source = startApiSource({
      client: new AmbientApiClient({ url: sim.url, token: TOKEN }),
      grpcAddress: sim.grpcAddress,
      token: TOKEN,
      onKeys: sink.onKeys,
      onActivity: sink.onActivity,
      backoffInitialMs: 100,
      backoffMaxMs: 400,
      logger: createLogger({ level: 'silent' }),
      ...extra,
    });
    return source;
  }

  it('lists every page first, then turns each watch event into the key of its kind', async () => {
    sim.store.create('projects', { name: 'team-a' });
    for (let i = 0; i < 150; i++) sim.store.create('sessions', { name: `s${i}`, project_id: 'team-a' });
    const sink = new KeySink();
    const src = start(sink);
    await sink.until(() => src.synced());
    expect([...sink.seen('relist')].filter((k) => k.startsWith('api-session:'))).toHaveLength(150);
    expect(sink.seen('relist').has('api-project:team-a')).toBe(true);
    await sink.until(() => src.states().every((s) => s.connected));

    const ps = sim.store.create('project_settings', { project_id: 'team-a', group_access: '[]' });
    const s = sim.store.create('sessions', { name: 'new' });
    await sink.until(() => sink.seen('event').has(`api-session:${String(s.id)}`));
    sim.store.delete('sessions', String(s.id));
    await sink.until(
      () =>
        sink.seen('event').has(`api-ps:${String(ps.id)}`) &&
        sink.batches.filter((b) => b.reason === 'event' && b.keys[0] === `api-session:${String(s.id)}`)
          .length === 2,
    );
    expect(src.allKeys()).not.toContain(`api-session:${String(s.id)}`);
    expect(src.allKeys()).toContain(`api-ps:${String(ps.id)}`);
  });

  it('relists after reconnecting, so changes made while the streams were down are all enqueued', async () => {
    const kept = sim.store.create('sessions', { name: 'kept' });
    const doomed = sim.store.create('sessions', { name: 'doomed' });
    const sink = new KeySink();
    const src = start(sink);
    await sink.until(() => src.synced() && src.states().every((s) => s.connected));
    const relistsBefore = src.states().find((s) => s.resource === 'sessions')!.relists;

    sim.faults.setStreamOutage(true);
    await sink.until(() => src.states().every((s) => !s.connected));
    sink.batches.length = 0;
    // made while no stream is up: upstream loses these
    const born = sim.store.create('sessions', { name: 'born' });
    sim.store.delete('sessions', String(doomed.id));
    sim.store.updateStatus(String(kept.id), { phase: 'Running' });
    sim.faults.setStreamOutage(false);

    await sink.until(() => {
      const keys = sink.seen('relist');
      return (
        keys.has(`api-session:${String(born.id)}`) &&
        keys.has(`api-session:${String(doomed.id)}`) &&
        keys.has(`api-session:${String(kept.id)}`)
      );
    });
    const sessions = src.states().find((s) => s.resource === 'sessions')!;
    expect(sessions.relists).toBeGreaterThan(relistsBefore);
    expect(sessions.reconnects).toBeGreaterThan(0);
    expect(src.allKeys()).not.toContain(`api-session:${String(doomed.id)}`);
  });

  it('events the server dropped while the stream stayed up are caught up soon after, and nothing else', async () => {
    const kept = sim.store.create('sessions', { name: 'kept' });
    const sink = new KeySink();
    const src = start(sink, { catchUpAfterMs: 200 });
    await sink.until(() => src.synced() && src.states().every((s) => s.connected));
    const relists = (resource: string) => src.states().find((s) => s.resource === resource)!.relists;
    const projectRelists = relists('projects');
    sink.batches.length = 0;
    // The broker drops a slow client's events and keeps its stream: nothing tells the client.
    sim.faults.dropWatchEvents = 2;
    const lost = sim.store.create('sessions', { name: 'lost' });
    sim.store.updateStatus(String(kept.id), { phase: 'Running' });
    const seen = sim.store.create('sessions', { name: 'seen' });
    const key = (o: Record<string, unknown>) => `api-session:${String(o.id)}`;
    await sink.until(() => sink.seen('event').has(key(lost)) && sink.seen('event').has(key(kept)));
    // The catch-up enqueued the two changes the stream did not bring, and not the session whose event it did.
    const caughtUp = sink.batches.filter((b) => b.keys.includes(key(lost)));
    expect(caughtUp).toHaveLength(1);
    expect(new Set(caughtUp[0]!.keys)).toEqual(new Set([key(lost), key(kept)]));
    expect(sink.batches.filter((b) => b.keys.includes(key(seen)))).toHaveLength(1);
    expect(sim.faults.settings().dropWatchEvents).toBe(0);
    // A resource whose stream brought no event is not listed again.
    expect(relists('projects')).toBe(projectRelists);
  });

  it('relists periodically', async () => {
    const sink = new KeySink();
    const src = start(sink, { relistIntervalMs: 200 });
    await sink.until(() => src.synced());
    await sink.until(() => src.states().every((s) => s.relists >= 3));
  });
});

describe('updatedAtKey', () => {
  it('compares the instants the REST list and the gRPC events write differently', () => {
    const rest = updatedAtKey('2026-12-06T20:00:00.123400Z');
    expect(updatedAtKey('2026-12-06T20:00:00.1234Z')).toBe(rest);
    expect(updatedAtKey('2026-12-06T21:00:00.1234+01:00')).toBe(rest);
    expect(updatedAtKey('2026-12-06T20:00:00.123401Z')).not.toBe(rest);
    expect(updatedAtKey('2026-12-06T20:00:00Z')).toBe(updatedAtKey('2026-12-06T20:00:00.000000Z'));
    expect(updatedAtKey(undefined)).toBeUndefined();
    expect(updatedAtKey('yesterday')).toBeUndefined();
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from the initial delay up to the cap, with ±25 % jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => reconnectDelayMs(a, 1000, 30_000, mid))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(reconnectDelayMs(0, 1000, 30_000, () => 0)).toBe(750);
    expect(reconnectDelayMs(0, 1000, 30_000, () => 0.999999)).toBe(1250);
  });
});
