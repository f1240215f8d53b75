import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { createOperatorMetrics, createSessionPhaseIndex } from '@ambient-operator/shared';
import { deletePrefix, redisUrl, uniquePrefix } from './queue-fixtures/harness.js';

const prefix = uniquePrefix('phase-index');
const index = createSessionPhaseIndex({
  connection: redisUrl,
  prefix,
  phases: ['Pending', 'Creating', 'Running', 'Stopping'],
});

afterAll(async () => {
  await index.close();
  const redis = new Redis(redisUrl);
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('the cluster-wide phase index', () => {
  it('counts sessions per phase and reports how long the oldest has been in it; terminal phases leave', async () => {
    const t0 = 1_000_000;
    await index.record('a/one', 'Creating', t0);
    await index.record('a/two', 'Creating', t0 + 60_000);
    await index.record('a/three', 'Pending', t0 + 90_000);
    // Recording the same phase again (a later reconcile) keeps the first entry time.
    await index.record('a/one', 'Creating', t0 + 100_000);
    expect(await index.stats(t0 + 120_000)).toEqual({
      count: { Pending: 1, Creating: 2, Running: 0, Stopping: 0 },
      oldestAgeSeconds: { Pending: 30, Creating: 120, Running: 0, Stopping: 0 },
    });
    await index.record('a/one', 'Running', t0 + 130_000);
    await index.record('a/two', 'Failed', t0 + 130_000);
    await index.record('a/three', undefined, t0 + 130_000); // deleted
    expect(await index.stats(t0 + 140_000)).toEqual({
      count: { Pending: 0, Creating: 0, Running: 1, Stopping: 0 },
      oldestAgeSeconds: { Pending: 0, Creating: 0, Running: 10, Stopping: 0 },
    });
  });

  it('a transition from a known phase leaves that phase only; a terminal phase clears every set', async () => {
    const index = createSessionPhaseIndex({
      connection: redisUrl,
      prefix,
      name: 'transitions',
      phases: ['Pending', 'Creating', 'Running', 'Stopping'],
    });
    onTestFinished(() => index.close());
    const t0 = 3_000_000;
    await index.record('c/one', 'Pending', t0, 'Pending');
    await index.record('c/one', 'Creating', t0 + 10_000, 'Pending');
    // Recorded again without a change: one ZADD NX, the entry time stays.
    await index.record('c/one', 'Creating', t0 + 20_000, 'Creating');
    await index.record('c/two', 'Creating', t0, 'Pending');
    await index.record('c/two', 'Running', t0 + 30_000, 'Creating');
    expect(await index.stats(t0 + 40_000)).toEqual({
      count: { Pending: 0, Creating: 1, Running: 1, Stopping: 0 },
      oldestAgeSeconds: { Pending: 0, Creating: 30, Running: 10, Stopping: 0 },
    });
    await index.record('c/one', 'Stopped', t0 + 50_000, 'Creating');
    await index.record('c/two', undefined, 0);
    expect((await index.stats(t0 + 60_000)).count).toEqual({
      Pending: 0,
      Creating: 0,
      Running: 0,
      Stopping: 0,
    });
  });

  it('feeds the ambient_sessions_in_phase and ambient_session_oldest_in_phase_seconds gauges at scrape time', async () => {
    const registry = new Registry();
    const now = 2_000_000;
    createOperatorMetrics(registry, { collectPhaseStats: () => index.stats(now) });
    await index.record('b/stuck', 'Stopping', now - 1_800_000);
    const text = await registry.metrics();
    expect(text).toContain('ambient_sessions_in_phase{phase="Stopping"} 1');
    expect(text).toContain('ambient_session_oldest_in_phase_seconds{phase="Stopping"} 1800');
  });
});
