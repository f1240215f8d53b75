import { describe, expect, test } from 'vitest';
import {
  ChildInputError,
  DEFAULT_RUNNER_RESOURCES,
  isValidQuantity,
  loadAgentRegistry,
  parseAgentRegistry,
  problemsConcerning,
  resolveRuntime,
  resolveStateDir,
  runnerPortsOf,
  runnerTypeOf,
  type AgentRegistry,
} from '../../src/children/index.js';
import { SAMPLE_REGISTRY } from '../fixtures/children-inputs.js';

const entry = (sandbox: Record<string, unknown>, container: Record<string, unknown> = {}): AgentRegistry =>
  parseAgentRegistry(JSON.stringify([{ id: 'rt', container, sandbox }]));

describe('parseAgentRegistry', () => {
  test('parses the upstream-shaped registry and tolerates fields the operator does not use', () => {
    expect(SAMPLE_REGISTRY.map((e) => e.id)).toEqual(['claude-agent-sdk', 'gemini-cli']);
    expect(SAMPLE_REGISTRY[0]?.container?.resources?.limits).toEqual({ cpu: '2', memory: '4Gi' });
    expect(SAMPLE_REGISTRY[0]).not.toHaveProperty('models');
  });

  test('malformed JSON is a ChildInputError naming the registry', () => {
    const error = (() => {
      try {
        parseAgentRegistry('[{"id": "x",');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ChildInputError);
    expect((error as ChildInputError).reason).toBe('InvalidAgentRegistry');
    expect((error as ChildInputError).kind).toBe('terminal');
    expect((error as Error).message).toMatch(/agent registry is not valid JSON/);
  });

  test('schema errors list every offending path', () => {
    const bad = JSON.stringify([
      { id: '' },
      { id: 'x', container: { port: 'eighty' } },
      { id: 'y', container: { resources: { limits: { memory: 'lots' } } } },
    ]);
    expect(() => parseAgentRegistry(bad)).toThrow(
      /\[0\]\.id[\s\S]*\[1\]\.container\.port[\s\S]*limits\.memory/,
    );
    expect(() => parseAgentRegistry('{"id":"x"}')).toThrow(/expected array/);
  });
});

describe('resolveRuntime', () => {
  test('returns the entry by id (upstream getRuntimeSpec)', () => {
    const runtime = resolveRuntime(SAMPLE_REGISTRY, 'gemini-cli');
    expect(runtime.fromRegistry).toBe(true);
    expect(runtime.runnerImage).toBe('quay.io/ambient_code/gemini_runner:v1.2.3');
    expect(runtime.registryStateDir).toBe('.gemini');
    expect(runtime.env).toEqual({ RUNNER_TYPE: 'gemini-cli' });
  });

  test('an unknown id or a missing registry gives the defaults with every component', () => {
    for (const runtime of [
      resolveRuntime(SAMPLE_REGISTRY, 'nope'),
      resolveRuntime(undefined, 'claude-agent-sdk'),
    ]) {
      expect(runtime).toEqual({
        runnerType: runtime.runnerType,
        fromRegistry: false,
        port: 8001,
        env: {},
        resources: DEFAULT_RUNNER_RESOURCES,
        persistence: 's3',
        workspaceSize: '10Gi',
        terminationGracePeriodSeconds: 60,
        components: { workspaceVolume: true, initContainer: true, stateSyncSidecar: true },
      });
    }
  });

  test.each([
    // persistence, cloneRepos, hydrateState → workspace, init, sidecar
    ['s3', true, true, true, true, true],
    ['s3', false, false, true, false, true],
    ['none', true, false, true, true, false],
    ['none', false, false, false, false, false],
    // upstream §10.14: hydrate-only without persistence mounted a volume that did not exist
    ['none', false, true, true, true, false],
    [undefined, false, false, true, false, true],
  ])(
    'components for persistence=%s cloneRepos=%s hydrateState=%s',
    (persistence, cloneRepos, hydrateState, workspaceVolume, initContainer, stateSyncSidecar) => {
      const runtime = resolveRuntime(entry({ persistence, seed: { cloneRepos, hydrateState } }), 'rt');
      expect(runtime.components).toEqual({ workspaceVolume, initContainer, stateSyncSidecar });
    },
  );

  test('an entry without seed clones and hydrates nothing (Go zero values), unlike a missing entry', () => {
    expect(resolveRuntime(entry({ persistence: 's3' }), 'rt').components.initContainer).toBe(false);
  });

  test('workspace size: the registry value, or 10Gi when absent or invalid', () => {
    expect(resolveRuntime(entry({ workspaceSize: '50Gi' }), 'rt').workspaceSize).toBe('50Gi');
    expect(resolveRuntime(entry({ workspaceSize: 'ten gigs' }), 'rt').workspaceSize).toBe('10Gi');
    expect(resolveRuntime(entry({ workspaceSize: '' }), 'rt').workspaceSize).toBe('10Gi');
    expect(resolveRuntime(entry({}), 'rt').workspaceSize).toBe('10Gi');
  });

  test('termination grace and port: registry values, 0 or absent fall back to 60 s and 8001', () => {
    expect(resolveRuntime(entry({ terminationGracePeriod: 120 }, { port: 9000 }), 'rt')).toMatchObject({
      terminationGracePeriodSeconds: 120,
      port: 9000,
    });
    expect(resolveRuntime(entry({ terminationGracePeriod: 0 }, { port: 0 }), 'rt')).toMatchObject({
      terminationGracePeriodSeconds: 60,
      port: 8001,
    });
  });

  test('resources: defaults overridden key by key', () => {
    const runtime = resolveRuntime(entry({}, { resources: { limits: { memory: '16Gi' } } }), 'rt');
    expect(runtime.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { cpu: '2000m', memory: '16Gi' },
    });
  });

  test('images stay undefined when the entry names none, so the operator images apply', () => {
    const runtime = resolveRuntime(entry({}), 'rt');
    expect(runtime.runnerImage).toBeUndefined();
    expect(runtime.stateSyncImage).toBeUndefined();
  });

  test('RUNNER_TYPE in the spec env chooses the runtime, default claude-agent-sdk', () => {
    expect(runnerTypeOf({})).toBe('claude-agent-sdk');
    expect(runnerTypeOf({ environmentVariables: { RUNNER_TYPE: '  ' } })).toBe('claude-agent-sdk');
    expect(runnerTypeOf({ environmentVariables: { RUNNER_TYPE: 'gemini-cli' } })).toBe('gemini-cli');
  });
});

describe('resolveStateDir', () => {
  const runtime = resolveRuntime(SAMPLE_REGISTRY, 'gemini-cli');

  test('registry stateDir, overridden by RUNNER_STATE_DIR, else .claude', () => {
    expect(resolveStateDir(runtime, {})).toBe('.gemini');
    expect(resolveStateDir(runtime, { RUNNER_STATE_DIR: '.state/agent/' })).toBe('.state/agent');
    expect(resolveStateDir(resolveRuntime(undefined, 'x'), undefined)).toBe('.claude');
  });

  test.each(['/etc', '../escape', 'a/../../b'])(
    'rejects %s (the API server would reject the subPath)',
    (dir) => {
      expect(() => resolveStateDir(runtime, { RUNNER_STATE_DIR: dir })).toThrow(ChildInputError);
    },
  );
});

describe('runnerPortsOf and quantities', () => {
  test('collects every registry port plus the default', () => {
    const registry = parseAgentRegistry(
      JSON.stringify([
        { id: 'a', container: { port: 9100 } },
        { id: 'b' },
        { id: 'c', container: { port: 8001 } },
      ]),
    );
    expect(runnerPortsOf(registry)).toEqual([8001, 9100]);
    expect(runnerPortsOf(undefined)).toEqual([8001]);
  });

  test.each([
    ['500m', true],
    ['2', true],
    ['1.5Gi', true],
    ['10G', true],
    ['1e3', true],
    ['-1', false],
    ['10 Gi', false],
    ['Gi', false],
    ['1GiB', false],
  ])('isValidQuantity(%s) = %s', (value, valid) => {
    expect(isValidQuantity(value)).toBe(valid);
  });
});

describe('loadAgentRegistry: one bad entry costs that entry only', () => {
  const good = { id: 'claude-agent-sdk', container: { image: 'runner:2', port: 8001 } };

  test('a bad quantity skips its entry: its sessions get the defaults, the others keep theirs', () => {
    const loaded = loadAgentRegistry(
      JSON.stringify([good, { id: 'gemini-cli', container: { resources: { limits: { memory: 'lots' } } } }]),
    );
    expect(loaded.registry?.map((e) => e.id)).toEqual(['claude-agent-sdk']);
    expect(loaded.problems).toEqual([
      {
        scope: 'entry',
        id: 'gemini-cli',
        message: expect.stringMatching(
          /^agent registry entry "gemini-cli" skipped, its runners use the defaults: .*limits\.memory/,
        ),
      },
    ]);
    expect(resolveRuntime(loaded.registry, 'gemini-cli').fromRegistry).toBe(false);
    expect(resolveRuntime(loaded.registry, 'claude-agent-sdk').runnerImage).toBe('runner:2');
    expect(problemsConcerning(loaded.problems, 'gemini-cli')).toHaveLength(1);
    expect(problemsConcerning(loaded.problems, 'claude-agent-sdk')).toEqual([]);
  });

  test('an entry without a usable id is skipped and concerns no session', () => {
    const loaded = loadAgentRegistry(JSON.stringify([good, { id: 7 }]));
    expect(loaded.registry?.map((e) => e.id)).toEqual(['claude-agent-sdk']);
    expect(loaded.problems.map((p) => [p.scope, p.id])).toEqual([['entry', undefined]]);
    expect(loaded.problems[0]?.message).toMatch(/^agent registry entry \[1\] skipped/);
    expect(problemsConcerning(loaded.problems, 'claude-agent-sdk')).toEqual([]);
  });

  test('a JSON error or a non-array makes the whole file unusable: every session on defaults, and concerned', () => {
    for (const text of ['[{"id": "x",', '{"id": "x"}']) {
      const loaded = loadAgentRegistry(text);
      expect(loaded.registry).toBeUndefined();
      expect(loaded.problems.map((p) => p.scope)).toEqual(['file']);
      expect(problemsConcerning(loaded.problems, 'anything')).toHaveLength(1);
    }
  });

  test('a valid registry has no problems and the same entries as the strict parser', () => {
    const text = JSON.stringify([good]);
    expect(loadAgentRegistry(text)).toEqual({ registry: parseAgentRegistry(text), problems: [] });
  });
});
