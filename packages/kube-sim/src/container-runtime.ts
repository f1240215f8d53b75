import type { EventRecorder } from './controllers/events.js';
import type { ContainerScript } from './container-script.js';
import { scriptOf, terminationMessageOf, terminationReason } from './container-script.js';
import type { PodTimers } from './pod-timers.js';
import type { PodTimings } from './pod-timings.js';
import type { Obj, StatusList } from './pod-status.js';
import {
  completePodIfDone,
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
  stopSidecars,
  updateReadiness,
} from './pod-status.js';
import type { SimulatedImages } from './simulated-images.js';
import type { KubeObject } from './types.js';
import { cloneJson, nowRfc3339 } from './types.js';

/** How the container runtime reads and reports the pods of its node. */
export interface NodePods {
  /** The pod, unless it is gone or being deleted (then the deletion path owns it). */
  live(uid: string): KubeObject | undefined;
  /** Writes the pod's status subresource; undefined when the pod is gone. */
  writeStatus(pod: KubeObject, status: Obj): KubeObject | undefined;
}

/**
 * Runs a scheduled pod's containers as their env scripts say (init containers in order, native
 * sidecars alongside, then the main containers) and reports each container's state the way a
 * kubelet does: image pull failures, exits, restarts with back-off, and the pod's final phase.
 */
export class ContainerRuntime {
  constructor(
    private readonly pods: NodePods,
    private readonly timers: PodTimers,
    private readonly timings: PodTimings,
    private readonly events: Pick<EventRecorder, 'record'>,
    private readonly images: SimulatedImages,
  ) {}

  /**
   * Starts the next init container, or all containers once init containers are done. A regular init
   * container is done when it exited 0; a sidecar once it has started (it keeps running).
   */
  startNext(uid: string): void {
    const pod = this.pods.live(uid);
    if (!pod) return;
    const status = cloneJson(obj(pod.status));
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
    let unstartable = false;
    for (const c of containersOf(pod, 'containers')) {
      const script = scriptOf(c);
      if (script.imagePullFails) {
        pulling = true;
        statuses.push(containerStatus(c, { waiting: pullFailure(c) }));
        continue;
      }
      const configError = this.images.runAsNonRootViolation(pod, c);
      if (configError !== undefined) {
        unstartable = true;
        statuses.push(containerStatus(c, { waiting: configFailure(configError) }));
        this.events.record(pod, 'Warning', 'Failed', `Error: ${configError}`, 'kubelet');
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
        this.timers.after(uid, script.runMs, () => this.terminateContainer(uid, String(c.name), script));
    }
    status.containerStatuses = statuses;
    if (pulling) {
      status.phase = 'Pending';
      this.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet');
      const written = this.pods.writeStatus(pod, status);
      if (written)
        this.timers.after(uid, this.timings.imagePullBackOffDelayMs, () => this.imagePullBackOff(uid));
      return;
    }
    if (unstartable) {
      // The kubelet retries each sync and fails the same way until the pod spec or the image changes.
      status.phase = 'Pending';
      this.pods.writeStatus(pod, status);
      return;
    }
    status.phase = 'Running';
    updateReadiness(pod, status);
    this.pods.writeStatus(pod, status);
  }

  private startInit(uid: string, pod: KubeObject, status: Obj, container: Obj): void {
    const script = scriptOf(container);
    if (script.imagePullFails) return this.failImagePull(uid, pod, status, container);
    const configError = this.images.runAsNonRootViolation(pod, container);
    if (configError !== undefined) return this.failInitConfig(pod, status, container, configError);
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
    if (!this.pods.writeStatus(pod, status)) return;
    if (sidecar) {
      // The kubelet does not wait for a sidecar: the next init container starts right away.
      if (script.runMs !== undefined)
        this.timers.after(uid, script.runMs, () => this.terminateContainer(uid, name, script));
      this.timers.after(uid, 0, () => this.startNext(uid));
    } else this.timers.after(uid, script.runMs ?? 0, () => this.finishInit(uid, name, script));
  }

  private failImagePull(uid: string, pod: KubeObject, status: Obj, container: Obj): void {
    const list = statusList(status, 'initContainerStatuses');
    const i = list.findIndex((s) => s.name === container.name);
    const entry = containerStatus(container, { waiting: pullFailure(container) });
    if (i >= 0) list[i] = entry;
    else list.push(entry);
    status.initContainerStatuses = list;
    this.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet');
    const written = this.pods.writeStatus(pod, status);
    if (written)
      this.timers.after(uid, this.timings.imagePullBackOffDelayMs, () => this.imagePullBackOff(uid));
  }

  /** CreateContainerConfigError on an init container: the pod stays Pending, initializing. */
  private failInitConfig(pod: KubeObject, status: Obj, container: Obj, message: string): void {
    const list = statusList(status, 'initContainerStatuses');
    const i = list.findIndex((s) => s.name === container.name);
    const entry = containerStatus(container, { waiting: configFailure(message) });
    if (i >= 0) list[i] = entry;
    else list.push(entry);
    status.initContainerStatuses = list;
    status.containerStatuses = containersOf(pod, 'containers').map((c) =>
      containerStatus(c, { waiting: { reason: 'PodInitializing' } }),
    );
    this.events.record(pod, 'Warning', 'Failed', `Error: ${message}`, 'kubelet');
    this.pods.writeStatus(pod, status);
  }

  private imagePullBackOff(uid: string): void {
    const pod = this.pods.live(uid);
    if (!pod) return;
    const status = cloneJson(obj(pod.status));
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
    this.pods.writeStatus(pod, status);
  }

  /** A regular init container exited: next one, a restart, or (restartPolicy Never) a failed pod. */
  private finishInit(uid: string, name: string, script: ContainerScript): void {
    const pod = this.pods.live(uid);
    if (!pod) return;
    const status = cloneJson(obj(pod.status));
    const list = statusList(status, 'initContainerStatuses');
    const entry = list.find((s) => s.name === name);
    if (!entry) return;
    const startedAt = String(stateOf(entry).running?.startedAt ?? nowRfc3339());
    const spec = containersOf(pod, 'initContainers').find((c) => c.name === name);
    const message = spec ? terminationMessageOf(spec, script) : undefined;
    entry.state = {
      terminated: {
        exitCode: script.exitCode,
        reason: terminationReason(script),
        ...(message !== undefined ? { message } : {}),
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
      stopSidecars(pod, status);
      setCondition(status, 'Ready', 'False', 'PodFailed');
      setCondition(status, 'ContainersReady', 'False', 'PodFailed');
      this.pods.writeStatus(pod, status);
      return;
    }
    if (script.exitCode !== 0) entry.restartCount = Number(entry.restartCount ?? 0) + 1;
    if (!this.pods.writeStatus(pod, status)) return;
    this.timers.after(uid, script.exitCode !== 0 ? this.timings.restartDelayMs : 0, () =>
      this.startNext(uid),
    );
  }

  /** A main container or a sidecar exited: it restarts (sidecars always do) or may end the pod. */
  terminateContainer(uid: string, name: string, script: ContainerScript): void {
    const pod = this.pods.live(uid);
    if (!pod) return;
    const status = cloneJson(obj(pod.status));
    if (isTerminalPhase(status)) return;
    const sidecar = sidecarsOf(pod).some((c) => c.name === name);
    const key: StatusList = sidecar ? 'initContainerStatuses' : 'containerStatuses';
    const list = statusList(status, key);
    const entry = list.find((s) => s.name === name);
    if (!entry) return;
    const spec = [...containersOf(pod, 'containers'), ...containersOf(pod, 'initContainers')].find(
      (c) => c.name === name,
    );
    const message = spec ? terminationMessageOf(spec, script) : undefined;
    const terminated = {
      exitCode: script.exitCode,
      reason: terminationReason(script),
      ...(message !== undefined ? { message } : {}),
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
      this.pods.writeStatus(pod, status);
      this.timers.after(uid, this.timings.restartDelayMs, () => this.restartContainer(uid, name, script));
      return;
    }
    entry.state = { terminated };
    entry.started = false;
    status[key] = list;
    completePodIfDone(pod, status);
    if (script.exitCode !== 0)
      this.events.record(
        pod,
        'Warning',
        'BackOff',
        `Container ${name} exited with code ${script.exitCode}`,
        'kubelet',
      );
    this.pods.writeStatus(pod, status);
  }

  private restartContainer(uid: string, name: string, script: ContainerScript): void {
    const pod = this.pods.live(uid);
    if (!pod) return;
    const status = cloneJson(obj(pod.status));
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
    this.pods.writeStatus(pod, status);
    if (script.runMs !== undefined)
      this.timers.after(uid, script.runMs, () => this.terminateContainer(uid, name, script));
  }
}

function configFailure(message: string): Obj {
  return { reason: 'CreateContainerConfigError', message };
}

function pullFailure(container: Obj): Obj {
  return {
    reason: 'ErrImagePull',
    message: `failed to pull and unpack image "${String(container.image)}": simulated pull failure`,
  };
}
