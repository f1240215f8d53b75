import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApiSim, type ApiSim } from '@ambient-operator/api-sim';
import { AmbientApiClient, createLogger } from '@ambient-operator/shared';
import { reconnectDelayMs, startApiSource, type ApiSource } from '@ambient-operator/watcher';

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

  function start(sink: KeySink, extra: { relistIntervalMs?: number } = {}): ApiSource {
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

  it('relists periodically', async () => {
    const sink = new KeySink();
    const src = start(sink, { relistIntervalMs: 200 });
    await sink.until(() => src.synced());
    await sink.until(() => src.states().every((s) => s.relists >= 3));
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
