import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CustomResourceValidator,
  kubernetesSchemaProblems,
  parseManifests,
  type KubeObject,
} from '@ambient-operator/deploy-tests';
import { BUILD_NAMES, build, paths } from './support/builds.js';

async function crdValidator(): Promise<CustomResourceValidator> {
  return new CustomResourceValidator(
    (await build('base')).filter((o) => o.kind === 'CustomResourceDefinition'),
  );
}

async function example(file: string): Promise<KubeObject[]> {
  return parseManifests(await readFile(join(paths.examples, file), 'utf8'), file);
}

describe('every object validates against its schema', () => {
  it.each(BUILD_NAMES)('%s: Kubernetes, KEDA and Prometheus Operator schemas', async (name) => {
    expect((await build(name)).flatMap(kubernetesSchemaProblems)).toEqual([]);
  });

  it('the validator reports a wrong type, a missing required field and an unknown kind', () => {
    const deployment = parseManifests(
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: broken}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: c, image: x:1, ports: [{containerPort: http}]}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: no-target}
spec: {triggers: []}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
`,
      'fixture',
    );
    const problems = deployment.flatMap(kubernetesSchemaProblems);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/Deployment\/broken: .*containerPort must be integer/);
    expect(problems[1]).toMatch(/ScaledObject\/no-target: .*scaleTargetRef/);
    expect(problems[2]).toMatch(/no schema known for example.com\/v1 Widget/);
  });
});

describe('the example custom resources validate against the CRDs we ship', () => {
  it('examples/agenticsession.yaml and examples/projectsettings.yaml', async () => {
    const validator = await crdValidator();
    const resources = [...(await example('agenticsession.yaml')), ...(await example('projectsettings.yaml'))];
    expect(resources.map((r) => r.kind).sort()).toEqual(['AgenticSession', 'ProjectSettings']);
    expect(resources.flatMap((r) => validator.problems(r))).toEqual([]);
    // The CRD's CEL rule (not evaluated by ajv): ProjectSettings is a singleton named projectsettings.
    expect(resources.find((r) => r.kind === 'ProjectSettings')?.metadata.name).toBe('projectsettings');
  });

  it('examples/namespace.yaml is a managed project namespace', async () => {
    const [namespace] = await example('namespace.yaml');
    expect(namespace?.metadata.labels).toMatchObject({ 'ambient-code.io/managed': 'true' });
    expect(kubernetesSchemaProblems(namespace!)).toEqual([]);
  });

  it('an undeclared field, a wrong type and an unknown enum value are rejected', async () => {
    const validator = await crdValidator();
    const [session] = await example('agenticsession.yaml');
    const broken = structuredClone(session!) as KubeObject & { spec: Record<string, unknown> };
    broken.spec['timeout'] = 'soon';
    broken.spec['bogus'] = true;
    const [settings] = await example('projectsettings.yaml');
    const badRole = structuredClone(settings!) as KubeObject & { spec: { groupAccess: { role: string }[] } };
    badRole.spec.groupAccess[0]!.role = 'owner';
    expect(validator.problems(broken).join('\n')).toMatch(/\/spec\/timeout must be integer/);
    expect(validator.problems(broken).join('\n')).toMatch(/must NOT have additional properties.*bogus/);
    expect(validator.problems(badRole).join('\n')).toMatch(
      /\/spec\/groupAccess\/0\/role must be equal to one of the allowed values/,
    );
  });
});
