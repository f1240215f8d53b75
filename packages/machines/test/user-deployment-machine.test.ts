import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  UserDeploymentMachineEdge,
  UserDeploymentMachineStatus,
  UserDeploymentObservation,
  UserDeploymentObserveEvent,
} from '@ambient-operator/machines';
import {
  decideUserDeployment,
  USER_DEPLOYMENT_COMMAND_TYPES,
  USER_DEPLOYMENT_PHASES,
  USER_DEPLOYMENT_TRANSITIONS,
  userDeploymentMachine,
  userDeploymentMachineEdges,
  userDeploymentMermaid,
  userDeploymentSvg,
} from '@ambient-operator/machines';
import { transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';

const T0 = Date.parse('2026-12-05T12:00:00Z');

/** The neutral observation: takes the unguarded last alternative of every state. */
function observation(change: Partial<UserDeploymentObservation> = {}): UserDeploymentObservation {
  return {
    nowMs: T0,
    generation: 1,
    desiredState: 'running',
    beingDeleted: false,
    namespace: 'ud-shop',
    template: { ok: true },
    secrets: { requested: 0, crdPresent: true },
    services: [
      { name: 'web', image: 'nginx:1', replicas: 2, upToDate: true, readyReplicas: 1, updatedReplicas: 2 },
    ],
    urls: [{ service: 'web', exposure: 'public', url: 'http://web.shop.apps.local' }],
    childrenRemaining: 3,
    ...change,
  };
}

const web = observation().services[0]!;
/** How to make each guard hold, from the neutral observation. A guard missing here fails coverage. */
const WITNESSES: Record<string, Partial<UserDeploymentObservation>> = {
  deletionRequested: { desiredState: 'deleted' },
  templateUnusable: {
    template: { ok: false, reason: 'TemplateMissing', message: 'ConfigMap demo/shop-template not found' },
  },
  secretsUnavailable: { secrets: { requested: 1, crdPresent: false } },
  rollingOut: { services: [{ ...web, upToDate: false, updatedReplicas: 0 }] },
  servicesReady: { services: [{ ...web, readyReplicas: 2 }] },
  childrenGone: { childrenRemaining: 0 },
};

const status = (phase: UserDeploymentMachineEdge['source']): UserDeploymentMachineStatus | undefined =>
  phase === 'New' ? undefined : { phase };

const edges = userDeploymentMachineEdges();
type GuardFn = (args: { event: UserDeploymentObserveEvent }) => boolean;
const guards = userDeploymentMachine.implementations.guards as unknown as Record<string, GuardFn>;

describe('every transition of the UserDeployment machine', () => {
  const covered = new Set<string>();

  it.each(edges.map((e) => [`${e.id} ${e.source} → ${e.target} [${e.guard ?? 'else'}]`, e] as const))(
    '%s',
    (_name, edge) => {
      const tweak = edge.guard === undefined ? {} : WITNESSES[edge.guard];
      expect(tweak, `a witness for guard ${edge.guard ?? '(none)'}`).toBeDefined();
      const event: UserDeploymentObserveEvent = { type: 'OBSERVE', observation: observation(tweak) };

      // The witness selects exactly this alternative: no earlier alternative of the state holds.
      const alternatives = edges.filter((e) => e.source === edge.source);
      const taken = alternatives.find((e) => e.guard === undefined || guards[e.guard]!({ event }));
      expect(taken?.id).toBe(edge.id);

      const snapshot = userDeploymentMachine.resolveState({ value: edge.source, context: {} });
      const [next] = transition(userDeploymentMachine, snapshot, event);
      expect(next.value).toBe(edge.target);

      const decision = decideUserDeployment(status(edge.source), event.observation);
      if (edge.source === edge.target) expect(decision.transitions).toEqual([]);
      else
        expect(decision.transitions[0]).toMatchObject({
          from: edge.source === 'New' ? 'None' : edge.source,
          to: edge.target,
        });
      checkInvariants(status(edge.source), event.observation);
      covered.add(edge.id);
    },
  );

  it('covers all of them, and every phase is entered and left', () => {
    expect(covered.size).toBe(edges.length);
    for (const phase of USER_DEPLOYMENT_PHASES) {
      expect(edges.some((e) => e.source === phase && e.target !== phase)).toBe(true);
      expect(edges.some((e) => e.target === phase && e.source !== phase)).toBe(true);
    }
  });
});

function applyPatch(
  before: UserDeploymentMachineStatus | undefined,
  d: { statusPatch: Record<string, unknown> },
): UserDeploymentMachineStatus {
  const result: Record<string, unknown> = { ...before };
  for (const [key, value] of Object.entries(d.statusPatch)) {
    if (value === null) delete result[key];
    else result[key] = value;
  }
  return result as UserDeploymentMachineStatus;
}

/** What must hold for any decision. */
function checkInvariants(before: UserDeploymentMachineStatus | undefined, o: UserDeploymentObservation) {
  const d = decideUserDeployment(before, o);
  const written = applyPatch(before, d);
  expect(written.phase).toBe(d.nextPhase);
  expect(written.observedGeneration).toBe(o.generation);
  const types = (written.conditions ?? []).map((c) => c.type);
  expect(new Set(types).size).toBe(types.length);
  // Children are created only behind the finalizer, and never while tearing down.
  const kinds = d.commands.map((c) => c.type);
  if (kinds.includes('applyChildren') && d.transitions.length > 0 && d.nextPhase === 'Provisioning')
    expect(kinds.indexOf('addFinalizer')).toBeLessThan(kinds.indexOf('applyChildren'));
  if (d.nextPhase === 'Deleting' || d.nextPhase === 'Deleted') expect(kinds).not.toContain('applyChildren');
  if (kinds.includes('deleteChildren')) expect(d.nextPhase).toBe('Deleting');
  if (kinds.includes('removeFinalizer'))
    expect(d.nextPhase === 'Deleted' || d.transitions.some((t) => t.to === 'Deleted')).toBe(true);
  // Deciding again from what was written changes nothing more (the decision is a fixed point).
  const again = decideUserDeployment(written, o);
  expect(again.transitions).toEqual([]);
  expect(again.statusPatch).toEqual({});
}

describe('shortest paths to every phase (xstate/graph), replayed through decideUserDeployment', () => {
  const paths = getShortestPaths(userDeploymentMachine, {
    events: (): UserDeploymentObserveEvent[] => [
      { type: 'OBSERVE', observation: observation() },
      ...Object.values(WITNESSES).map((tweak): UserDeploymentObserveEvent => ({
        type: 'OBSERVE',
        observation: observation(tweak),
      })),
    ],
    serializeState: (snapshot) => String(snapshot.value),
  });

  it('reaches every phase', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    for (const phase of USER_DEPLOYMENT_PHASES) expect(reached, phase).toContain(phase);
  });

  it.each(paths.map((p) => [String(p.state.value), p] as const))(
    'path to %s keeps the invariants',
    (_t, path) => {
      let current: UserDeploymentMachineStatus | undefined;
      let nowMs = T0;
      for (const step of path.steps.filter((s) => s.event.type === 'OBSERVE')) {
        nowMs += 1_000;
        const o = { ...(step.event as UserDeploymentObserveEvent).observation, nowMs };
        checkInvariants(current, o);
        current = applyPatch(current, decideUserDeployment(current, o));
      }
    },
  );
});

describe('decideUserDeployment', () => {
  it('a new UserDeployment goes to Provisioning at once: finalizer first, then the children', () => {
    const d = decideUserDeployment(undefined, observation());
    expect(d.transitions.map((t) => `${t.from}→${t.to}`)).toEqual(['None→Pending', 'Pending→Provisioning']);
    expect(d.commands.map((c) => c.type)).toEqual(['addFinalizer', 'applyChildren']);
    expect(d.statusPatch).toMatchObject({
      phase: 'Provisioning',
      namespace: 'ud-shop',
      observedGeneration: 1,
      urls: [{ service: 'web', exposure: 'public', url: 'http://web.shop.apps.local' }],
      services: [{ name: 'web', image: 'nginx:1', replicas: 2, readyReplicas: 1, updatedReplicas: 2 }],
    });
    expect(d.statusPatch.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'RollingOut' }),
    );
  });

  it('Running once every replica is ready; a lost replica is Degraded, a new pod template Provisioning', () => {
    const ready = observation(WITNESSES.servicesReady);
    const running = decideUserDeployment({ phase: 'Provisioning' }, ready);
    expect(running.nextPhase).toBe('Running');
    expect(running.statusPatch.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'AllServicesReady' }),
    );
    const degraded = decideUserDeployment({ phase: 'Running' }, observation());
    expect(degraded.nextPhase).toBe('Degraded');
    expect(degraded.statusPatch.conditions).toContainEqual(
      expect.objectContaining({ reason: 'ReplicasUnavailable', message: 'unavailable: web 1/2 ready' }),
    );
    expect(decideUserDeployment({ phase: 'Running' }, observation(WITNESSES.rollingOut)).nextPhase).toBe(
      'Provisioning',
    );
  });

  it('a missing template fails naming the problem, and keeps what already runs', () => {
    const previous: UserDeploymentMachineStatus = {
      phase: 'Running',
      services: [{ name: 'web', replicas: 2, readyReplicas: 2 }],
    };
    const d = decideUserDeployment(previous, observation(WITNESSES.templateUnusable));
    expect(d.nextPhase).toBe('Failed');
    expect(d.commands).toEqual([]);
    expect(d.statusPatch.services).toBeUndefined(); // unchanged
    expect(d.statusPatch.conditions).toContainEqual(
      expect.objectContaining({
        type: 'TemplateValid',
        status: 'False',
        reason: 'TemplateMissing',
        message: 'ConfigMap demo/shop-template not found',
      }),
    );
  });

  it('without the ExternalSecret CRD: a condition says so, Failed only when secrets are requested', () => {
    const absent = { secrets: { requested: 0, crdPresent: false } };
    const ok = decideUserDeployment(undefined, observation(absent));
    expect(ok.nextPhase).toBe('Provisioning');
    expect(ok.statusPatch.conditions).toContainEqual(
      expect.objectContaining({
        type: 'SecretsProvisioned',
        status: 'False',
        message: expect.stringContaining('secrets not provisioned') as string,
      }),
    );
    const failed = decideUserDeployment(undefined, observation(WITNESSES.secretsUnavailable));
    expect(failed.nextPhase).toBe('Failed');
    expect(failed.statusPatch.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', reason: 'ExternalSecretsUnavailable' }),
    );
  });

  it('deletion: Deleting deletes children until none is left, then Deleted lets the finalizer go', () => {
    const deleting = decideUserDeployment({ phase: 'Running' }, observation({ beingDeleted: true }));
    expect(deleting.nextPhase).toBe('Deleting');
    expect(deleting.commands).toEqual([{ type: 'deleteChildren' }]);
    expect(deleting.statusPatch.urls).toBe(undefined);
    const gone = decideUserDeployment(
      { phase: 'Deleting' },
      observation({ beingDeleted: true, childrenRemaining: 0 }),
    );
    expect(gone.nextPhase).toBe('Deleted');
    expect(gone.commands).toEqual([{ type: 'removeFinalizer' }]);
  });

  it('is pure: the same input gives the same output', () => {
    const o = observation(WITNESSES.rollingOut);
    expect(decideUserDeployment({ phase: 'Running' }, o)).toEqual(
      decideUserDeployment({ phase: 'Running' }, o),
    );
  });
});

describe('derived views', () => {
  it('USER_DEPLOYMENT_TRANSITIONS are exactly the phase-changing edges, once each', () => {
    const keys = USER_DEPLOYMENT_TRANSITIONS.map((t) => `${t.from}->${t.to}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(keys)).toEqual(
      new Set(
        edges
          .filter((e) => e.source !== e.target)
          .map((e) => `${e.source === 'New' ? 'None' : e.source}->${e.target}`),
      ),
    );
  });

  it('every command type is a named action of the machine', () => {
    const implemented = Object.keys(userDeploymentMachine.implementations.actions);
    for (const type of USER_DEPLOYMENT_COMMAND_TYPES) expect(implemented).toContain(type);
  });

  it('docs/user-deployment-machine.mmd and .svg are up to date (run `pnpm machines:diagram`)', () => {
    const docs = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));
    expect(readFileSync(docs('user-deployment-machine.mmd'), 'utf8')).toBe(userDeploymentMermaid());
    expect(readFileSync(docs('user-deployment-machine.svg'), 'utf8')).toBe(userDeploymentSvg());
    for (const t of USER_DEPLOYMENT_TRANSITIONS) {
      const from = t.from === 'None' ? '\\[\\*\\]' : t.from;
      expect(userDeploymentMermaid()).toMatch(new RegExp(`^  ${from} --> ${t.to} : `, 'm'));
    }
  });
});
