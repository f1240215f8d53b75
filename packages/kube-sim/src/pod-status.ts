import type { KubeObject } from './types.js';
import { cloneJson, isPlainObject, nowRfc3339 } from './types.js';

/** Helpers to read pod specs and write pod status the way a kubelet reports it. */

export type Obj = Record<string, unknown>;

export type StatusList = 'containerStatuses' | 'initContainerStatuses';

export function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

export function containersOf(pod: KubeObject, key: 'containers' | 'initContainers'): Obj[] {
  const list = obj(pod.spec)[key];
  return Array.isArray(list) ? list.map(obj) : [];
}

/** A native sidecar (Kubernetes ≥1.29): an init container with `restartPolicy: Always`. */
export function isSidecar(container: Obj): boolean {
  return container.restartPolicy === 'Always';
}

export function sidecarsOf(pod: KubeObject): Obj[] {
  return containersOf(pod, 'initContainers').filter(isSidecar);
}

export function statusList(status: Obj, key: StatusList): Obj[] {
  const list = status[key];
  return Array.isArray(list) ? list.map(obj) : [];
}

export function stateOf(containerStatus: Obj | undefined): {
  waiting?: Obj;
  running?: Obj;
  terminated?: Obj;
} {
  const state = obj(containerStatus?.state);
  return {
    waiting: isPlainObject(state.waiting) ? state.waiting : undefined,
    running: isPlainObject(state.running) ? state.running : undefined,
    terminated: isPlainObject(state.terminated) ? state.terminated : undefined,
  };
}

export function isTerminalPhase(status: Obj): boolean {
  return status.phase === 'Succeeded' || status.phase === 'Failed';
}

export function setCondition(
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

export function containerStatus(container: Obj, state: Obj, extra: Obj = {}): Obj {
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

export function containerId(podUid: string, name: string): string {
  return `containerd://${podUid.replace(/-/g, '')}${name}`.slice(0, 77);
}

/** Ends every container of `key` that is not terminated yet (pod finishing, deletion, eviction). */
export function terminateAll(
  status: Obj,
  key: StatusList,
  exitCode: number,
  reason: string,
  only: (s: Obj) => boolean = () => true,
): void {
  const list = statusList(status, key);
  if (!list.length) return;
  const now = nowRfc3339();
  for (const s of list) {
    if (!only(s)) continue;
    const { running, terminated } = stateOf(s);
    if (terminated) continue;
    const startedAt = String(running?.startedAt ?? now);
    const ended: Obj = { exitCode, reason, startedAt, finishedAt: now };
    if (s.containerID !== undefined) ended.containerID = s.containerID;
    s.state = { terminated: ended };
    s.ready = false;
    s.started = false;
  }
  status[key] = list;
}

/** Pod Ready/ContainersReady: every main container and every sidecar is ready. */
export function updateReadiness(pod: KubeObject, status: Obj): void {
  const sidecarNames = new Set(sidecarsOf(pod).map((c) => String(c.name)));
  const relevant = [
    ...statusList(status, 'containerStatuses'),
    ...statusList(status, 'initContainerStatuses').filter((s) => sidecarNames.has(String(s.name))),
  ];
  if (relevant.length && relevant.every((s) => s.ready === true)) {
    setCondition(status, 'ContainersReady', 'True');
    setCondition(status, 'Ready', 'True');
  } else {
    const unready = relevant.filter((s) => s.ready !== true).map((s) => String(s.name));
    const message = `containers with unready status: [${unready.join(' ')}]`;
    setCondition(status, 'ContainersReady', 'False', 'ContainersNotReady', message);
    setCondition(status, 'Ready', 'False', 'ContainersNotReady', message);
  }
}

/**
 * Once every main container has terminated the pod is done: Succeeded if all exited 0, else Failed
 * (sidecars do not count), and its sidecars are stopped.
 */
export function completePodIfDone(pod: KubeObject, status: Obj): void {
  const list = statusList(status, 'containerStatuses');
  if (!list.every((s) => stateOf(s).terminated)) return;
  const failed = list.some((s) => stateOf(s).terminated?.exitCode !== 0);
  status.phase = failed ? 'Failed' : 'Succeeded';
  stopSidecars(pod, status);
  setCondition(status, 'Ready', 'False', 'PodCompleted');
  setCondition(status, 'ContainersReady', 'False', 'PodCompleted');
  setCondition(status, 'PodReadyToStartContainers', 'False');
}

/** Sidecars handle the kubelet's SIGTERM and exit 0 once the main containers are done. */
export function stopSidecars(pod: KubeObject, status: Obj): void {
  const names = new Set(sidecarsOf(pod).map((c) => String(c.name)));
  terminateAll(status, 'initContainerStatuses', 0, 'Completed', (s) => names.has(String(s.name)));
}

/** The status a kubelet writes when it takes a pod: Pending, IPs, conditions, containers waiting to start. */
export function scheduledPodStatus(pod: KubeObject, ipIndex: number): Obj {
  const status = cloneJson(obj(pod.status));
  status.phase = 'Pending';
  status.hostIP = '10.0.0.1';
  status.hostIPs = [{ ip: '10.0.0.1' }];
  status.podIP = `10.244.${(ipIndex >> 8) & 255}.${ipIndex & 255}`;
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
  return status;
}

/** The end of a graceful deletion: running containers killed (143), the pod Succeeded or Failed. */
export function killedPodStatus(pod: KubeObject): Obj {
  const status = cloneJson(obj(pod.status));
  terminateAll(status, 'containerStatuses', 143, 'Error');
  terminateAll(status, 'initContainerStatuses', 143, 'Error', (s) => stateOf(s).running !== undefined);
  completePodIfDone(pod, status);
  if (!isTerminalPhase(status)) status.phase = 'Failed';
  return status;
}
