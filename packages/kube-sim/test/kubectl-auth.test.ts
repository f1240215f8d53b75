import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { startKubeSim } from '@ambient-operator/kube-sim';
import { Kubectl } from './helpers.js';

// kube-sim enforces no RBAC: kubectl's self-reviews say so instead of failing with 404.
let sim: KubeSim;
let kubectl: Kubectl;

beforeAll(async () => {
  sim = await startKubeSim({});
  kubectl = await Kubectl.create(sim);
}, 30_000);

afterAll(async () => {
  await sim?.stop();
  await kubectl?.dispose();
});

describe('kubectl auth against kube-sim', () => {
  it('can-i answers yes (SelfSubjectAccessReview) and --list lists every rule', async () => {
    expect(await kubectl.ok(['auth', 'can-i', 'create', 'pods', '-n', 'default'])).toBe('yes\n');
    expect(await kubectl.ok(['auth', 'can-i', '--list'])).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
  });

  it('whoami names the one user (SelfSubjectReview)', async () => {
    expect(await kubectl.ok(['auth', 'whoami'])).toMatch(/Username\s+kube-sim-user/);
  });

  it('a review is create-only: a GET is 405', async () => {
    const res = await fetch(`${sim.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`);
    expect(res.status).toBe(405);
  });
});
