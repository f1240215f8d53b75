import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  USER_DEPLOYMENT_CONDITION_TYPES,
  USER_DEPLOYMENT_PHASES as MACHINE_PHASES,
} from '@ambient-operator/machines';
import { USER_DEPLOYMENT_PHASES as SCHEMA_PHASES } from '@ambient-operator/shared';
import { REPO_ROOT } from '../scripts/local-stack.js';

type Schema = { enum?: string[]; maxItems?: number; properties?: Record<string, Schema>; items?: Schema };

// The UserDeployment phase model lives in packages/machines; the CRD's enum and shared's zod schema
// must name exactly its phases, and the CRD must hold every condition the machine writes.
test('the UserDeployment machine, the zod schema and the CRD agree on the phases', async () => {
  const crd = parse(await readFile(path.join(REPO_ROOT, 'deploy/crds/userdeployments-crd.yaml'), 'utf8')) as {
    spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
  };
  const status = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.status?.properties;
  expect([...MACHINE_PHASES].sort()).toEqual([...(status?.phase?.enum ?? [])].sort());
  expect([...SCHEMA_PHASES].sort()).toEqual([...MACHINE_PHASES].sort());
  expect(USER_DEPLOYMENT_CONDITION_TYPES.length).toBeLessThanOrEqual(status?.conditions?.maxItems ?? 0);
});
