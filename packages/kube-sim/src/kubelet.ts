import type { Logger } from 'pino';
import type { EventRecorder } from './controllers/events.js';
import { ApiError } from './errors.js';
import type { ResourceApi } from './resource-api.js';
import type { ResourceType } from './resource-registry.js';
import type { StoreEvent } from './store.js';
import type { ContainerScript } from './container-script.js';
import { scriptOf, terminationReason } from './container-script.js';
import type { Obj, StatusList } from './pod-status.js';
import {
  containerId,
  containerStatus,
  containersOf,
  isSidecar,
  isTerminalPhase,
  obj,
  setCondition,
  sidecarsOf,
  stateOf,
  statusList,
  terminateAll,
  updateReadiness,
} from './pod-status.js';
import { ensureNode, NODE_NAME } from './simulated-node.js';
import type { KubeObject } from './types.js';
import { nowRfc3339 } from './types.js';

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

export { NODE_NAME };

/**
 * The simulated scheduler + kubelet for one node: binds pods, runs init containers (native sidecars
 * included) then containers as their env scripts say, reports status like a kubelet, handles
 * graceful deletion and eviction.
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
    ensureNode(this.api);
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
    if (!statusList(status, 'containerStatuses').length)
      status.containerStatuses = containersOf(pod, 'containers').map((c) => containerStatus(c, {}));
    terminateAll(status, 'containerStatuses', 137, 'Error');
    terminateAll(status, 'initContainerStatuses', 137, 'Error', (s) => stateOf(s).running !== undefined);
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
      this.after(uid, this.timings.scheduleDelayMs, () => this.schedule(uid));
      return;
    }
    if (pod.metadata.deletionTimestamp && !event.oldObject?.metadata.deletionTimestamp) {
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      this.cancel(uid);
      this.after(uid, Math.min(graceMs, this.timings.deletionDelayMs), () => this.finishDeletion(uid));
    }
  }

  /** After loading saved state: pick pods up where their status says they are. */
  private resume(pod: KubeObject): void {
    const uid = pod.metadata.uid ?? '';
    const status = obj(pod.status);
    if (pod.metadata.deletionTimestamp) {
      this.after(uid, 0, () => this.finishDeletion(uid));
    } else if (isTerminalPhase(status)) {
      return;
    } else if (status.phase === 'Running') {
      const running = [
        ...containersOf(pod, 'containers').map((c) => ({ c, key: 'containerStatuses' as const })),
        ...sidecarsOf(pod).map((c) => ({ c, key: 'initContainerStatuses' as const })),
      ];
      for (const { c, key } of running) {
        const s = statusList(status, key).find((x) => x.name === c.name);
        const startedAt = stateOf(s).running?.startedAt;
        const script = scriptOf(c);
        if (script.runMs === undefined || typeof startedAt !== 'string') continue;
        const remaining = Date.parse(startedAt) + script.runMs - Date.now();
        this.after(uid, Math.max(0, remaining), () => this.terminateContainer(uid, String(c.name), script));
      }
    } else {
      this.after(uid, this.timings.scheduleDelayMs, () => this.schedule(uid));
    }
  }

  private byUid(uid: string): KubeObject | undefined {
    const found = this.api.store.byUid(uid);
    return found && found.resourceId === this.pods.id ? found.object : undefined;
  }

  /** The pod, unless it is gone or being deleted (then the deletion path owns it). */
  private live(uid: string): KubeObject | undefined {
    const pod = this.byUid(uid);
    return pod && !pod.metadata.deletionTimestamp ? pod : undefined;
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

  private schedule(uid: string): void {
    let pod = this.live(uid);
    if (!pod) return;
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
    const containers = containersOf(pod, 'containers');
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
    const unready = [...inits.filter(isSidecar), ...containers].map((c) => String(c.name)).join(' ');
    setCondition(
      status,
      'Ready',
      'False',
      'ContainersNotReady',
      `containers with unready status: [${unready}]`,
    );
    setCondition(status, 'ContainersReady', 'False', 'ContainersNotReady');
    setCondition(status, 'PodScheduled', 'True');
    if (inits.length)
      status.initContainerStatuses = inits.map((c) =>
        containerStatus(c, { waiting: { reason: 'PodInitializing' } }),
      );
    status.containerStatuses = containers.map((c) =>
      containerStatus(c, { waiting: { reason: inits.length ? 'PodInitializing' : 'ContainerCreating' } }),
    );
    if (!this.writeStatus(pod, status)) return;
    const scripts = [...inits, ...containers].map(scriptOf);
    const delay = Math.max(this.timings.startDelayMs, ...scripts.map((s) => s.startDelayMs ?? 0));
    this.after(uid, delay, () => this.startNext(uid));
  }

  /**
   * Starts the next init container, or all containers once init containers are done. A regular init
   * container is done when it exited 0; a sidecar once it has started (it keeps running).
   */
  private startNext(uid: string): void {
    const pod = this.live(uid);
    if (!pod) return;
    const status = structuredClone(obj(pod.status));
    const inits = containersOf(pod, 'initContainers');
    const initStatuses = statusList(status, 'initContainerStatuses');
    const nextInit = inits.findIndex((c) => {
      const s = initStatuses.find((x) => x.name === c.name);
      if (isSidecar(c)) return !(stateOf(s).running || stateOf(s).terminated || obj(s?.lastState).terminated);
      return stateOf(s).terminated?.exitCode !== 0;
    });
    setCondition(status, 'PodReadyToStartContainers', 'True');
    if (nextInit >= 0) return this.startInit(uid, pod, status, inits[nextInit]!);
    setCondition(status, 'Initialized', 'True');
    const statuses: Obj[] = [];
    let pulling = false;
    for (const c of containersOf(pod, 'containers')) {
      const script = scriptOf(c);
      if (script.imagePullFails) {
        pulling = true;
        statuses.push(containerStatus(c, { waiting: pullFailure(c) }));
        continue;
      }
      statuses.push(
        containerStatus(
          c,
          { running: { startedAt: nowRfc3339() } },
          { ready: true, started: true, containerID: containerId(uid, String(c.name)) },
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
      if (written) this.after(uid, this.timings.imagePullBackOffDelayMs, () => this.imagePullBackOff(uid));
      return;
    }
    status.phase = 'Running';
    updateReadiness(pod, status);
    this.writeStatus(pod, status);
  }

  private startInit(uid: string, pod: KubeObject, status: Obj, container: Obj): void {
    const script = scriptOf(container);
    if (script.imagePullFails) return this.failImagePull(uid, pod, status, container);
    const name = String(container.name);
    const sidecar = isSidecar(container);
    const list = statusList(status, 'initContainerStatuses');
    const i = list.findIndex((s) => s.name === name);
    const entry = containerStatus(
      container,
      { running: { startedAt: nowRfc3339() } },
      {
        started: true,
        ready: sidecar, // no probes: a started sidecar is ready
        restartCount: Number(list[i]?.restartCount ?? 0),
        containerID: containerId(uid, name),
      },
    );
    if (i >= 0) list[i] = entry;
    else list.push(entry);
    status.initContainerStatuses = list;
    status.containerStatuses = containersOf(pod, 'containers').map((c) =>
      containerStatus(c, { waiting: { reason: 'PodInitializing' } }),
    );
    this.events.record(pod, 'Normal', 'Started', `Started container ${name}`, 'kubelet');
    if (!this.writeStatus(pod, status)) return;
    if (sidecar) {
      // The kubelet does not wait for a sidecar: the next init container starts right away.
      if (script.runMs !== undefined)
        this.after(uid, script.runMs, () => this.terminateContainer(uid, name, script));
      this.after(uid, 0, () => this.startNext(uid));
    } else this.after(uid, script.runMs ?? 0, () => this.finishInit(uid, name, script));
  }

  private failImagePull(uid: string, pod: KubeObject, status: Obj, container: Obj): void {
    const list = statusList(status, 'initContainerStatuses');
    const i = list.findIndex((s) => s.name === container.name);
    const entry = containerStatus(container, { waiting: pullFailure(container) });
    if (i >= 0) list[i] = entry;
    else list.push(entry);
    status.initContainerStatuses = list;
    this.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet');
    const written = this.writeStatus(pod, status);
    if (written) this.after(uid, this.timings.imagePullBackOffDelayMs, () => this.imagePullBackOff(uid));
  }

  private imagePullBackOff(uid: string): void {
    const pod = this.live(uid);
    if (!pod) return;
    const status = structuredClone(obj(pod.status));
    for (const key of ['initContainerStatuses', 'containerStatuses'] as const) {
      const list = statusList(status, key);
      for (const s of list) {
        if (stateOf(s).waiting?.reason === 'ErrImagePull')
          s.state = {
            waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${String(s.image)}"` },
          };
      }
      if (list.length) status[key] = list;
    }
    this.events.record(pod, 'Normal', 'BackOff', 'Back-off pulling image', 'kubelet');
    this.writeStatus(pod, status);
  }

  /** A regular init container exited: next one, a restart, or (restartPolicy Never) a failed pod. */
  private finishInit(uid: string, name: string, script: ContainerScript): void {
    const pod = this.live(uid);
    if (!pod) return;
    const status = structuredClone(obj(pod.status));
    const list = statusList(status, 'initContainerStatuses');
    const entry = list.find((s) => s.name === name);
    if (!entry) return;
    const startedAt = String(stateOf(entry).running?.startedAt ?? nowRfc3339());
    entry.state = {
      terminated: {
        exitCode: script.exitCode,
        reason: terminationReason(script),
        startedAt,
        finishedAt: nowRfc3339(),
        containerID: entry.containerID,
      },
    };
    entry.ready = script.exitCode === 0;
    entry.started = false;
    status.initContainerStatuses = list;
    const policy = String(obj(pod.spec).restartPolicy ?? 'Always');
    if (script.exitCode !== 0 && policy === 'Never') {
      status.phase = 'Failed';
      this.stopSidecars(pod, status);
      setCondition(status, 'Ready', 'False', 'PodFailed');
      setCondition(status, 'ContainersReady', 'False', 'PodFailed');
      this.writeStatus(pod, status);
      return;
    }
    if (script.exitCode !== 0) entry.restartCount = Number(entry.restartCount ?? 0) + 1;
    if (!this.writeStatus(pod, status)) return;
    this.after(uid, script.exitCode !== 0 ? this.timings.restartDelayMs : 0, () => this.startNext(uid));
  }

  /** A main container or a sidecar exited: it restarts (sidecars always do) or may end the pod. */
  private terminateContainer(uid: string, name: string, script: ContainerScript): void {
    const pod = this.live(uid);
    if (!pod) return;
    const status = structuredClone(obj(pod.status));
    if (isTerminalPhase(status)) return;
    const sidecar = sidecarsOf(pod).some((c) => c.name === name);
    const key: StatusList = sidecar ? 'initContainerStatuses' : 'containerStatuses';
    const list = statusList(status, key);
    const entry = list.find((s) => s.name === name);
    if (!entry) return;
    const terminated = {
      exitCode: script.exitCode,
      reason: terminationReason(script),
      startedAt: String(stateOf(entry).running?.startedAt ?? nowRfc3339()),
      finishedAt: nowRfc3339(),
      containerID: entry.containerID,
    };
    const policy = String(obj(pod.spec).restartPolicy ?? 'Always');
    entry.ready = false;
    if (sidecar || policy === 'Always' || (policy === 'OnFailure' && script.exitCode !== 0)) {
      entry.lastState = { terminated };
      entry.state = {
        waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${name}` },
      };
      entry.restartCount = Number(entry.restartCount ?? 0) + 1;
      status[key] = list;
      updateReadiness(pod, status);
      this.writeStatus(pod, status);
      this.after(uid, this.timings.restartDelayMs, () => this.restartContainer(uid, name, script));
      return;
    }
    entry.state = { terminated };
    entry.started = false;
    status[key] = list;
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
    const pod = this.live(uid);
    if (!pod) return;
    const status = structuredClone(obj(pod.status));
    if (isTerminalPhase(status)) return;
    const key: StatusList = sidecarsOf(pod).some((c) => c.name === name)
      ? 'initContainerStatuses'
      : 'containerStatuses';
    const list = statusList(status, key);
    const entry = list.find((s) => s.name === name);
    if (!entry) return;
    entry.state = { running: { startedAt: nowRfc3339() } };
    entry.ready = true;
    entry.started = true;
    status[key] = list;
    updateReadiness(pod, status);
    this.writeStatus(pod, status);
    if (script.runMs !== undefined)
      this.after(uid, script.runMs, () => this.terminateContainer(uid, name, script));
  }

  /**
   * Once every main container has terminated the pod is done: Succeeded if all exited 0, else Failed
   * (sidecars do not count), and its sidecars are stopped.
   */
  private completePodIfDone(pod: KubeObject, status: Obj): void {
    const list = statusList(status, 'containerStatuses');
    if (!list.every((s) => stateOf(s).terminated)) return;
    const failed = list.some((s) => stateOf(s).terminated?.exitCode !== 0);
    status.phase = failed ? 'Failed' : 'Succeeded';
    this.stopSidecars(pod, status);
    setCondition(status, 'Ready', 'False', 'PodCompleted');
    setCondition(status, 'ContainersReady', 'False', 'PodCompleted');
    setCondition(status, 'PodReadyToStartContainers', 'False');
  }

  /** Sidecars handle the kubelet's SIGTERM and exit 0 once the main containers are done. */
  private stopSidecars(pod: KubeObject, status: Obj): void {
    const names = new Set(sidecarsOf(pod).map((c) => String(c.name)));
    terminateAll(status, 'initContainerStatuses', 0, 'Completed', (s) => names.has(String(s.name)));
  }

  /** The end of a graceful deletion: containers are killed, the phase set, and the pod removed. */
  private finishDeletion(uid: string): void {
    let pod = this.byUid(uid);
    if (!pod) return;
    const status = structuredClone(obj(pod.status));
    if (!isTerminalPhase(status)) {
      terminateAll(status, 'containerStatuses', 143, 'Error');
      terminateAll(status, 'initContainerStatuses', 143, 'Error', (s) => stateOf(s).running !== undefined);
      this.events.record(pod, 'Normal', 'Killing', 'Stopping container', 'kubelet');
      this.completePodIfDone(pod, status);
      if (!isTerminalPhase(status)) status.phase = 'Failed';
      pod = this.writeStatus(pod, status);
    }
    if (!pod || !this.byUid(uid)) return;
    this.api.delete(this.pods, pod.metadata.namespace, pod.metadata.name ?? '', {
      gracePeriodSeconds: 0,
      preconditions: { uid },
    });
  }
}

function pullFailure(container: Obj): Obj {
  return {
    reason: 'ErrImagePull',
    message: `failed to pull and unpack image "${String(container.image)}": simulated pull failure`,
  };
}
