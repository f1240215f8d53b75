import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { PHASES } from '@ambient-operator/machines';
import { SESSION_PHASES } from '@ambient-operator/shared';
import { REPO_ROOT } from '../scripts/local-stack.js';

// The phase model lives in packages/machines; the CRD's status.phase enum and shared's schema must
// name exactly its phases, or a status we write would be rejected or one we read misunderstood.
test('the machine, the zod schema and the CRD agree on the phases', async () => {
  const crd = parse(await readFile(path.join(REPO_ROOT, 'deploy/crds/agenticsessions-crd.yaml'), 'utf8')) as {
    spec: {
      versions: {
        schema: {
          openAPIV3Schema: { properties: { status: { properties: { phase: { enum: string[] } } } } };
        };
      }[];
    };
  };
  const crdPhases = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.status.properties.phase.enum;
  expect([...PHASES].sort()).toEqual([...(crdPhases ?? [])].sort());
  expect([...SESSION_PHASES].sort()).toEqual([...PHASES].sort());
});
