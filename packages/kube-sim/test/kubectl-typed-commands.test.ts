import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { startKubeSim } from '@ambient-operator/kube-sim';
import { Kubectl } from './helpers.js';

// kubectl's typed subcommands send protobuf bodies (application/vnd.kubernetes.protobuf); kube-sim decodes them.
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

const getJson = async (args: string[]): Promise<Record<string, unknown>> =>
  JSON.parse(await kubectl.ok(['get', ...args, '-o', 'json'])) as Record<string, unknown>;

describe('kubectl typed create commands against kube-sim', () => {
  it('creates a namespace, a generic secret, a configmap and a service account', async () => {
    expect(await kubectl.ok(['create', 'namespace', 'typed'])).toContain('namespace/typed created');
    await kubectl.ok(['label', 'namespace', 'typed', 'team=a']);
    expect(await getJson(['namespace', 'typed'])).toMatchObject({
      metadata: { name: 'typed', labels: { team: 'a', 'kubernetes.io/metadata.name': 'typed' } },
      status: { phase: 'Active' },
    });

    await kubectl.ok(['create', 'secret', 'generic', 'creds', '-n', 'typed', '--from-literal=token=s3cr3t']);
    const secret = await getJson(['secret', 'creds', '-n', 'typed']);
    expect(secret).toMatchObject({
      type: 'Opaque',
      data: { token: Buffer.from('s3cr3t').toString('base64') },
    });

    await kubectl.ok([
      'create',
      'configmap',
      'settings',
      '-n',
      'typed',
      '--from-literal=a=1',
      '--from-literal=b=x y',
    ]);
    expect(await getJson(['configmap', 'settings', '-n', 'typed'])).toMatchObject({
      data: { a: '1', b: 'x y' },
    });

    expect(await kubectl.ok(['create', 'serviceaccount', 'robot', '-n', 'typed'])).toContain(
      'serviceaccount/robot created',
    );
    expect(await getJson(['serviceaccount', 'robot', '-n', 'typed'])).toMatchObject({
      metadata: { name: 'robot', namespace: 'typed' },
    });
  });

  it('creates a job whose pod runs with its command, and answers AlreadyExists like a real server', async () => {
    await kubectl.ok(['create', 'namespace', 'jobs']);
    await kubectl.ok(['create', 'job', 'once', '-n', 'jobs', '--image=busybox:1.36', '--', 'echo', 'hi']);
    const job = await getJson(['job', 'once', '-n', 'jobs']);
    expect(job).toMatchObject({
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'once', image: 'busybox:1.36', command: ['echo', 'hi'] }],
          },
        },
      },
    });
    const again = await kubectl.run(['create', 'namespace', 'jobs']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('Error from server (AlreadyExists): namespaces "jobs" already exists');
  });

  it('still refuses a protobuf body for a kind it cannot decode with 415', async () => {
    const res = await fetch(`${sim.url}/api/v1/namespaces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' },
      body: Buffer.from('not protobuf'),
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ reason: 'UnsupportedMediaType', code: 415 });
  });
});

describe('query booleans as the API server parses them', () => {
  it.each(['True', 't', 'TRUE', '1', 'yes', ''])('watch=%s starts a watch', async (value) => {
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/namespaces?watch=${value}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    controller.abort();
  });

  it.each(['False', 'FALSE', '0', 'false'])('watch=%s lists', async (value) => {
    const res = await fetch(`${sim.url}/api/v1/namespaces?watch=${value}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ kind: 'NamespaceList' });
  });
});
