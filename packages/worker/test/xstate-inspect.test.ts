import { connect, createServer } from 'node:net';
import { createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import { afterAll, describe, expect, it } from 'vitest';
import type { Decision } from '@ambient-operator/machines';
import { createReconcileInspector } from '../src/xstate-inspect.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function listening(port: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
        .once('connect', () => {
          socket.destroy();
          resolve(true);
        })
        .once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups) c();
});

describe('XSTATE_INSPECT: reconciles streamed to an @statelyai/inspect WebSocket inspector', () => {
  it('registers the session as an actor with the machine definition, then sends the OBSERVE and the next snapshot', async () => {
    const port = await freePort();
    const server = createInspectorServer({ port, autoOpen: false });
    cleanups.push(() => server.stop());
    await listening(port);
    const received: StatelyInspectionEvent[] = [];
    createWebSocketReceiver({ server: `ws://127.0.0.1:${port}` }).subscribe((e) => received.push(e));

    const inspector = createReconcileInspector(`ws://127.0.0.1:${port}`);
    cleanups.push(() => inspector.close());
    const decision: Decision = {
      nextPhase: 'Pending',
      statusPatch: {},
      commands: [],
      beforeStatusWrite: [],
      afterStatusWrite: [],
      transitions: [{ from: 'None', to: 'Pending', reason: 'SessionCreated' }],
    };
    const written = { phase: decision.nextPhase, startTime: new Date().toISOString() };
    inspector.report('demo/hello', undefined, decision, written);

    const deadline = Date.now() + 20_000;
    while (received.filter((e) => e.sessionId === 'session:demo/hello').length < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const mine = received.filter((e) => e.sessionId === 'session:demo/hello');
    expect(mine.map((e) => e.type)).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
    const [actor, event, snapshot] = mine as [
      Extract<StatelyInspectionEvent, { type: '@xstate.actor' }>,
      Extract<StatelyInspectionEvent, { type: '@xstate.event' }>,
      Extract<StatelyInspectionEvent, { type: '@xstate.snapshot' }>,
    ];
    expect(JSON.parse(actor.definition!)).toMatchObject({ id: 'session' });
    expect(actor.snapshot).toMatchObject({ value: 'New' });
    expect(event.event).toMatchObject({
      type: 'OBSERVE',
      transitions: expect.arrayContaining([expect.stringMatching(/^None → Pending/)]),
    });
    expect(snapshot.snapshot).toMatchObject({ value: decision.nextPhase });
  });
});
