import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { startKubeSim } from '@ambient-operator/kube-sim';
import { Kubectl, createNamespace, kubeConfigFor, waitFor } from './helpers.js';

const NS = 'printing';

/** A CRD of no one's, declaring every column type and a priority-1 column. */
const WIDGET_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
    additionalPrinterColumns:
    - {name: Phase, type: string, jsonPath: .status.phase}
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, priority: 1, jsonPath: .spec.color}
    - {name: Ready, type: boolean, priority: 1, jsonPath: .status.ready}
    - {name: Started, type: date, jsonPath: .status.startTime}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
`;

let sim: KubeSim;
let kubectl: Kubectl;
let events: k8s.EventsV1Api;
let custom: k8s.CustomObjectsApi;

beforeAll(async () => {
  sim = await startKubeSim({});
  const kc = kubeConfigFor(sim);
  events = kc.makeApiClient(k8s.EventsV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  kubectl = await Kubectl.create(sim);
  await createNamespace(kc.makeApiClient(k8s.CoreV1Api), NS);
  await kubectl.ok(['apply', '-f', '-'], WIDGET_CRD);
  await waitFor(async () => (await kubectl.run(['get', 'wd', '-n', NS])).code === 0, 'widgets served');
});

afterAll(async () => {
  await sim?.stop();
  await kubectl?.dispose();
});

describe('additionalPrinterColumns of any CRD', () => {
  it('kubectl get shows the priority-0 columns, -o wide all; missing or mistyped values are blank', async () => {
    await kubectl.ok(
      ['apply', '-n', NS, '-f', '-'],
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3, color: red}\n',
    );
    await kubectl.ok(
      ['apply', '-n', NS, '-f', '-'],
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2}\nspec: {size: "big"}\n',
    );
    const started = new Date(Date.now() - 120_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: 'example.com',
        version: 'v1',
        namespace: NS,
        plural: 'widgets',
        name: 'w1',
        body: { status: { phase: 'Running', ready: true, startTime: started } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

    const table = await kubectl.ok(['get', 'wd', '-n', NS]);
    expect(table).toMatch(/^NAME\s+PHASE\s+SIZE\s+STARTED\s+AGE$/m);
    expect(table).toMatch(/^w1\s+Running\s+3\s+2m\d*s?\s+\d+s$/m);
    // A string where the column says integer is blank, as the API server leaves it null.
    expect(table).toMatch(/^w2\s+\d+s$/m);

    const wide = await kubectl.ok(['get', 'wd', '-n', NS, '-o', 'wide']);
    expect(wide).toMatch(/^NAME\s+PHASE\s+SIZE\s+COLOR\s+READY\s+STARTED\s+AGE$/m);
    expect(wide).toMatch(/^w1\s+Running\s+3\s+red\s+true\s+2m\d*s?\s+\d+s$/m);

    const raw = JSON.parse(
      await kubectl.ok(['get', '--raw', `/apis/example.com/v1/namespaces/${NS}/widgets`], undefined),
    ) as { kind: string };
    expect(raw.kind).toBe('WidgetList'); // without the Table Accept header: the plain list
  });
});

describe('events.k8s.io/v1 Events in kubectl describe', () => {
  it('describe of a custom resource lists its events.k8s.io Events, series as "(xN over …)"', async () => {
    const widget = JSON.parse(await kubectl.ok(['get', 'wd', 'w1', '-n', NS, '-o', 'json'])) as {
      metadata: { uid: string };
    };
    const regarding = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      name: 'w1',
      namespace: NS,
      uid: widget.metadata.uid,
    };
    const first = new Date(Date.now() - 600_000);
    await events.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: 'w1.painted' },
        eventTime: first,
        reportingController: 'example.com/painter',
        reportingInstance: 'painter-0',
        action: 'Paint',
        reason: 'Painted',
        type: 'Normal',
        note: 'painted it red',
        regarding,
      },
    });
    await events.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: 'w1.cracked' },
        eventTime: new Date(),
        reportingController: 'example.com/painter',
        reportingInstance: 'painter-0',
        action: 'Inspect',
        reason: 'Cracked',
        type: 'Warning',
        note: 'the paint cracked',
        regarding,
      },
    });
    // Another widget's event must not show.
    await events.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: 'w2.painted' },
        eventTime: new Date(),
        reportingController: 'example.com/painter',
        reportingInstance: 'painter-0',
        action: 'Paint',
        reason: 'PaintedOther',
        type: 'Normal',
        note: 'other',
        regarding: { ...regarding, name: 'w2', uid: 'other' },
      },
    });
    await events.patchNamespacedEvent(
      {
        name: 'w1.painted',
        namespace: NS,
        body: { series: { count: 4, lastObservedTime: new Date(Date.now() - 60_000).toISOString() } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

    const described = await kubectl.ok(['describe', 'widget', 'w1', '-n', NS]);
    const eventLines = described.slice(described.indexOf('Events:'));
    expect(eventLines).toMatch(/^\s+Type\s+Reason\s+Age\s+From\s+Message$/m);
    expect(eventLines).toMatch(
      /^\s+Normal\s+Painted\s+\d+s \(x4 over 10m\)\s+example\.com\/painter\s+painted it red$/m,
    );
    expect(eventLines).toMatch(/^\s+Warning\s+Cracked\s+\S+\s+example\.com\/painter\s+the paint cracked$/m);
    expect(eventLines).not.toContain('PaintedOther');

    // The core/v1 view follows deletes.
    await events.deleteNamespacedEvent({ name: 'w1.cracked', namespace: NS });
    const after = await kubectl.ok(['describe', 'widget', 'w1', '-n', NS]);
    expect(after).not.toContain('Cracked');
    expect(
      await kubectl.ok([
        'get',
        'events',
        '-n',
        NS,
        '--field-selector',
        'involvedObject.name=w1',
        '-o',
        'name',
      ]),
    ).toBe('event/w1.painted\n');
  });
});
