import { describe, expect, test } from 'vitest';
import { nativeSidecarsSupported, prunedStatusFields } from '../src/cluster-probe.js';

describe('cluster probe', () => {
  test('native sidecars from Kubernetes 1.29, provider suffixes on the minor included', () => {
    expect(nativeSidecarsSupported({ major: '1', minor: '28' })).toBe(false);
    expect(nativeSidecarsSupported({ major: '1', minor: '28+' })).toBe(false);
    expect(nativeSidecarsSupported({ major: '1', minor: '29' })).toBe(true);
    expect(nativeSidecarsSupported({ major: '1', minor: '31+' })).toBe(true);
  });

  test('status fields a CRD would prune: all without them, none with them or with preserve-unknown-fields', () => {
    const crd = (status: Record<string, unknown>) => ({
      spec: { versions: [{ name: 'v1alpha1', schema: { openAPIV3Schema: { properties: { status } } } }] },
    });
    expect(prunedStatusFields(crd({ properties: { phase: {} } }))).toEqual([
      'runnerRecreations',
      'lastRunnerRecreationTime',
      'phaseTransitionTime',
      'phaseHistory',
    ]);
    expect(
      prunedStatusFields(
        crd({
          properties: {
            runnerRecreations: {},
            lastRunnerRecreationTime: {},
            phaseTransitionTime: {},
            phaseHistory: {},
          },
        }),
      ),
    ).toEqual([]);
    expect(prunedStatusFields(crd({ 'x-kubernetes-preserve-unknown-fields': true }))).toEqual([]);
  });
});
