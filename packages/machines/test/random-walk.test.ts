import type {
  ContainerStateObservation,
  RunnerObservation,
  SessionObservation,
  SessionStatus,
} from '@ambient-operator/machines';
import { applyStatusPatch, decide, SESSION_TRANSITIONS } from '@ambient-operator/machines';
import { describe, expect, it } from 'vitest';
import { input, job, pod, T0, ts } from './builders.js';
import { checkInvariants } from './invariants.js';

/** mulberry32: a tiny seeded PRNG, so a failing walk can be replayed exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function walker(seed: number) {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;

  const containerStates: (ContainerStateObservation | undefined)[] = [
    undefined,
    { state: 'waiting', reason: 'ContainerCreating' },
    { state: 'waiting', reason: 'ImagePullBackOff', message: 'pull access denied' },
    { state: 'running' },
    { state: 'running' },
    { state: 'running' },
    { state: 'terminated', exitCode: 0, reason: 'Completed' },
    { state: 'terminated', exitCode: 1, reason: 'Error' },
    { state: 'terminated', exitCode: 2, reason: 'Error' },
    { state: 'terminated', exitCode: 137, reason: 'OOMKilled' },
  ];

  function runner(current: SessionStatus | undefined): RunnerObservation {
    const runStart = current?.startTime ?? ts(T0);
    switch (
      pick(['none', 'none', 'ours', 'ours', 'ours', 'ours', 'earlier', 'deleting', 'podOnly'] as const)
    ) {
      case 'none':
        return { job: null, pod: null };
      case 'earlier':
        return { job: job({ runStartTime: ts(T0 - 86_400_000) }), pod: null };
      case 'deleting':
        return {
          job: job({ runStartTime: runStart, deleting: true }),
          pod: chance(0.5) ? pod({ deleting: true }) : null,
        };
      case 'podOnly':
        return { job: null, pod: pod() };
      case 'ours': {
        const failedJob = chance(0.05) ? { reason: 'DeadlineExceeded' } : undefined;
        const ourJob = job({
          runStartTime: runStart,
          complete: chance(0.05),
          ...(failedJob ? { failed: failedJob } : {}),
        });
        if (chance(0.15)) return { job: ourJob, pod: null };
        const container = pick(containerStates);
        return {
          job: ourJob,
          pod: pod({
            phase: pick(['Pending', 'Running', 'Running', 'Running', 'Succeeded', 'Failed'] as const),
            ...(container !== undefined ? { runner: container } : { runner: undefined }),
            scheduled: chance(0.9)
              ? { status: 'True' }
              : { status: 'False', reason: 'Unschedulable', message: '0/3 nodes' },
            ...(chance(0.03) ? { eviction: { reason: 'Evicted', message: 'node low on memory' } } : {}),
            ...(chance(0.03)
              ? { initFailure: { container: 'init-hydrate', reason: 'Error', exitCode: 1 } }
              : {}),
          }),
        };
      }
    }
  }

  function observe(current: SessionStatus | undefined, nowMs: number): SessionObservation {
    const generation = (current?.observedGeneration ?? 1) + (chance(0.1) ? 1 : 0);
    return {
      nowMs,
      generation,
      creationTimestamp: ts(T0 - 60_000),
      annotations: {
        ...(chance(0.25) ? { desiredPhase: pick(['Stopped', 'Running', 'Running', 'bogus']) } : {}),
        ...(chance(0.15) ? { stopReason: pick(['inactivity', 'run-finished']) } : {}),
        ...(chance(0.1) ? { stopRequestedAt: ts(nowMs - 1_000) } : {}),
        ...(chance(0.1) ? { forceExecutePrompt: true } : {}),
      },
      validation: chance(0.97)
        ? { ok: true }
        : { ok: false, issues: [{ reason: 'InvalidName', field: 'metadata.name', message: 'not DNS-1123' }] },
      runnerSecret: { name: 'ambient-runner-secrets', present: chance(0.85) },
      token: chance(0.95)
        ? { secretPresent: true, refreshedAtMs: nowMs - Math.floor(random() * 60 * 60_000) }
        : { secretPresent: false },
      inactivityTimeoutSeconds: pick([null, 0, 300, 3_600, 86_400]),
      runner: runner(current),
      ...(chance(0.1)
        ? {
            specSync: {
              generation,
              repos: chance(0.8)
                ? { ok: true, reconciled: [] }
                : { ok: false, message: 'runner unreachable' },
              workflow: chance(0.8) ? { ok: true, reconciled: null } : { ok: false, message: 'HTTP 500' },
            },
          }
        : {}),
    };
  }

  /** Time between reconciles: often immediate, sometimes long enough for every deadline. */
  const advance = () => pick([0, 500, 2_000, 30_000, 120_000, 600_000, 3 * 3_600_000, 2 * 86_400_000]);

  return { observe, advance, chance };
}

describe('seeded random walk through decide()', () => {
  it.each([1, 2, 3, 4])('seed %i: 1,000 reconciles keep every invariant', (seed) => {
    const { observe, advance, chance } = walker(seed);
    const seen = new Set<string>();
    let steps = 0;
    for (let session = 0; session < 20; session++) {
      let current: SessionStatus | undefined;
      let nowMs = T0;
      for (let i = 0; i < 50; i++) {
        nowMs += advance();
        const obs = observe(current, nowMs);
        const decision = decide(input(current, obs));
        checkInvariants(input(current, obs), decision);
        for (const t of decision.transitions) seen.add(`${t.from}->${t.to}`);
        // A lost status write (409, crash) leaves the stored status as it was.
        if (chance(0.9)) current = applyStatusPatch(current, decision.statusPatch);
        steps++;
      }
    }
    expect(steps).toBe(1_000);
    console.log(`seed ${seed}: ${seen.size} / ${SESSION_TRANSITIONS.length} phase changes visited`);
    expect(seen.size).toBeGreaterThan(SESSION_TRANSITIONS.length / 2);
  });
});
