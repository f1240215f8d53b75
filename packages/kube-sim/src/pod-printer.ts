import { humanDuration } from './human-duration.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

function conditionTrue(status: Obj, type: string): boolean {
  return list(status.conditions).some((c) => c.type === type && c.status === 'True');
}

/** The READY, STATUS and RESTARTS cells of `kubectl get pods`. */
export interface PodCells {
  ready: string;
  status: string;
  restarts: string;
}

/**
 * The API server's pod printer (pkg/printers/internalversion printPod), including native sidecars:
 * they count in READY, their restarts count once the pod is initialized, and a started sidecar does
 * not hold the pod in `Init:x/y`.
 */
export function printPod(pod: KubeObject, now: number): PodCells {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const phase = String(status.phase ?? 'Pending');
  let reason = typeof status.reason === 'string' && status.reason ? status.reason : phase;
  if (list(status.conditions).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated'))
    reason = 'SchedulingGated';
  const inits = list(spec.initContainers);
  const sidecars = new Set(inits.filter((c) => c.restartPolicy === 'Always').map((c) => String(c.name)));
  const total = list(spec.containers).length + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const restartCount = (s: Obj) => (typeof s.restartCount === 'number' ? s.restartCount : 0);
  const finishedAt = (s: Obj) => {
    const at = obj(obj(s.lastState).terminated).finishedAt;
    return typeof at === 'string' ? Date.parse(at) : 0;
  };

  let initializing = false;
  for (const [i, s] of list(status.initContainerStatuses).entries()) {
    const state = obj(s.state);
    const terminated = isPlainObject(state.terminated) ? state.terminated : undefined;
    const waiting = obj(state.waiting);
    const sidecar = sidecars.has(String(s.name));
    restarts += restartCount(s);
    lastRestart = Math.max(lastRestart, finishedAt(s));
    if (sidecar) {
      sidecarRestarts += restartCount(s);
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(s));
    }
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && s.started === true) {
      if (s.ready === true) ready++;
      continue;
    }
    if (terminated) reason = `Init:${exitReason(terminated)}`;
    else if (typeof waiting.reason === 'string' && waiting.reason && waiting.reason !== 'PodInitializing')
      reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${inits.length}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    for (const s of [...list(status.containerStatuses)].reverse()) {
      const state = obj(s.state);
      const terminated = isPlainObject(state.terminated) ? state.terminated : undefined;
      const waiting = obj(state.waiting);
      restarts += restartCount(s);
      lastRestart = Math.max(lastRestart, finishedAt(s));
      if (typeof waiting.reason === 'string' && waiting.reason) reason = waiting.reason;
      else if (terminated) reason = exitReason(terminated);
      else if (s.ready === true && state.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning)
      reason = conditionTrue(status, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed')
    reason = 'Terminating';

  return {
    ready: `${ready}/${total}`,
    status: reason,
    restarts:
      restarts !== 0 && lastRestart > 0
        ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
        : String(restarts),
  };
}

function exitReason(terminated: Obj): string {
  if (typeof terminated.reason === 'string' && terminated.reason) return terminated.reason;
  if (typeof terminated.signal === 'number' && terminated.signal !== 0) return `Signal:${terminated.signal}`;
  return `ExitCode:${String(terminated.exitCode)}`;
}

/** The `-o wide` cells: IP, NODE, NOMINATED NODE, READINESS GATES. */
export function printPodWide(pod: KubeObject): string[] {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const ip = String(list(status.podIPs)[0]?.ip ?? '') || '<none>';
  const gates = list(spec.readinessGates);
  const gatesTrue = gates.filter((g) => conditionTrue(status, String(g.conditionType))).length;
  return [
    ip,
    typeof spec.nodeName === 'string' && spec.nodeName ? spec.nodeName : '<none>',
    typeof status.nominatedNodeName === 'string' && status.nominatedNodeName
      ? status.nominatedNodeName
      : '<none>',
    gates.length ? `${gatesTrue}/${gates.length}` : '<none>',
  ];
}
