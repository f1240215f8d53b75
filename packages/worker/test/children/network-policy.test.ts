import { describe, expect, test } from 'vitest';
import { buildRunnerNetworkPolicy, parseAgentRegistry, runnerPortsOf } from '../../src/children/index.js';

describe('runner NetworkPolicy', () => {
  const registry = parseAgentRegistry(
    JSON.stringify([
      { id: 'claude-agent-sdk', container: { port: 8001 } },
      { id: 'custom', container: { port: 9100 } },
    ]),
  );
  const policy = buildRunnerNetworkPolicy({
    namespace: 'team-a',
    backendNamespace: 'ambient-code',
    operatorNamespace: 'ambient-code',
    ports: runnerPortsOf(registry),
  });

  test('allows only the backend namespace, on every runner port of the registry (not a hard-coded 8001)', () => {
    expect(policy).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'runner-allow-backend-only',
        namespace: 'team-a',
        labels: { app: 'ambient-code', 'ambient-code.io/managed-by': 'operator' },
      },
      spec: {
        podSelector: { matchLabels: { app: 'ambient-code-runner' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ambient-code' } } }],
            ports: [
              { protocol: 'TCP', port: 8001 },
              { protocol: 'TCP', port: 9100 },
            ],
          },
        ],
      },
    });
    expect(policy.metadata?.ownerReferences).toBeUndefined();
  });

  test('admits the operator namespace too when the operator runs apart from the backend', () => {
    const peers = buildRunnerNetworkPolicy({
      namespace: 'team-a',
      backendNamespace: 'ambient-code',
      operatorNamespace: 'ambient-session-operator',
      ports: [8001],
    }).spec?.ingress?.[0]?.from?.map((peer) => peer.namespaceSelector?.matchLabels);
    expect(peers).toEqual([
      { 'kubernetes.io/metadata.name': 'ambient-code' },
      { 'kubernetes.io/metadata.name': 'ambient-session-operator' },
    ]);
  });

  test('ports are de-duplicated and sorted', () => {
    const ports = buildRunnerNetworkPolicy({
      namespace: 'n',
      backendNamespace: 'b',
      operatorNamespace: 'b',
      ports: [9100, 8001, 9100],
    }).spec?.ingress?.[0]?.ports;
    expect(ports?.map((p) => p.port)).toEqual([8001, 9100]);
  });

  test('is built with the JSON names the API server reads (from, not the client-node model name _from)', () => {
    const ingress = policy.spec?.ingress?.[0] ?? {};
    expect(Object.keys(ingress).sort()).toEqual(['from', 'ports']);
  });
});
