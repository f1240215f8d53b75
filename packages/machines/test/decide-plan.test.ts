// decide() returns the whole plan of a reconcile: when each command runs, and what a command's follow-up changes.
import { applyStatusPatch, decide, findCondition, SESSION_ANNOTATIONS } from '@ambient-operator/machines';
import { describe, expect, it } from 'vitest';
import { config, observation, runningRunner, status } from './builders.js';

describe('the plan of a decision', () => {
  it('consumes one-shot annotations only after the status write; everything else runs before it', () => {
    const d = decide({
      status: status('Running'),
      observation: observation({ runner: runningRunner(), annotations: { desiredPhase: 'Stopped' } }),
      config,
    });
    expect(d.afterStatusWrite).toEqual([
      { type: 'clearAnnotations', keys: [SESSION_ANNOTATIONS.desiredPhase] },
    ]);
    expect(d.beforeStatusWrite.map((c) => c.type)).toContain('deleteRunner');
    expect(d.beforeStatusWrite.some((c) => c.type === 'clearAnnotations')).toBe(false);
    expect(d.commands).toEqual([...d.beforeStatusWrite, ...d.afterStatusWrite]);
  });

  it("a spec sync's follow-up is judged in the same decision, as a second decide from the written status was", () => {
    const running = status('Running');
    const obs = observation({ generation: 2, runner: runningRunner() });
    const asked = decide({ status: running, observation: obs, config });
    expect(asked.beforeStatusWrite).toContainEqual({ type: 'syncRunnerSpec', generation: 2 });

    const result = {
      generation: 2,
      repos: { ok: true as const, reconciled: [] },
      workflow: { ok: true as const, reconciled: null },
    };
    const synced = decide({
      status: running,
      observation: obs,
      config,
      followUps: [{ type: 'SPEC_SYNCED', result }],
    });
    const stepwise = decide({
      status: applyStatusPatch(running, asked.statusPatch),
      observation: { ...obs, specSync: result },
      config,
    });
    const written = applyStatusPatch(running, synced.statusPatch);
    expect(written).toEqual(
      applyStatusPatch(applyStatusPatch(running, asked.statusPatch), stepwise.statusPatch),
    );
    expect(written.observedGeneration).toBe(2);
    expect(findCondition(written.conditions, 'Reconciled')).toMatchObject({
      status: 'True',
      reason: 'SpecApplied',
    });
    // The sync asked for before the follow-up stays in the plan: the worker does not run a command twice.
    expect(synced.beforeStatusWrite).toContainEqual({ type: 'syncRunnerSpec', generation: 2 });
  });
});
