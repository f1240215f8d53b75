import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { condition, startTestCluster, type TestCluster } from '@ambient-operator/testing';

// Status the platform's UI reads (contract §1.1, §4): reconciledRepos once the runner is created (as
// upstream writes them when it builds the pod), S3Available (upstream's only warning that session state
// will not persist), and secret messages that say where the secret is expected.

let cluster: TestCluster;
beforeAll(async () => {
  // No S3 credentials anywhere: the operator defaults point at AWS without keys.
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describe('status the UI relies on', () => {
  test('reconciledRepos and ReposReconciled are written with the runner, not only after a spec sync', async () => {
    await cluster.createSession('with-repos', {
      repos: [
        { url: 'https://github.com/acme/web.git', branch: 'dev' },
        { url: 'https://github.com/acme/api' },
      ],
    });
    const created = await cluster.waitForSession(
      'with-repos',
      (s) => ['Creating', 'Running'].includes(s.status?.phase ?? ''),
      'runner created',
    );
    expect(created.status?.reconciledRepos).toEqual([
      expect.objectContaining({
        url: 'https://github.com/acme/web.git',
        name: 'web',
        branch: 'dev',
        status: 'Ready',
      }),
      expect.objectContaining({
        url: 'https://github.com/acme/api',
        name: 'api',
        branch: 'main',
        status: 'Ready',
      }),
    ]);
    expect(condition(created, 'ReposReconciled')).toMatchObject({ status: 'True', reason: 'Reconciled' });
  });

  test('S3Available=False/NotConfigured says session state will not persist', async () => {
    await cluster.createSession('no-s3');
    const created = await cluster.waitForSession(
      'no-s3',
      (s) => condition(s, 'S3Available') !== undefined,
      'S3Available written',
    );
    expect(condition(created, 'S3Available')).toMatchObject({ status: 'False', reason: 'NotConfigured' });
    expect(condition(created, 'S3Available')?.message).toMatch(/^Session state will not persist/);
  });

  test('a missing runner secret is reported with the namespace where it is expected', async () => {
    await cluster.core.deleteNamespacedSecret({ namespace: 'demo', name: 'ambient-runner-secrets' });
    try {
      await cluster.createSession('no-secret');
      const waiting = await cluster.waitForSession(
        'no-secret',
        (s) => condition(s, 'SecretsReady')?.status === 'False',
        'SecretsReady False',
      );
      expect(condition(waiting, 'SecretsReady')?.message).toBe(
        'Secret ambient-runner-secrets not found in namespace demo',
      );
    } finally {
      await cluster.core.createNamespacedSecret({
        namespace: 'demo',
        body: { metadata: { name: 'ambient-runner-secrets' }, stringData: { ANTHROPIC_API_KEY: 'sk-test' } },
      });
    }
  });
});
