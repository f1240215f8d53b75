// The list/watch loop's paginated list against kube-sim: every page once and in order while the next one is already
// asked for, a failed page restarting the list from its first page, and the metadata check of what it hands over.
import type { KubeSim } from '@ambient-operator/kube-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWatchedObject, startListWatch, type ListWatch } from '../src/list-watch.js';
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
