// The list/watch loop's paginated list against kube-sim: every page once and in order while the next one is already
// asked for, a failed page restarting the list from its first page, and the metadata check of what it hands over.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { SharedAgentKubeConfig } from '@ambient-operator/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WatchError,
  continueTokenOfStart,
  readWatchedObject,
  startListWatch,
  type ListWatch,
} from '../src/list-watch.js';
import { kubeConfigFor, startSim, waitFor } from './harness.js';

const path = '/apis/vteam.ambient-code/v1alpha1/namespaces/team-a/agenticsessions';
let sim: KubeSim;

beforeAll(async () => {
  sim = await startSim(['team-a']);
  sim.createObjects(
    ['s1', 's2', 's3', 's4', 's5'].map((name) => ({
      apiVersion: 'vteam.ambient-code/v1alpha1',
      kind: 'AgenticSession',
      metadata: { name, namespace: 'team-a', labels: { app: name } },
      spec: { initialPrompt: 'hello' },
    })),
  );
});

afterAll(async () => {
  await sim?.stop();
});

interface Page {
  names: string[];
  first: boolean;
  last: boolean;
}

/** Lists with pages of two until the loop is watching; `onPage` runs as each page is handed over. */
async function listInPages(onPage: (page: Page) => void = () => undefined): Promise<Page[]> {
  const pages: Page[] = [];
  const lw: ListWatch = startListWatch({
    kubeConfig: kubeConfigFor(sim),
    path,
    pageSize: 2,
    backoffInitialMs: 10,
    onListPage(objects, { first, last }) {
      const page = { names: objects.map((o) => o.name), first, last };
      pages.push(page);
      onPage(page);
    },
    onEvent: () => undefined,
  });
  try {
    await waitFor('the list to complete', () => lw.state() === 'watching');
  } finally {
    await lw.stop();
  }
  return pages;
}

describe('list-watch list', () => {
  it('hands over every page once, in order, the first and last marked, one request per page', async () => {
    sim.resetRequestCounts();
    const pages = await listInPages();
    expect(pages).toEqual([
      { names: ['s1', 's2'], first: true, last: false },
      { names: ['s3', 's4'], first: false, last: false },
      { names: ['s5'], first: false, last: true },
    ]);
    expect(sim.requestCount({ verb: 'list', resource: 'agenticsessions' })).toBe(3);
  });

  it('starts over from the first page when a later page fails', async () => {
    let armed = false;
    const pages = await listInPages((page) => {
      // The next page may already be on its way when this one is handed over: the failure hits it or the one after.
      if (page.first && !armed) {
        armed = true;
        sim.faults.failNext({ status: 500, verb: 'list', resource: 'agenticsessions' });
      }
    });
    const names = pages.map((p) => p.names.join(','));
    const restart = pages.findLastIndex((p) => p.first);
    expect(restart).toBeGreaterThan(0);
    expect(names.slice(0, restart)).toEqual(['s1,s2', 's3,s4'].slice(0, restart));
    expect(names.slice(restart)).toEqual(['s1,s2', 's3,s4', 's5']);
    expect(pages.filter((p) => p.last)).toHaveLength(1);
  });
});

describe('list-watch list: the next page asked for from the start of this one', () => {
  it('reads the continue token from the start of a body, when it starts with the metadata', () => {
    const head = '{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":';
    expect(continueTokenOfStart(`${head}{"resourceVersion":"7","continue":"abc"},"items":[{"kind`)).toBe(
      'abc',
    );
    expect(continueTokenOfStart(`${head}{"resourceVersion":"7"},"items":[]}`)).toBeUndefined();
    expect(continueTokenOfStart(`${head}{"resourceVersion":"7","continue":""},"items":[`)).toBeUndefined();
    // Not told: not there yet, or written in another order.
    expect(continueTokenOfStart(`${head}{"resourceVersion":"7","contin`)).toBeNull();
    expect(continueTokenOfStart('{"items":[],"metadata":{"continue":"abc"}}')).toBeNull();
    expect(continueTokenOfStart('{"kind":"Status","items":[]}')).toBeNull();
  });

  /** A list server of three pages of one object each, as `write` puts them in the body; the watch ends at once. */
  async function servePages(
    write: (page: { items: object[]; continueToken: string | undefined }, attempt: number) => string,
  ): Promise<{ kubeConfig: SharedAgentKubeConfig; close(): Promise<void> }> {
    const attempts = new Map<string, number>();
    const server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.searchParams.get('watch') === 'true') return res.end();
      const page = Number(url.searchParams.get('continue') ?? 0);
      const attempt = (attempts.get(String(page)) ?? 0) + 1;
      attempts.set(String(page), attempt);
      const items = [{ metadata: { name: `s${page + 1}`, namespace: 'team-a' } }];
      res.setHeader('content-type', 'application/json');
      res.end(write({ items, continueToken: page < 2 ? String(page + 1) : undefined }, attempt));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const kubeConfig = new SharedAgentKubeConfig();
    kubeConfig.loadFromOptions({
      // (client-node refuses plain HTTP unless told to skip TLS verification.)
      clusters: [
        {
          name: 'c',
          server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          skipTLSVerify: true,
        },
      ],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return {
      kubeConfig,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  async function listOf(
    kubeConfig: SharedAgentKubeConfig,
  ): Promise<{ pages: string[][]; errors: unknown[] }> {
    const pages: string[][] = [];
    const errors: unknown[] = [];
    const lw = startListWatch({
      kubeConfig,
      path,
      backoffInitialMs: 10,
      onListPage: (objects) => void pages.push(objects.map((o) => o.name)),
      onEvent: () => undefined,
      onRestart: (reason, err) => void (reason === 'error' && errors.push(err)),
    });
    try {
      await waitFor('the list to complete', () => lw.synced());
    } finally {
      await lw.stop();
    }
    return { pages, errors };
  }

  it('lists a server that writes the items before the metadata, each page asked for once it is read', async () => {
    const server = await servePages(({ items, continueToken }) =>
      JSON.stringify({ items, metadata: { resourceVersion: '9', continue: continueToken } }),
    );
    try {
      expect(await listOf(server.kubeConfig)).toEqual({ pages: [['s1'], ['s2'], ['s3']], errors: [] });
    } finally {
      await server.close();
    }
  });

  it('starts over when the start of a page told another continue token than the whole page', async () => {
    // JSON.parse keeps the last of two `metadata` keys: the second page's first answer starts with a wrong token.
    const server = await servePages(({ items, continueToken }, attempt) => {
      const meta = JSON.stringify({ resourceVersion: '9', continue: continueToken });
      const told = continueToken === '2' && attempt === 1 ? JSON.stringify({ continue: 'wrong' }) : meta;
      return `{"metadata":${told},"items":${JSON.stringify(items)},"metadata":${meta}}`;
    });
    try {
      const { pages, errors } = await listOf(server.kubeConfig);
      expect(errors).toEqual([expect.any(WatchError)]);
      expect((errors[0] as WatchError).kind).toBe('BadResponse');
      // The first try handed over the first page only; the second, every page.
      expect(pages).toEqual([['s1'], ['s1'], ['s2'], ['s3']]);
    } finally {
      await server.close();
    }
  });
});

describe('readWatchedObject', () => {
  it('returns the metadata of a well-formed object, and says what is wrong with any other', () => {
    const metadata = {
      name: 's1',
      namespace: 'team-a',
      generation: 2,
      labels: { a: 'b' },
      finalizers: ['f'],
      ownerReferences: [{ kind: 'Job', name: 'j', controller: true, uid: 'u' }],
      creationTimestamp: '2026-01-01T00:00:00Z',
    };
    expect(readWatchedObject({ metadata })).toBe(metadata);
    expect(readWatchedObject({})).toBe('metadata: expected an object');
    expect(readWatchedObject({ metadata: { namespace: 'x' } })).toBe('metadata.name: expected a string');
    expect(readWatchedObject({ metadata: { name: 'x', generation: '1' } })).toBe(
      'metadata.generation: expected a number',
    );
    expect(readWatchedObject({ metadata: { name: 'x', labels: { a: 1 } } })).toBe(
      'metadata.labels: expected strings',
    );
    expect(readWatchedObject({ metadata: { name: 'x', finalizers: 'f' } })).toBe(
      'metadata.finalizers: expected strings',
    );
    expect(readWatchedObject({ metadata: { name: 'x', ownerReferences: [{ kind: 'Job' }] } })).toMatch(
      /^metadata.ownerReferences/,
    );
  });
});
