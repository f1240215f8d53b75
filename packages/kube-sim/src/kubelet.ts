import type { Logger } from 'pino';
import type { EventRecorder } from './controllers/events.js';
import { ApiError } from './errors.js';
import type { ResourceApi } from './resource-api.js';
import type { ResourceType } from './resource-registry.js';
import type { StoreEvent } from './store.js';
import type { KubeObject } from './types.js';
import { isPlainObject, nowRfc3339 } from './types.js';

/** Simulated pod lifecycle timings (milliseconds). Small defaults keep tests fast. */
export interface PodTimings {
  /** From creation to scheduled (PodScheduled, nodeName). @defaultValue 5 */
  scheduleDelayMs: number;
  /** Time in ContainerCreating, unless a container sets SIM_START_DELAY_MS. @defaultValue 20 */
  startDelayMs: number;
  /** From ErrImagePull to ImagePullBackOff. @defaultValue 50 */
  imagePullBackOffDelayMs: number;
  /** Time in CrashLoopBackOff before a container restarts (restartPolicy Always/OnFailure). @defaultValue 100 */
  restartDelayMs: number;
  /** Upper bound on how long a gracefully deleted pod takes to go away (also bounded by its grace period). @defaultValue 100 */
  deletionDelayMs: number;
  /** Delay before the Job controller replaces a failed pod. @defaultValue 10 */
  jobRetryDelayMs: number;
}

export const DEFAULT_POD_TIMINGS: PodTimings = {
  scheduleDelayMs: 5,
  startDelayMs: 20,
  imagePullBackOffDelayMs: 50,
  restartDelayMs: 100,
  deletionDelayMs: 100,
  jobRetryDelayMs: 10,
};

export const NODE_NAME = 'kube-sim-node';

type Obj = Record<string, unknown>;

/** What a container does, scripted by its env (see README). */
interface ContainerScript {
  /** undefined = runs until the pod is deleted. */
  runMs: number | undefined;
  exitCode: number;
  oom: boolean;
  imagePullFails: boolean;
  startDelayMs: number | undefined;
}

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

function containersOf(pod: KubeObject, key: 'containers' | 'initContainers'): Obj[] {
  const list = obj(pod.spec)[key];
  return Array.isArray(list) ? list.map(obj) : [];
}

function envValue(container: Obj, name: string): string | undefined {
  const env = Array.isArray(container.env) ? container.env.map(obj) : [];
  const entry = env.find((e) => e.name === name);
  return typeof entry?.value === 'string' ? entry.value : undefined;
}

function scriptOf(container: Obj): ContainerScript {
  const runSeconds = envValue(container, 'SIM_RUN_SECONDS');
  const oom = envValue(container, 'SIM_OOM') === 'true';
  const exit = envValue(container, 'SIM_EXIT_CODE');
  const startDelay = envValue(container, 'SIM_START_DELAY_MS');
  const runMs =
    runSeconds !== undefined && Number.isFinite(Number(runSeconds))
      ? Number(runSeconds) * 1000
      : oom
        ? 0
        : undefined;
  return {
    runMs,
    exitCode: oom ? 137 : exit !== undefined && Number.isInteger(Number(exit)) ? Number(exit) : 0,
    oom,
    imagePullFails: envValue(container, 'SIM_IMAGE_PULL') === 'fail',
    startDelayMs:
      startDelay !== undefined && Number.isFinite(Number(startDelay)) ? Number(startDelay) : undefined,
  };
}

function setCondition(
  status: Obj,
  type: string,
  value: 'True' | 'False',
  reason?: string,
  message?: string,
): void {
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(obj) : [];
  const existing = conditions.find((c) => c.type === type);
  const next: Obj = { type, status: value, lastProbeTime: null, lastTransitionTime: nowRfc3339() };
  if (reason) next.reason = reason;
  if (message) next.message = message;
  if (existing) {
    if (existing.status === value && existing.reason === reason) return;
    Object.assign(existing, next);
    if (!reason) delete existing.reason;
    if (!message) delete existing.message;
  } else conditions.push(next);
  status.conditions = conditions;
}

function containerStatus(container: Obj, state: Obj, extra: Obj = {}): Obj {
  const image = String(container.image ?? '');
  return {
    name: container.name,
    image,
    imageID: '',
    ready: false,
    restartCount: 0,
    started: false,
    state,
    lastState: {},
    ...extra,
  };
}

/**
 * The simulated scheduler + kubelet for one node: binds pods, runs init containers then containers
 * as their env scripts say, reports status like a kubelet, handles graceful deletion and eviction.
 */
export class Kubelet {
  private readonly timers = new Map<string, Set<NodeJS.Timeout>>();
  private unsubscribe: (() => void) | undefined;
  private nextIp = 2;
  private readonly pods: ResourceType;

  constructor(
    private readonly api: ResourceApi,
    private readonly timings: PodTimings,
    private readonly events: EventRecorder,
    private readonly logger: Logger,
  ) {
    this.pods = api.registry.byGroupResource('', 'pods')!;
  }

  start(): void {
    this.ensureNode();
    this.unsubscribe = this.api.store.subscribe((event) => this.onEvent(event));
    for (const [, pod] of this.api.store.iterate(this.pods.id)) this.resume(pod);
  }

  stop(): void {
    this.unsubscribe?.();
    for (const set of this.timers.values()) for (const t of set) clearTimeout(t);
    this.timers.clear();
  }

  /** Kubelet-style eviction: containers killed, phase Failed, reason Evicted, DisruptionTarget. */
  evict(namespace: string, name: string, message = 'The node was low on resource: memory. '): KubeObject {
    const pod = this.api.get(this.pods, namespace, name);
    this.cancel(pod.metadata.uid ?? '');
    const status = structuredClone(obj(pod.status));
    const finished = nowRfc3339();
    status.containerStatuses = containersOf(pod, 'containers').map((c) =>
      containerStatus(c, {
        terminated: { exitCode: 137, reason: 'Error', startedAt: finished, finishedAt: finished },
      }),
    );
    status.phase = 'Failed';
    status.reason = 'Evicted';
    status.message = message;
    setCondition(status, 'DisruptionTarget', 'True', 'TerminationByKubelet', message);
    setCondition(status, 'Ready', 'False', 'PodFailed');
    setCondition(status, 'ContainersReady', 'False', 'PodFailed');
    this.events.record(pod, 'Warning', 'Evicted', message, 'kubelet');
    return this.writeStatus(pod, status) ?? pod;
  }

  private onEvent(event: StoreEvent): void {
    if (event.resourceId !== this.pods.id) return;
    const pod = event.object;
    const uid = pod.metadata.uid ?? '';
    if (event.type === 'DELETED') {
      this.cancel(uid);
      return;
    }
    if (event.type === 'ADDED') {
      this.after(uid, this.timings.scheduleDelayMs, () => this.schedule(uid, pod));
      return;
    }
    if (pod.metadata.deletionTimestamp && !event.oldObject?.metadata.deletionTimestamp) {
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      this.cancel(uid);
      this.after(uid, Math.min(graceMs, this.timings.deletionDelayMs), () => this.finishDeletion(uid, pod));
    }
  }

  private ensureNode(): void {
    const nodes = this.api.registry.byGroupResource('', 'nodes');
    if (!nodes || this.api.store.get(nodes.id, undefined, NODE_NAME)) return;
    const now = nowRfc3339();
    const created = this.api.create(nodes, undefined, {
      metadata: {
        name: NODE_NAME,
        labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux' },
      },
      spec: {},
    });
    this.api.update(
      nodes,
      undefined,
      NODE_NAME,
      {
        ...created,
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          addresses: [
            { type: 'InternalIP', address: '10.0.0.1' },
            { type: 'Hostname', address: NODE_NAME },
          ],
          capacity: { cpu: '8', memory: '32Gi', pods: '1000' },
          allocatable: { cpu: '8', memory: '32Gi', pods: '1000' },
          nodeInfo: {
            kubeletVersion: 'v1.32.0-kube-sim',
            operatingSystem: 'linux',
            architecture: 'amd64',
            containerRuntimeVersion: 'kube-sim://1',
          },
        },
      },
      { subresource: 'status' },
    );
  }

  /** After loading saved state: pick pods up where their status says they are. */
  private resume(pod: KubeObject): void {
    const uid = pod.metadata.uid ?? '';
    const status = obj(pod.status);
    if (pod.metadata.deletionTimestamp) {
      this.after(uid, 0, () => this.finishDeletion(uid, pod));
    } else if (status.phase === 'Succeeded' || status.phase === 'Failed') {
      return;
    } else if (status.phase === 'Running') {
      const statuses = Array.isArray(status.containerStatuses) ? status.containerStatuses.map(obj) : [];
      for (const c of containersOf(pod, 'containers')) {
        const s = statuses.find((x) => x.name === c.name);
        const running = obj(obj(s?.state).running);
        const script = scriptOf(c);
        if (script.runMs === undefined || typeof running.startedAt !== 'string') continue;
        const remaining = Date.parse(running.startedAt) + script.runMs - Date.now();
        this.after(uid, Math.max(0, remaining), () => this.terminateContainer(uid, String(c.name), script));
      }
    } else {
      this.after(uid, this.timings.scheduleDelayMs, () => this.schedule(uid, pod));
    }
  }

  private current(uid: string, _like: KubeObject): KubeObject | undefined {
    return this.byUid(uid);
  }

  private byUid(uid: string): KubeObject | undefined {
    const found = this.api.store.byUid(uid);
    return found && found.resourceId === this.pods.id ? found.object : undefined;
  }

  private after(uid: string, delayMs: number, action: () => void): void {
    let set = this.timers.get(uid);
    if (!set) this.timers.set(uid, (set = new Set()));
    const timer = setTimeout(() => {
      set.delete(timer);
      try {
        action();
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409)))
          this.logger.warn({ err }, 'kubelet step failed');
      }
    }, delayMs);
    timer.unref();
    set.add(timer);
  }

  private cancel(uid: string): void {
    for (const t of this.timers.get(uid) ?? []) clearTimeout(t);
    this.timers.delete(uid);
  }

  private writeStatus(pod: KubeObject, status: Obj): KubeObject | undefined {
    return this.api.update(
      this.pods,
      pod.metadata.namespace,
      pod.metadata.name ?? '',
      { ...pod, status },
      { subresource: 'status' },
    );
  }

  private schedule(uid: string, like: KubeObject): void {
    let pod = this.current(uid, like);
    if (!pod || pod.metadata.deletionTimestamp) return;
    if (!obj(pod.spec).nodeName) {
      pod = this.api.update(this.pods, pod.metadata.namespace, pod.metadata.name ?? '', {
        ...pod,
        spec: { ...obj(pod.spec), nodeName: NODE_NAME },
      });
      this.events.record(
        pod,
        'Normal',
        'Scheduled',
        `Successfully assigned ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} to ${NODE_NAME}`,
        'default-scheduler',
      );
    }
    const status = structuredClone(obj(pod.status));
    const ip = this.nextIp++;
    status.phase = 'Pending';
    status.hostIP = '10.0.0.1';
    status.hostIPs = [{ ip: '10.0.0.1' }];
    status.podIP = `10.244.${(ip >> 8) & 255}.${ip & 255}`;
    status.podIPs = [{ ip: status.podIP }];
    status.startTime = nowRfc3339();
    const inits = containersOf(pod, 'initContainers');
    setCondition(status, 'PodReadyToStartContainers', 'False');
    setCondition(
      status,
      'Initialized',
      inits.length ? 'False' : 'True',
      inits.length ? 'ContainersNotInitialized' : undefined,
      inits.length
        ? `containers with incomplete status: [${inits.map((c) => String(c.name)).join(' ')}]`
        : undefined,
    );
    setCondition(
      status,
      'Ready',
      'False',
      'ContainersNotReady',
      `containers with unready status: [${containersOf(pod, 'containers')
        .map((c) => String(c.name))
        .join(' ')}]`,
    );
    setCondition(status, 'ContainersReady', 'False', 'ContainersNotReady');
    setCondition(status, 'PodScheduled', 'True');
    if (inits.length)
      status.initContainerStatuses = inits.map((c) =>
        containerStatus(c, { waiting: { reason: 'PodInitializing' } }),
      );
    status.containerStatuses = containersOf(pod, 'containers').map((c) =>
      containerStatus(c, { waiting: { reason: inits.length ? 'PodInitializing' : 'ContainerCreating' } }),
    );
    pod = this.writeStatus(pod, status);
    if (!pod) return;
    const scripts = [...inits, ...containersOf(pod, 'containers')].map(scriptOf);
    const delay = Math.max(this.timings.startDelayMs, ...scripts.map((s) => s.startDelayMs ?? 0));
    this.after(uid, delay, () => this.startNext(uid, pod!));
  }

  /** Starts the next init container, or all containers once init containers are done. */
  private startNext(uid: string, like: KubeObject): void {
    const pod = this.current(uid, like);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const status = structuredClone(obj(pod.status));
    const now = nowRfc3339();
    const inits = containersOf(pod, 'initContainers');
    const initStatuses = Array.isArray(status.initContainerStatuses)
      ? status.initContainerStatuses.map(obj)
      : [];
    const nextInit = inits.findIndex((c) => {
      const s = initStatuses.find((x) => x.name === c.name);
      const terminated = obj(obj(s?.state).terminated);
      return !(obj(s?.state).terminated && terminated.exitCode === 0);
    });
    setCondition(status, 'PodReadyToStartContainers', 'True');
    if (nextInit >= 0) {
      const container = inits[nextInit]!;
      const script = scriptOf(container);
      if (script.imagePullFails)
        return this.failImagePull(uid, pod, status, container, 'initContainerStatuses');
      initStatuses[nextInit] = containerStatus(
        container,
        { running: { startedAt: now } },
        { started: true, restartCount: Number(initStatuses[nextInit]?.restartCount ?? 0) },
      );
      status.initContainerStatuses = initStatuses;
      status.containerStatuses = containersOf(pod, 'containers').map((c) =>
        containerStatus(c, { waiting: { reason: 'PodInitializing' } }),
      );
      this.events.record(pod, 'Normal', 'Started', `Started container ${String(container.name)}`, 'kubelet');
      const written = this.writeStatus(pod, status);
      if (written)
        this.after(uid, script.runMs ?? 0, () =>
          this.finishInit(uid, written, String(container.name), script),
        );
      return;
    }
    setCondition(status, 'Initialized', 'True');
    const containers = containersOf(pod, 'containers');
    const statuses: Obj[] = [];
    let pulling = false;
    for (const c of containers) {
      const script = scriptOf(c);
      if (script.imagePullFails) {
        pulling = true;
        statuses.push(
          containerStatus(c, {
            waiting: {
              reason: 'ErrImagePull',
              message: `failed to pull and unpack image "${String(c.image)}": simulated pull failure`,
            },
          }),
        );
        continue;
      }
      statuses.push(
        containerStatus(
          c,
          { running: { startedAt: now } },
          {
            ready: true,
            started: true,
            containerID: `containerd://${uid.replace(/-/g, '')}${String(c.name)}`.slice(0, 77),
          },
        ),
      );
      this.events.record(pod, 'Normal', 'Started', `Started container ${String(c.name)}`, 'kubelet');
      if (script.runMs !== undefined)
        this.after(uid, script.runMs, () => this.terminateContainer(uid, String(c.name), script));
    }
    status.containerStatuses = statuses;
    if (pulling) {
      status.phase = 'Pending';
      this.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet');
      const written = this.writeStatus(pod, status);
      if (written)
        this.after(uid, this.timings.imagePullBackOffDelayMs, () => this.imagePullBackOff(uid, written));
      return;
    }
    status.phase = 'Running';
    setCondition(status, 'ContainersReady', 'True');
    setCondition(status, 'Ready', 'True');
    this.writeStatus(pod, status);
  }

  private failImagePull(
    uid: string,
    pod: KubeObject,
    status: Obj,
    container: Obj,
    key: 'initContainerStatuses',
  ): void {
    const list = Array.isArray(status[key]) ? (status[key] as unknown[]).map(obj) : [];
    const i = list.findIndex((s) => s.name === container.name);
    const entry = containerStatus(container, {
      waiting: {
        reason: 'ErrImagePull',
        message: `failed to pull and unpack image "${String(container.image)}": simulated pull failure`,
      },
    });
    if (i >= 0) list[i] = entry;
    else list.push(entry);
    status[key] = list;
    this.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet');
    const written = this.writeStatus(pod, status);
    if (written)
      this.after(uid, this.timings.imagePullBackOffDelayMs, () => this.imagePullBackOff(uid, written));
  }

  private imagePullBackOff(uid: string, like: KubeObject): void {
    const pod = this.current(uid, like);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const status = structuredClone(obj(pod.status));
    for (const key of ['initContainerStatuses', 'containerStatuses']) {
      const list = Array.isArray(status[key]) ? (status[key] as unknown[]).map(obj) : [];
      for (const s of list) {
        const waiting = obj(obj(s.state).waiting);
        if (waiting.reason === 'ErrImagePull')
          s.state = {
            waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${String(s.image)}"` },
          };
      }
      if (list.length) status[key] = list;
    }
    this.events.record(pod, 'Normal', 'BackOff', 'Back-off pulling image', 'kubelet');
    this.writeStatus(pod, status);
  }

  private finishInit(uid: string, like: KubeObject, name: string, script: ContainerScript): void {
    const pod = this.current(uid, like);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const status = structuredClone(obj(pod.status));
    const list = Array.isArray(status.initContainerStatuses) ? status.initContainerStatuses.map(obj) : [];
    const entry = list.find((s) => s.name === name);
    if (!entry) return;
    const startedAt = String(obj(obj(entry.state).running).startedAt ?? nowRfc3339());
    entry.state = {
      terminated: {
        exitCode: script.exitCode,
        reason: terminationReason(script),
        startedAt,
        finishedAt: nowRfc3339(),
      },
    };
    entry.ready = script.exitCode === 0;
    entry.started = false;
    status.initContainerStatuses = list;
    const policy = String(obj(pod.spec).restartPolicy ?? 'Always');
    if (script.exitCode !== 0 && policy === 'Never') {
      status.phase = 'Failed';
      setCondition(status, 'Ready', 'False', 'PodFailed');
      this.writeStatus(pod, status);
      return;
    }
    const written = this.writeStatus(pod, status);
    if (!written) return;
    if (script.exitCode !== 0) {
      entry.restartCount = Number(entry.restartCount ?? 0) + 1;
      this.after(uid, this.timings.restartDelayMs, () => this.startNext(uid, written));
    } else this.after(uid, 0, () => this.startNext(uid, written));
  }

  private terminateContainer(uid: string, name: string, script: ContainerScript): void {
    const pod = this.byUid(uid);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const status = structuredClone(obj(pod.status));
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return;
    const list = Array.isArray(status.containerStatuses) ? status.containerStatuses.map(obj) : [];
    const entry = list.find((s) => s.name === name);
    if (!entry) return;
    const startedAt = String(obj(obj(entry.state).running).startedAt ?? nowRfc3339());
    const terminated = {
      exitCode: script.exitCode,
      reason: terminationReason(script),
      startedAt,
      finishedAt: nowRfc3339(),
      containerID: entry.containerID,
    };
    const policy = String(obj(pod.spec).restartPolicy ?? 'Always');
    const restarts = policy === 'Always' || (policy === 'OnFailure' && script.exitCode !== 0);
    if (restarts) {
      entry.lastState = { terminated };
      entry.state = {
        waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${name}` },
      };
      entry.ready = false;
      entry.restartCount = Number(entry.restartCount ?? 0) + 1;
      status.containerStatuses = list;
      setCondition(status, 'ContainersReady', 'False', 'ContainersNotReady');
      setCondition(status, 'Ready', 'False', 'ContainersNotReady');
      this.writeStatus(pod, status);
      this.after(uid, this.timings.restartDelayMs, () => this.restartContainer(uid, name, script));
      return;
    }
    entry.state = { terminated };
    entry.ready = false;
    entry.started = false;
    status.containerStatuses = list;
    this.completePodIfDone(pod, status);
    if (script.exitCode !== 0)
      this.events.record(
        pod,
        'Warning',
        'BackOff',
        `Container ${name} exited with code ${script.exitCode}`,
        'kubelet',
      );
    this.writeStatus(pod, status);
  }

  private restartContainer(uid: string, name: string, script: ContainerScript): void {
    const pod = this.byUid(uid);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const status = structuredClone(obj(pod.status));
    const list = Array.isArray(status.containerStatuses) ? status.containerStatuses.map(obj) : [];
    const entry = list.find((s) => s.name === name);
    if (!entry) return;
    entry.state = { running: { startedAt: nowRfc3339() } };
    entry.ready = true;
    entry.started = true;
    status.containerStatuses = list;
    if (list.every((s) => s.ready === true)) {
      setCondition(status, 'ContainersReady', 'True');
      setCondition(status, 'Ready', 'True');
    }
    this.writeStatus(pod, status);
    if (script.runMs !== undefined)
      this.after(uid, script.runMs, () => this.terminateContainer(uid, name, script));
  }

  private completePodIfDone(pod: KubeObject, status: Obj): void {
    const list = Array.isArray(status.containerStatuses) ? status.containerStatuses.map(obj) : [];
    if (!list.every((s) => obj(s.state).terminated)) return;
    const failed = list.some((s) => obj(obj(s.state).terminated).exitCode !== 0);
    status.phase = failed ? 'Failed' : 'Succeeded';
    setCondition(status, 'Ready', 'False', 'PodCompleted');
    setCondition(status, 'ContainersReady', 'False', 'PodCompleted');
    setCondition(status, 'PodReadyToStartContainers', 'False');
    void pod;
  }

  /** The end of a graceful deletion: containers are killed, the phase set, and the pod removed. */
  private finishDeletion(uid: string, like: KubeObject): void {
    let pod = this.current(uid, like);
    if (!pod) return;
    const status = structuredClone(obj(pod.status));
    if (status.phase !== 'Succeeded' && status.phase !== 'Failed') {
      const now = nowRfc3339();
      const list = Array.isArray(status.containerStatuses) ? status.containerStatuses.map(obj) : [];
      for (const s of list) {
        if (obj(s.state).terminated) continue;
        const startedAt = String(obj(obj(s.state).running).startedAt ?? now);
        s.state = { terminated: { exitCode: 143, reason: 'Error', startedAt, finishedAt: now } };
        s.ready = false;
        s.started = false;
      }
      if (list.length) status.containerStatuses = list;
      this.events.record(pod, 'Normal', 'Killing', 'Stopping container', 'kubelet');
      this.completePodIfDone(pod, status);
      if (status.phase !== 'Succeeded' && status.phase !== 'Failed') status.phase = 'Failed';
      pod = this.writeStatus(pod, status);
    }
    if (!pod || !this.current(uid, pod)) return;
    this.api.delete(this.pods, pod.metadata.namespace, pod.metadata.name ?? '', {
      gracePeriodSeconds: 0,
      preconditions: { uid },
    });
  }
}

function terminationReason(script: ContainerScript): string {
  if (script.oom) return 'OOMKilled';
  return script.exitCode === 0 ? 'Completed' : 'Error';
}
