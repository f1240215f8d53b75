/**
 * The UserDeployment zod schema IS deploy/crds/userdeployments-crd.yaml: every document of the corpus is
 * validated by zod and by ajv compiled from the CRD (test/support/crd-ajv.ts); both agree on valid/invalid,
 * on the offending field paths and on the defaulted result. The template schema (template.yaml) has no
 * CRD; its cases check the messages a user sees in the Failed condition.
 */
import { describe, expect, test } from 'vitest';
import {
  formatFieldPath,
  validateUserDeployment,
  validateUserDeploymentTemplate,
} from '@ambient-operator/shared';
import { ajvErrorPaths, compileCrd, readCrd } from './support/crd-ajv.js';

const crd = readCrd(new URL('../../../deploy/crds/userdeployments-crd.yaml', import.meta.url));
const validate = compileCrd(crd);

type Verdict = { valid: true; value: unknown } | { valid: false; paths: string[] };

function byZod(doc: unknown): Verdict {
  const result = validateUserDeployment(doc);
  if (result.ok) return { valid: true, value: result.value };
  return { valid: false, paths: [...new Set(result.issues.map((i) => i.path))].sort() };
}

function byAjv(doc: unknown): Verdict {
  const copy: unknown = structuredClone(doc);
  if (validate(copy)) return { valid: true, value: copy };
  const paths = ajvErrorPaths(validate.errors ?? [], copy).map((p) => formatFieldPath(p));
  return { valid: false, paths: [...new Set(paths)].sort() };
}

const UD = { apiVersion: 'scheduler.ambient-code.io/v1alpha1', kind: 'UserDeployment' } as const;
const meta = { name: 'shop', namespace: 'demo' };
const T = '2026-12-05T12:00:00Z';
const ud = (extra: Record<string, unknown>) => ({ ...UD, metadata: meta, ...extra });
const template = { configMapRef: { name: 'shop-template' } };

interface Case {
  name: string;
  doc: unknown;
  expected: 'valid' | string[];
  defaulted?: unknown;
}

const CASES: Case[] = [
  {
    name: 'minimal: desiredState defaults to running',
    doc: ud({ spec: { template } }),
    expected: 'valid',
    defaulted: ud({ spec: { template, desiredState: 'running' } }),
  },
  { name: 'no spec at all', doc: ud({}), expected: 'valid' },
  {
    name: 'every spec field',
    doc: ud({
      spec: {
        desiredState: 'deleted',
        template,
        config: { LOG_LEVEL: 'debug', 'feature.flag': '' },
        secrets: [{ name: 'db-password', remoteKey: 'prod/shop/db' }],
        namespace: 'shop-prod',
        services: [{ name: 'web', replicas: 3, imageTag: 'v2', env: { A: '1' } }, { name: 'api' }],
      },
    }),
    expected: 'valid',
  },
  {
    name: 'every status field',
    doc: ud({
      spec: { template, desiredState: 'running' },
      status: {
        phase: 'Running',
        observedGeneration: 2,
        namespace: 'ud-shop',
        phaseTransitionTime: T,
        urls: [{ service: 'web', exposure: 'public', url: 'http://web.shop.apps.local' }],
        services: [{ name: 'web', image: 'nginx:1', replicas: 2, readyReplicas: 2, updatedReplicas: 2 }],
        conditions: [
          { type: 'Ready', status: 'True', reason: 'AllServicesReady', lastTransitionTime: T },
          { type: 'TemplateValid', status: 'Unknown', observedGeneration: 2 },
        ],
      },
    }),
    expected: 'valid',
  },
  { name: 'spec without template', doc: ud({ spec: {} }), expected: ['spec.template'] },
  {
    name: 'template without configMapRef name',
    doc: ud({ spec: { template: { configMapRef: {} } } }),
    expected: ['spec.template.configMapRef.name'],
  },
  {
    name: 'empty template name',
    doc: ud({ spec: { template: { configMapRef: { name: '' } } } }),
    expected: ['spec.template.configMapRef.name'],
  },
  {
    name: 'unknown desiredState',
    doc: ud({ spec: { template, desiredState: 'stopped' } }),
    expected: ['spec.desiredState'],
  },
  {
    name: 'config values must be strings',
    doc: ud({ spec: { template, config: { PORT: 8080 } } }),
    expected: ['spec.config.PORT'],
  },
  {
    name: 'too many config entries',
    doc: ud({
      spec: { template, config: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`K${i}`, 'v'])) },
    }),
    expected: ['spec.config'],
  },
  {
    name: 'secret without remoteKey and with a bad name',
    doc: ud({ spec: { template, secrets: [{ name: 'DB_PASSWORD' }] } }),
    expected: ['spec.secrets[0].name', 'spec.secrets[0].remoteKey'],
  },
  {
    name: 'too many secrets',
    doc: ud({
      spec: { template, secrets: Array.from({ length: 51 }, (_, i) => ({ name: `s${i}`, remoteKey: 'k' })) },
    }),
    expected: ['spec.secrets'],
  },
  {
    name: 'namespace not a DNS label',
    doc: ud({ spec: { template, namespace: 'Shop_Prod' } }),
    expected: ['spec.namespace'],
  },
  {
    name: 'override: negative replicas, empty tag, numeric env',
    doc: ud({ spec: { template, services: [{ name: 'web', replicas: -1, imageTag: '', env: { A: 1 } }] } }),
    expected: ['spec.services[0].replicas', 'spec.services[0].imageTag', 'spec.services[0].env.A'],
  },
  {
    name: 'override without name',
    doc: ud({ spec: { template, services: [{ replicas: 2 }] } }),
    expected: ['spec.services[0].name'],
  },
  {
    name: 'replicas above 100',
    doc: ud({ spec: { template, services: [{ name: 'web', replicas: 101 }] } }),
    expected: ['spec.services[0].replicas'],
  },
  { name: 'unknown spec field', doc: ud({ spec: { template, image: 'x' } }), expected: ['spec.image'] },
  { name: 'unknown phase', doc: ud({ status: { phase: 'Paused' } }), expected: ['status.phase'] },
  {
    name: 'url with an unknown exposure and no url',
    doc: ud({ status: { urls: [{ service: 'web', exposure: 'none' }] } }),
    expected: ['status.urls[0].exposure', 'status.urls[0].url'],
  },
  {
    name: 'condition with a bad status and time',
    doc: ud({ status: { conditions: [{ type: 'Ready', status: 'Yes', lastTransitionTime: 'now' }] } }),
    expected: ['status.conditions[0].status', 'status.conditions[0].lastTransitionTime'],
  },
  {
    name: 'wrong apiVersion',
    doc: ud({ apiVersion: 'scheduler.ambient-code.io/v1' }),
    expected: ['apiVersion'],
  },
  { name: 'bad name', doc: { ...UD, metadata: { name: 'My_App' } }, expected: ['metadata.name'] },
];

describe('UserDeployment: zod and the CRD agree', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const zod = byZod(c.doc);
    expect(zod).toEqual(byAjv(c.doc));
    if (c.expected === 'valid') {
      expect(zod.valid ? 'valid' : zod.paths).toBe('valid');
      if (zod.valid) expect(zod.value).toEqual(c.defaulted ?? c.doc);
    } else expect(zod.valid ? 'valid' : zod.paths).toEqual([...c.expected].sort());
  });
});

describe('template.yaml', () => {
  test('defaults: one replica, no env, not exposed', () => {
    const result = validateUserDeploymentTemplate({
      services: [{ name: 'web', image: 'nginx:1', port: 80 }],
    });
    expect(result).toEqual({
      ok: true,
      value: {
        services: [{ name: 'web', image: 'nginx:1', port: 80, replicas: 1, env: {}, expose: 'none' }],
      },
    });
  });

  test('problems are named by field', () => {
    const result = validateUserDeploymentTemplate({
      services: [
        { name: 'Web', image: 'nginx', port: 0, expose: 'world' },
        { name: 'db', port: 5432, env: { A: 1 } },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path).sort()).toEqual([
      'services[0].expose',
      'services[0].name',
      'services[0].port',
      'services[1].env.A',
      'services[1].image',
    ]);
    expect(result.issues).toContainEqual({
      path: 'services[0].expose',
      message: 'expected one of public, internal, none',
    });
  });

  test('needs at least one service and unique names', () => {
    expect(validateUserDeploymentTemplate({ services: [] })).toEqual({
      ok: false,
      issues: [{ path: 'services', message: 'expected at least one service' }],
    });
    const twice = { name: 'web', image: 'nginx', port: 80 };
    expect(validateUserDeploymentTemplate({ services: [twice, twice] })).toEqual({
      ok: false,
      issues: [{ path: 'services', message: 'service names must be unique' }],
    });
  });
});
