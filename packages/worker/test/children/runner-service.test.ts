import { describe, expect, test } from 'vitest';
import { buildRunnerService } from '../../src/children/index.js';
import { sampleSession } from '../fixtures/children-inputs.js';
import { toWire } from '../fixtures/client-model.js';

describe('runner Service', () => {
  const service = buildRunnerService({ session: sampleSession(), port: 9100 });

  test('session-<n>, owned by the session (not the pod, fix §10.7), ClusterIP on the runner port', () => {
    expect(service).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'session-fix-login-bug',
        namespace: 'team-a',
        labels: { app: 'ambient-code', 'agentic-session': 'fix-login-bug' },
        ownerReferences: [
          {
            apiVersion: 'vteam.ambient-code/v1alpha1',
            kind: 'AgenticSession',
            name: 'fix-login-bug',
            uid: '6f1c2d7e-0b7a-4c55-9a43-2f7f1c0e9b11',
            controller: true,
          },
        ],
      },
      spec: {
        type: 'ClusterIP',
        selector: { 'agentic-session': 'fix-login-bug', app: 'ambient-code-runner' },
        ports: [{ name: 'agui', protocol: 'TCP', port: 9100, targetPort: 9100 }],
      },
    });
  });

  test('every field is known to the client model', () => {
    expect(toWire(service, 'V1Service')).toEqual(JSON.parse(JSON.stringify(service)));
  });
});
