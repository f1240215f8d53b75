import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { condition, startTestCluster, type TestCluster } from '@ambient-operator/testing';

// One bad entry of the platform's agent registry (a ConfigMap edited by hand) used to be a terminal error
// for every session (first raised in ensureNetworkPolicy, with no condition). Now it costs that entry: its
// sessions run on the defaults, as upstream gives an unknown runner type, and say so in a condition.

let cluster: TestCluster;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'config-fallback-'));
  const registry = path.join(dir, 'agent-registry.json');
  await writeFile(
    registry,
    JSON.stringify([
      { id: 'claude-agent-sdk', container: { resources: { limits: { memory: 'plenty' } } } },
      { id: 'gemini-cli', container: { port: 8001 } },
    ]),
  );
  cluster = await startTestCluster({ env: { AGENT_REGISTRY_PATH: registry } });
});
afterAll(async () => {
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a bad agent registry entry', () => {
  test('its sessions run on the defaults with RunnerConfigured=False naming the entry; others are untouched', async () => {
    await cluster.createSession('bad-entry');
    await cluster.createSession('good-entry', { environmentVariables: { RUNNER_TYPE: 'gemini-cli' } });
    const bad = await cluster.waitForSession('bad-entry', (s) => s.status?.phase === 'Running', 'Running');
    expect(condition(bad, 'RunnerConfigured')).toMatchObject({ status: 'False', reason: 'DefaultsApplied' });
    expect(condition(bad, 'RunnerConfigured')?.message).toMatch(
      /agent registry entry "claude-agent-sdk" skipped, its runners use the defaults: .*limits\.memory/,
    );
    const job = await cluster.batch.readNamespacedJob({ namespace: 'demo', name: 'bad-entry-runner' });
    const runner = job.spec?.template.spec?.containers.find((c) => c.name === 'ambient-code-runner');
    expect(runner?.resources?.limits).toEqual({ cpu: '2000m', memory: '8Gi' });
    const good = await cluster.waitForSession('good-entry', (s) => s.status?.phase === 'Running', 'Running');
    expect(condition(good, 'RunnerConfigured')).toMatchObject({ status: 'True', reason: 'Configured' });
  });
});
