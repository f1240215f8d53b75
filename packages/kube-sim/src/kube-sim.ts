import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { parseAllDocuments } from 'yaml';
import { EventMirror } from './controllers/event-mirror.js';
import { EventRecorder } from './controllers/events.js';
import { JobController } from './controllers/job-controller.js';
import { NamespaceController } from './controllers/namespace-controller.js';
import { WorkloadStatusController } from './controllers/workload-status.js';
import { DeploymentController } from './controllers/deployment-controller.js';
import { ReplicaSetController } from './controllers/replicaset-controller.js';
import { ApiError } from './errors.js';
import { Faults } from './faults.js';
import { GarbageCollector } from './garbage-collector.js';
import { createHttpServer } from './http-server.js';
import { buildKubeconfig } from './kubeconfig.js';
import { Kubelet } from './kubelet.js';
import type { PodTimings } from './pod-timings.js';
import { DEFAULT_POD_TIMINGS } from './pod-timings.js';
import { loadSnapshot, saveSnapshot } from './persistence.js';
import { RequestCounter } from './request-metrics.js';
import { DEFAULT_SERVER_VERSION, parseServerVersion, type ServerVersion } from './server-version.js';
import { SimulatedImages, type SimulatedImage } from './simulated-images.js';
import { ResourceApi } from './resource-api.js';
import { ResourceRegistry } from './resource-registry.js';
import { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';
import { WatchHub } from './watch-stream.js';

/** Which simulated controllers run. */
export interface KubeSimControllers {
  /** batch/v1 Job controller. @defaultValue true */
  jobs?: boolean;
  /** Scheduler + kubelet (pods run as their env scripts say). @defaultValue true */
  kubelet?: boolean;
  /** Garbage collector (ownerReferences, foreground/orphan deletion). @defaultValue true */
  gc?: boolean;
  /** Namespace lifecycle (default ServiceAccount, Terminating namespaces emptied). @defaultValue true */
  namespaces?: boolean;
  /** Deployment → ReplicaSet → Pod controllers (rollouts, status) and PodDisruptionBudget status. @defaultValue true */
  workloads?: boolean;
}

export interface KubeSimOptions {
  /** TCP port; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Interface to listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** Directory whose *.yaml / *.yml / *.json CustomResourceDefinitions are created at start. */
  crdsDir?: string;
  /** CustomResourceDefinition objects created at start. */
  crds?: object[];
  /** State file: loaded at start if it exists, written on stop(). */
  dataFile?: string;
  /** Where to write the kubeconfig once listening. */
  kubeconfigPath?: string;
  /** pino logger. @defaultValue a silent logger */
  logger?: Logger;
  /** Simulated controllers to run. @defaultValue all on */
  controllers?: KubeSimControllers;
  /** Watch events kept for resuming watches; older resourceVersions get 410 Gone. @defaultValue 10000 */
  watchHistorySize?: number;
  /** Pod lifecycle timings in milliseconds. @defaultValue DEFAULT_POD_TIMINGS */
  podTimings?: Partial<PodTimings>;
  /** Interval of BOOKMARK events on watches with allowWatchBookmarks, in milliseconds. @defaultValue 5000 */
  bookmarkIntervalMs?: number;
  /** Most core/v1 Events kept (oldest deleted); 0 disables simulated Events. @defaultValue 1000 */
  maxEvents?: number;
  /** Namespaces created at start besides default, kube-system, kube-public, kube-node-lease. @defaultValue [] */
  namespaces?: string[];
  /**
   * The Kubernetes version to be (`"1.28"`, `"v1.28.3"`): `GET /version` reports it, and before 1.29 the
   * API server drops `restartPolicy` from init containers (no native sidecars). @defaultValue `"1.32"`
   */
  serverVersion?: string;
  /**
   * Images by reference, e.g. `{ 'quay.io/x/state-sync:latest': { user: '' } }` for one that runs as root.
   * The kubelet refuses such a container under `runAsNonRoot` without `runAsUser`, as a real one does.
   * Unlisted images run as a non-root numeric user. Also settable later with `images.set()`.
   */
  images?: Record<string, SimulatedImage>;
}

export interface RequestCountFilter {
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb?: string;
  /** Plural resource (`pods`), or `<plural>/<subresource>`; a plural also counts its subresources. */
  resource?: string;
}

/** A running simulator. */
export interface KubeSim {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  /** kubeconfig YAML (context `kube-sim`, token auth, plain http). */
  readonly kubeconfig: string;
  /** Fault injection (latency, 500/429, watch closing/stalling, pod eviction/deletion). */
  readonly faults: Faults;
  /** What the kubelet knows of images (their USER); see KubeSimOptions.images. */
  readonly images: SimulatedImages;
  /** What `GET /version` reports. */
  readonly serverVersion: ServerVersion;
  /** The current global resourceVersion. */
  readonly resourceVersion: number;
  /** Open watch streams. */
  readonly openWatches: number;
  /** Watch events written since start (for benchmarks). */
  readonly watchEventsSent: number;
  writeKubeconfig(path: string): Promise<void>;
  /** Number of API requests served, by verb and/or resource. */
  requestCount(filter?: RequestCountFilter): number;
  /** All request counters as `{"<verb> <resource>": n}`. */
  requestCounts(): Record<string, number>;
  resetRequestCounts(): void;
  /** Number of stored objects of a resource (`group` '' for core). */
  objectCount(group: string, plural: string): number;
  /**
   * Creates objects in-process through the same admission and validation as the HTTP API (fast
   * seeding for tests and benchmarks). Objects need apiVersion, kind and metadata.namespace if namespaced.
   */
  createObjects(objects: object[]): KubeObject[];
  /** Closes and reopens the listener on the same port; state and resourceVersions survive, open watches break. */
  restart(): Promise<void>;
  /** Stops listening and the controllers; saves dataFile if set. */
  stop(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function readCrdFiles(dir: string): Promise<object[]> {
  const files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  const out: object[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length)
        throw new Error(`kube-sim: cannot parse ${join(dir, file)}: ${doc.errors[0]!.message}`);
      const value: unknown = doc.toJS();
      if (isPlainObject(value) && value.kind === 'CustomResourceDefinition') out.push(value);
    }
  }
  return out;
}

export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const host = options.host ?? '127.0.0.1';
  const timings: PodTimings = { ...DEFAULT_POD_TIMINGS, ...options.podTimings };
  const controllers = {
    jobs: true,
    kubelet: true,
    gc: true,
    namespaces: true,
    workloads: true,
    ...options.controllers,
  };
  const store = new ObjectStore(options.watchHistorySize ?? 10_000);
  const registry = new ResourceRegistry();
  const serverVersion =
    options.serverVersion === undefined ? DEFAULT_SERVER_VERSION : parseServerVersion(options.serverVersion);
  const api = new ResourceApi(store, registry, serverVersion);
  const images = new SimulatedImages(options.images);

  if (options.dataFile) {
    const snapshot = await loadSnapshot(options.dataFile);
    if (snapshot) {
      store.import(snapshot);
      api.registerStoredCrds();
      logger.info({ dataFile: options.dataFile, objects: snapshot.objects.length }, 'state loaded');
    }
  }
  const namespaces = registry.byGroupResource('', 'namespaces')!;
  for (const name of [...SYSTEM_NAMESPACES, ...(options.namespaces ?? [])]) {
    if (!store.get(namespaces.id, undefined, name)) api.create(namespaces, undefined, { metadata: { name } });
  }
  const crdType = registry.byGroupResource('apiextensions.k8s.io', 'customresourcedefinitions')!;
  const crds = [...(options.crdsDir ? await readCrdFiles(options.crdsDir) : []), ...(options.crds ?? [])];
  for (const crd of crds) {
    const name = isPlainObject(crd) && isPlainObject(crd.metadata) ? String(crd.metadata.name) : '';
    const existing = store.get(crdType.id, undefined, name);
    if (existing)
      api.update(crdType, undefined, name, {
        ...crd,
        metadata: { ...(crd as KubeObject).metadata, resourceVersion: existing.metadata.resourceVersion },
      });
    else api.create(crdType, undefined, crd);
  }

  const events = new EventRecorder(api, options.maxEvents ?? 1000);
  // Not a controller one can switch off: the API server itself serves both Event APIs from one storage.
  const running: Array<{ start(): void; stop(): void }> = [new EventMirror(store)];
  const namespaceController = new NamespaceController(api, logger);
  const kubelet = new Kubelet(api, timings, events, images, logger);
  if (controllers.namespaces) running.push(namespaceController);
  if (controllers.gc) running.push(new GarbageCollector(api, logger));
  if (controllers.jobs) running.push(new JobController(api, timings, events, logger));
  if (controllers.kubelet) running.push(kubelet);
  if (controllers.workloads) {
    running.push(new WorkloadStatusController(api, logger));
    running.push(new DeploymentController(api, events, logger));
    running.push(new ReplicaSetController(api, events, logger));
  }
  // The default ServiceAccounts of the system namespaces exist before the first request.
  const serviceAccounts = registry.byGroupResource('', 'serviceaccounts')!;
  for (const [, ns] of store.iterate(namespaces.id)) {
    if (!ns.metadata.deletionTimestamp && !store.get(serviceAccounts.id, ns.metadata.name, 'default')) {
      api.create(serviceAccounts, ns.metadata.name, { metadata: { name: 'default' } });
    }
  }
  for (const c of running) c.start();

  const hub = new WatchHub(api, { bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000 });
  const pods = registry.byGroupResource('', 'pods')!;
  const faults = new Faults({
    closeAllWatches: () => hub.closeAll(),
    setWatchesStalled: (on) => {
      hub.stalled = on;
    },
    evictPod: (namespace, name, message) => kubelet.evict(namespace, name, message),
    deletePod: (namespace, name, gracePeriodSeconds) => {
      api.delete(pods, namespace, name, gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds });
    },
    compactHistory: () => store.compact(),
  });
  const requests = new RequestCounter();
  const tokenKey = randomBytes(32);
  let port = options.port ?? 0;
  let app: FastifyInstance | undefined;

  const listen = async () => {
    const server = createHttpServer({
      api,
      hub,
      faults,
      requests,
      logger,
      tokenKey,
      serverAddress: () => `${host}:${port}`,
    });
    await server.listen({ port, host });
    const address = server.server.address();
    if (address && typeof address === 'object') port = address.port;
    app = server;
  };
  await listen();
  const url = () => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const writeKubeconfig = async (path: string) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, buildKubeconfig(url()), { mode: 0o600 });
  };
  if (options.kubeconfigPath) await writeKubeconfig(options.kubeconfigPath);
  logger.info({ url: url() }, 'kube-sim listening');

  let stopped = false;
  return {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    get kubeconfig() {
      return buildKubeconfig(url());
    },
    faults,
    images,
    serverVersion,
    get resourceVersion() {
      return store.resourceVersion;
    },
    get openWatches() {
      return hub.size;
    },
    get watchEventsSent() {
      return hub.eventsSent;
    },
    writeKubeconfig,
    requestCount: (filter) => requests.count(filter),
    requestCounts: () => requests.snapshot(),
    resetRequestCounts: () => requests.reset(),
    objectCount: (group, plural) => store.count(`${group}/${plural}`),
    createObjects(objects) {
      return objects.map((o) => {
        const value = o as KubeObject;
        const type = registry.byKind(String(value.apiVersion), String(value.kind));
        if (!type)
          throw new ApiError(
            404,
            'NotFound',
            `no resource for ${String(value.apiVersion)} ${String(value.kind)}`,
          );
        const version = String(value.apiVersion).split('/').pop();
        return api.create(type, value.metadata?.namespace, o, version ? { version } : {});
      });
    },
    async restart() {
      hub.closeAll();
      await app?.close();
      await listen();
      logger.info({ url: url() }, 'kube-sim restarted');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      hub.closeAll();
      for (const c of running) c.stop();
      await app?.close();
      if (options.dataFile) {
        await saveSnapshot(options.dataFile, store.export());
        logger.info({ dataFile: options.dataFile }, 'state saved');
      }
    },
  };
}
