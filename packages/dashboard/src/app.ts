import { MACHINES } from '@ambient-operator/machines';
import { isDns1123Label, isDns1123Subdomain, toKey, type Logger } from '@ambient-operator/shared';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { basicAuth, type BasicAuthCredentials } from './auth.js';
import { createQueuesRouter, QUEUES_BASE_PATH } from './bull-board.js';
import type { ApiSourceStatusReader } from './api-source-status.js';
import type { MachineStatus } from './machine-status.js';
import { renderApiSourcePage } from './pages/api-source-page.js';
import { MACHINE_SCRIPT, MACHINE_SCRIPT_PATH, renderMachinePage } from './pages/machine-page.js';
import { renderMessagePage, renderSessionPage, type SessionDetail } from './pages/session-page.js';
import { renderSessionsPage } from './pages/sessions-page.js';
import type { QueueInspector } from './queue-inspector.js';
import { explainReconcile } from './reconcile-explanation.js';
import type { SessionCache } from './session-cache.js';
import type { SchedulerObjects } from './scheduler-objects.js';
import type { UserDeployments } from './user-deployments.js';
import { renderUserDeploymentPage, renderUserDeploymentsPage } from './pages/user-deployment-pages.js';
import {
  renderTaskPage,
  renderTasksPage,
  renderWorkflowPage,
  renderWorkflowsPage,
} from './pages/scheduler-pages.js';
import { readSessionChildren, type ChildrenClients } from './session-children.js';
import type { Queue } from 'bullmq';

export interface DashboardAppDeps {
  sessions: SessionCache;
  /** UserDeployments, read live. */
  userDeployments: UserDeployments;
  /** AgentTasks and Workflows, read live. */
  scheduler: SchedulerObjects;
  machine: MachineStatus;
  /** The ambient-api-server source's streams, from the watchers' /metrics. */
  apiSource: ApiSourceStatusReader;
  inspector: QueueInspector;
  children: ChildrenClients;
  bullQueue: Queue;
  readOnly: boolean;
  auth: BasicAuthCredentials | undefined;
  logger: Logger;
  /** Upper bound of the queue lookups of one session page, in milliseconds. */
  queueTimeoutMs: number;
  /** Rejects when the queue's Redis does not answer (behind /readyz). */
  pingRedis: () => Promise<void>;
}

// Our pages load nothing from elsewhere and run only the same-origin machine script.
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The namespace/name of a session URL, or undefined when they cannot be Kubernetes names. */
function sessionRef(req: Request): { namespace: string; name: string } | undefined {
  const { namespace, name } = req.params;
  if (typeof namespace !== 'string' || typeof name !== 'string') return undefined;
  return isDns1123Label(namespace) && isDns1123Subdomain(name) ? { namespace, name } : undefined;
}

export function createDashboardApp(deps: DashboardAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((_req, res, next) => {
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    next();
  });

  // Probes carry no credentials and learn nothing from this answer.
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    deps.pingRedis().then(
      () => res.type('text/plain').send('ok\n'),
      (err: unknown) =>
        res
          .status(503)
          .type('text/plain')
          .send(`redis: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });

  if (deps.auth) app.use(basicAuth(deps.auth));

  const page = (res: Response, status: number, body: string) => {
    res.status(status).set('Content-Security-Policy', PAGE_CSP).type('html').send(body);
  };

  async function sessionDetail(namespace: string, name: string): Promise<SessionDetail | undefined> {
    const [session, children, queue] = await Promise.all([
      deps.sessions.get(namespace, name),
      readSessionChildren(deps.children, namespace, name),
      withTimeout(
        deps.inspector.inspect(toKey(namespace, name)),
        deps.queueTimeoutMs,
        'reading the queue',
      ).then(
        (state) => ({ state, error: undefined }),
        (err: unknown) => ({ state: undefined, error: `queue unavailable: ${message(err)}` }),
      ),
    ]);
    if (!session) return undefined;
    return {
      session,
      children,
      queue: queue.state,
      reconcile: queue.state ? explainReconcile(queue.state, Date.now()) : undefined,
      queueError: queue.error,
    };
  }

  app.get('/', (_req, res) => {
    res.redirect(302, '/sessions');
  });

  app.get(MACHINE_SCRIPT_PATH, (_req, res) => {
    res.type('application/javascript').send(MACHINE_SCRIPT);
  });

  // Every phase model's definition (`machine.toJSON()`), keyed by machine id, for tools such as Stately's.
  const machineDefinitions = Object.fromEntries(MACHINES.map((m) => [m.id, m.machine.toJSON()]));
  app.get('/machine.json', (_req, res) => {
    res.json(machineDefinitions);
  });

  app.get('/api/machine', async (_req, res) => {
    res.json(await deps.machine.read());
  });

  app.get('/machine', async (_req, res) => {
    page(res, 200, renderMachinePage(await deps.machine.read()));
  });

  app.get('/api/api-source', async (_req, res) => {
    res.json(await deps.apiSource.read());
  });

  app.get('/api-source', async (_req, res) => {
    page(res, 200, renderApiSourcePage(await deps.apiSource.read(), Date.now()));
  });

  app.get('/api/sessions', async (_req, res) => {
    res.json(await deps.sessions.list());
  });

  app.get('/sessions', async (_req, res) => {
    page(res, 200, renderSessionsPage(await deps.sessions.list(), Date.now()));
  });

  app.get('/api/sessions/:namespace/:name', async (req, res) => {
    const ref = sessionRef(req);
    const detail = ref && (await sessionDetail(ref.namespace, ref.name));
    if (!detail) {
      res.status(404).json({ error: 'session not found' });
      return;
    }
    res.json(detail);
  });

  app.get('/sessions/:namespace/:name', async (req, res) => {
    const ref = sessionRef(req);
    const detail = ref && (await sessionDetail(ref.namespace, ref.name));
    if (!detail || !ref) {
      page(
        res,
        404,
        renderMessagePage(
          'Not found',
          ref ? `There is no session ${ref.namespace}/${ref.name}.` : 'Not a session name.',
        ),
      );
      return;
    }
    page(res, 200, renderSessionPage(detail, Date.now()));
  });

  app.get('/tasks', async (_req, res) => {
    page(res, 200, renderTasksPage(await deps.scheduler.tasks(), Date.now()));
  });

  app.get('/tasks/:namespace/:name', async (req, res) => {
    const ref = sessionRef(req);
    const task = ref && (await deps.scheduler.task(ref.namespace, ref.name));
    if (!task) {
      page(res, 404, renderMessagePage('Not found', 'There is no such AgentTask.'));
      return;
    }
    page(res, 200, renderTaskPage(task, Date.now()));
  });

  app.get('/workflows', async (_req, res) => {
    page(res, 200, renderWorkflowsPage(await deps.scheduler.workflows()));
  });

  app.get('/workflows/:namespace/:name', async (req, res) => {
    const ref = sessionRef(req);
    const workflow = ref && (await deps.scheduler.workflow(ref.namespace, ref.name));
    if (!workflow) {
      page(res, 404, renderMessagePage('Not found', 'There is no such Workflow.'));
      return;
    }
    page(res, 200, renderWorkflowPage(workflow, Date.now()));
  });

  app.get('/user-deployments', async (_req, res) => {
    page(res, 200, renderUserDeploymentsPage(await deps.userDeployments.list()));
  });

  app.get('/user-deployments/:namespace/:name', async (req, res) => {
    const ref = sessionRef(req);
    const item = ref && (await deps.userDeployments.get(ref.namespace, ref.name));
    if (!item) {
      page(res, 404, renderMessagePage('Not found', 'There is no such UserDeployment.'));
      return;
    }
    page(res, 200, renderUserDeploymentPage(item, Date.now()));
  });

  app.use(QUEUES_BASE_PATH, createQueuesRouter({ queue: deps.bullQueue, readOnly: deps.readOnly }));

  app.use((_req, res) => {
    page(res, 404, renderMessagePage('Not found', 'No such page.'));
  });

  // Express 5 routes rejected promises here too.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error({ err, path: req.path }, 'dashboard request failed');
    if (res.headersSent) return;
    if (req.path.startsWith('/api/')) res.status(500).json({ error: message(err) });
    else page(res, 500, renderMessagePage('Error', `Something failed: ${message(err)}`));
  });

  return app;
}
