import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchedulerObjects } from './scheduler-objects.js';
import { UserDeployments } from './user-deployments.js';
import {
  createLogger,
  closeRedis,
  createSessionQueue,
  makeApiClients,
  type Logger,
  openRedis,
  type QueueIdentity,
  type RedisClient,
  type RedisConnection,
} from '@ambient-operator/shared';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Queue } from 'bullmq';
import { createDashboardApp } from './app.js';
import { checkExposure, DashboardConfigError, type BasicAuthCredentials } from './auth.js';
import { createApiSourceStatus } from './api-source-status.js';
import { createMachineStatus } from './machine-status.js';
import { createMetricsScraper } from './metrics-scraper.js';
import { createQueueInspector } from './queue-inspector.js';
import { createSessionCache } from './session-cache.js';

export interface DashboardOptions {
  /** The cluster; build it with shared's `createKubeConfig` so every request shares one keep-alive agent. */
  kubeConfig: KubeConfig;
  /** Redis URL (`redis://…`), a target from shared's config, or a caller-owned client (then the caller closes it). */
  connection: RedisConnection;
  /** The sessions queue's prefix and name. @defaultValue `{ prefix: 'ambient', name: 'sessions' }` */
  queue?: QueueIdentity;
  /**
   * Interface to listen on. Anything but loopback (127.0.0.1, ::1, localhost) requires `auth`.
   * @defaultValue '127.0.0.1'
   */
  host?: string;
  /** TCP port; 0 picks a free one. @defaultValue 3000 */
  port?: number;
  /** HTTP Basic credentials; when set, every page and API needs them (only /healthz and /readyz do not). */
  auth?: BasicAuthCredentials;
  /** Bull Board cannot retry, remove, promote, pause or clean jobs. @defaultValue true */
  readOnly?: boolean;
  /**
   * The operator processes' /metrics URLs. Workers': when given, /machine counts transitions from
   * `ambient_session_phase_transitions_total` there, otherwise from the sessions' `status.phaseHistory`.
   * Watchers': /api-source shows their ambient-api-server streams (`ambient_watcher_api_*`).
   * @defaultValue []
   */
  metricsUrls?: readonly string[];
  /** How long one LIST of AgenticSessions (and one metrics scrape) serves every viewer, in ms. @defaultValue 3000 */
  cacheTtlMs?: number;
  /** Newest finished jobs searched for a session's last reconcile, per finished set. @defaultValue 2000 */
  finishedJobScanLimit?: number;
  /** @defaultValue a silent logger */
  logger?: Logger;
}

export interface Dashboard {
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
  /** Stops listening (open connections are ended) and closes the Redis connection if it was opened here. */
  close(): Promise<void>;
}

function openDashboardRedis(connection: RedisConnection): { client: RedisClient; owned: boolean } {
  try {
    // A page must fail fast while Redis is down rather than hang on ioredis' endless retries.
    return openRedis(connection, { connectionName: 'ambient:dashboard', failFast: true });
  } catch (err) {
    throw new DashboardConfigError(err instanceof Error ? err.message : String(err));
  }
}

function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the dashboard: Bull Board at /queues, /machine, /sessions, /api-source, their JSON APIs, /healthz and /readyz. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 3000;
  const readOnly = options.readOnly ?? true;
  const logger = options.logger ?? createLogger({ level: 'silent' });
  checkExposure(host, options.auth);

  const redis = openDashboardRedis(options.connection);
  const sessionQueue = createSessionQueue({ connection: redis.client, ...options.queue });
  const api = makeApiClients(options.kubeConfig);
  const ttlMs = options.cacheTtlMs ?? 3000;
  const sessions = createSessionCache({ customObjects: api.customObjects, ttlMs });
  const metrics = createMetricsScraper({ urls: options.metricsUrls ?? [], ttlMs });
  const app = createDashboardApp({
    sessions,
    machine: createMachineStatus({ sessions, metrics }),
    apiSource: createApiSourceStatus(metrics),
    inspector: createQueueInspector({
      queue: sessionQueue,
      redis: redis.client,
      ...(options.finishedJobScanLimit !== undefined
        ? { finishedJobScanLimit: options.finishedJobScanLimit }
        : {}),
    }),
    children: { kubeConfig: options.kubeConfig, core: api.core, batch: api.batch },
    scheduler: new SchedulerObjects(api.customObjects),
    userDeployments: new UserDeployments(api.customObjects),
    bullQueue: sessionQueue.bullQueue as unknown as Queue,
    readOnly,
    auth: options.auth,
    logger,
    queueTimeoutMs: 5000,
    pingRedis: () => sessionQueue.ping(),
  });

  const server = http.createServer(app);
  async function closeQueue(): Promise<void> {
    await sessionQueue.close();
    await closeRedis(redis);
  }
  let address: AddressInfo;
  try {
    address = await listen(server, port, host);
  } catch (err) {
    await closeQueue();
    throw err;
  }
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  logger.info({ url, readOnly, auth: options.auth !== undefined }, 'dashboard listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Browsers keep connections open; pages are cheap to re-request, so end them instead of waiting.
        server.closeIdleConnections();
        server.closeAllConnections();
        await closed;
        await closeQueue();
      })();
      return closing;
    },
  };
}
