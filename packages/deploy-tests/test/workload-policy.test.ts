import { describe, expect, it } from 'vitest';
import {
  floatingImages,
  missingReferences,
  parseManifests,
  workloadPolicyViolations,
} from '@ambient-operator/deploy-tests';
import { BUILD_NAMES, build } from './support/builds.js';

describe('every container meets the security and operability rules', () => {
  it.each(BUILD_NAMES)(
    '%s: non-root, no escalation, drop ALL, seccomp, read-only root, resources, probes',
    async (name) => {
      expect(workloadPolicyViolations(await build(name))).toEqual([]);
    },
  );

  it('the rules catch each violation', () => {
    const fixture = parseManifests(
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: sloppy, namespace: x}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      hostNetwork: true
      volumes: [{name: host, hostPath: {path: /}}]
      containers:
        - name: app
          image: app:1
          securityContext: {runAsUser: 0, privileged: true, capabilities: {add: [NET_ADMIN]}}
`,
      'fixture',
    );
    expect(workloadPolicyViolations(fixture)).toEqual([
      'Deployment/x/sloppy: hostNetwork is true',
      'Deployment/x/sloppy: volume host is a hostPath',
      ...[
        'runAsNonRoot is not true',
        'runAsUser is 0 (root)',
        'privileged',
        'allowPrivilegeEscalation is not false',
        'readOnlyRootFilesystem is not true',
        'capabilities do not drop ALL',
        'adds capabilities NET_ADMIN',
        'seccompProfile is not RuntimeDefault',
        'no CPU request',
        'no memory request',
        'no memory limit',
        'no livenessProbe',
        'no readinessProbe',
      ].map((v) => `Deployment/x/sloppy container app: ${v}`),
    ]);
  });
});

describe('images', () => {
  it.each(['production', 'production+external-redis', 'base'] as const)(
    '%s: every image names a version',
    async (name) => {
      expect(floatingImages(await build(name))).toEqual([]);
    },
  );

  it('latest, untagged and registry-port-only images float; tags and digests do not', () => {
    const pod = (image: string) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: x}
spec: {containers: [{name: c, image: "${image}"}]}
`;
    const images = [
      'app:latest',
      'app',
      'localhost:5000/app',
      'app:1.2.3',
      'localhost:5000/app:1',
      'app@sha256:abc',
    ];
    const floating = images.flatMap((image) => floatingImages(parseManifests(pod(image), image)));
    expect(floating).toEqual([
      'Pod/x/p container c: app:latest',
      'Pod/x/p container c: app',
      'Pod/x/p container c: localhost:5000/app',
    ]);
  });
});

describe('what must exist before the pods can start', () => {
  it('the base and production need exactly the Redis password Secret, created out of band', async () => {
    for (const name of ['base', 'production'] as const) {
      expect(missingReferences(await build(name)).map((r) => `${r.kind}/${r.namespace}/${r.name}`)).toEqual([
        'Secret/ambient-code/ambient-redis',
      ]);
    }
  });

  it('dev brings everything it needs', async () => {
    expect(missingReferences(await build('dev'))).toEqual([]);
  });

  it('external Redis needs exactly the URL Secret', async () => {
    for (const name of ['base+external-redis', 'production+external-redis'] as const) {
      expect(missingReferences(await build(name)).map((r) => `${r.kind}/${r.name}`)).toEqual([
        'Secret/ambient-redis-url',
      ]);
    }
  });
});
