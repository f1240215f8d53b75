import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';
import { z } from 'zod';
import { sessionPath } from './pages/components.js';

export const QUEUES_BASE_PATH = '/queues';

export interface BullBoardOptions {
  queue: Queue;
  /** No retries, removals, promotions, pauses or cleans from the board (its API answers 405). */
  readOnly: boolean;
}

const jobDataSchema = z.object({ key: z.string().regex(/^[^/]+\/[^/]+$/) });

/** The session key of a job's data, or undefined for data that is not `{ key: "ns/name" }`. */
export function jobSessionKey(data: unknown): { namespace: string; name: string } | undefined {
  const parsed = jobDataSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const [namespace = '', name = ''] = parsed.data.key.split('/');
  return { namespace, name };
}

/**
 * Bull Board for the sessions queue, to be mounted at {@link QUEUES_BASE_PATH}. Every job links to its session:
 * bull-board's `externalJobUrl` hook puts an "open session ns/name" link on each job card, and the job's
 * displayed name becomes `reconcile ns/name` so the key is visible in lists too.
 */
export function createQueuesRouter(options: BullBoardOptions): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUES_BASE_PATH);
  const adapter = new BullMQAdapter(options.queue, {
    readOnlyMode: options.readOnly,
    allowRetries: !options.readOnly,
    description:
      'AgenticSession reconciles: one job per session key (namespace/name); a requeue-after or retry delays that job',
    externalJobUrl: (job) => {
      const ref = jobSessionKey(job.data);
      // A job without a session key gets a harmless link back to the list rather than none.
      return ref
        ? {
            href: sessionPath(ref.namespace, ref.name),
            displayText: `open session ${ref.namespace}/${ref.name}`,
          }
        : { href: '/sessions', displayText: 'sessions' };
    },
  });
  adapter.setFormatter('name', (job: { name?: unknown; data?: unknown }) => {
    const ref = jobSessionKey(job.data);
    const name = typeof job.name === 'string' ? job.name : '';
    return ref ? `${name} ${ref.namespace}/${ref.name}` : name;
  });
  createBullBoard({
    queues: [adapter],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'ambient operator',
        hideDocsLink: true,
        miscLinks: [
          { text: 'Sessions', url: '/sessions' },
          { text: 'Phase model', url: '/machine' },
        ],
      },
    },
  });
  return serverAdapter.getRouter() as Router;
}
