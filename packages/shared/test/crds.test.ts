import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';

const fixtures = new URL('./fixtures/upstream/', import.meta.url);
const deployCrds = new URL('../../../deploy/crds/', import.meta.url);
const read = (url: URL) => readFileSync(url, 'utf8');

const ADDITIVE_STATUS_FIELDS = [
  'runnerRecreations',
  'lastRunnerRecreationTime',
  'phaseTransitionTime',
  'phaseHistory',
];

type Crd = {
  spec: {
    versions: {
      schema: { openAPIV3Schema: { properties: { status: { properties: Record<string, unknown> } } } };
      additionalPrinterColumns?: { name: string; priority?: number }[];
    }[];
  };
};

describe('deploy/crds is upstream plus our documented additions', () => {
  test('ProjectSettings CRD is byte-identical to upstream', () => {
    expect(read(new URL('projectsettings-crd.yaml', deployCrds))).toBe(
      read(new URL('components__manifests__base__crds__projectsettings-crd.yaml', fixtures)),
    );
  });

  test('AgenticSession CRD is upstream byte-for-byte once the additive block is removed', () => {
    const ours = read(new URL('agenticsessions-crd.yaml', deployCrds));
    const upstream = read(new URL('components__manifests__base__crds__agenticsessions-crd.yaml', fixtures));
    const start = ours.indexOf('              # --- Additive fields');
    const end = ours.indexOf('  scope: Namespaced');
    expect(start).toBeGreaterThan(0);
    expect(ours.slice(0, start) + ours.slice(end)).toBe(upstream);
  });

  test('the additions are exactly the four optional status fields and the printer columns', () => {
    const ours = parse(read(new URL('agenticsessions-crd.yaml', deployCrds))) as Crd;
    const upstream = parse(
      read(new URL('components__manifests__base__crds__agenticsessions-crd.yaml', fixtures)),
    ) as Crd;
    const ourSchema = ours.spec.versions[0]!.schema.openAPIV3Schema;
    const upstreamSchema = upstream.spec.versions[0]!.schema.openAPIV3Schema;
    const ourStatus = ourSchema.properties.status.properties;
    expect(Object.keys(ourStatus).filter((k) => !(k in upstreamSchema.properties.status.properties))).toEqual(
      ADDITIVE_STATUS_FIELDS,
    );
    const withoutAdditions = structuredClone(ours);
    const status = withoutAdditions.spec.versions[0]!.schema.openAPIV3Schema.properties.status;
    for (const field of ADDITIVE_STATUS_FIELDS) delete status.properties[field];
    const version = withoutAdditions.spec.versions[0]!;
    expect(version.additionalPrinterColumns?.map((c) => [c.name, c.priority ?? 0])).toEqual([
      ['Phase', 0],
      ['Display name', 1],
      ['Model', 1],
      ['Started', 0],
      ['Age', 0],
    ]);
    delete version.additionalPrinterColumns;
    expect(withoutAdditions).toEqual(upstream);
    expect(ourStatus['phaseHistory']).toMatchObject({
      type: 'array',
      maxItems: 20,
      items: { required: ['to', 'at'] },
    });
    expect(ourStatus['runnerRecreations']).toMatchObject({ type: 'integer', minimum: 0 });
  });
});
