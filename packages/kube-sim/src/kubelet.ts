import type { Logger } from 'pino';
import type { EventRecorder } from './controllers/events.js';
import { ContainerRuntime } from './container-runtime.js';
import { podStartDelayMs, scriptOf } from './container-script.js';
import type { ResourceApi } from './resource-api.js';
import type { ResourceType } from './resource-registry.js';
import type { StoreEvent } from './store.js';
import type { Obj } from './pod-status.js';
import {
  containerStatus,
  containersOf,
  isTerminalPhase,
  killedPodStatus,
  obj,
  scheduledPodStatus,
  setCondition,
  sidecarsOf,
  stateOf,
  statusList,
  terminateAll,
} from './pod-status.js';
import { PodTimers } from './pod-timers.js';
import type { PodTimings } from './pod-timings.js';
import type { SimulatedImages } from './simulated-images.js';
import { ensureNode, NODE_NAME } from './simulated-node.js';
import type { KubeObject } from './types.js';
import { cloneJson } from './types.js';

/**
 * The simulated scheduler + kubelet for one node: binds pods, runs init containers (native sidecars
 * included) then containers as their env scripts say, reports status like a kubelet, handles
 * graceful deletion and eviction.
 */
export class Kubelet {
  private readonly timers: PodTimers;
  private readonly runtime: ContainerRuntime;
  private unsubscribe: (() => void) | undefined;
  private nextIp = 2;
  private readonly pods: ResourceType;

  constructor(
    private readonly api: ResourceApi,
    private readonly timings: PodTimings,
    private readonly events: EventRecorder,
    images: SimulatedImages,
    logger: Logger,
  ) {
    this.pods = api.registry.byGroupResource('', 'pods')!;
    this.timers = new PodTimers(logger);
    this.runtime = new ContainerRuntime(
      { live: (uid) => this.live(uid), writeStatus: (pod, status) => this.writeStatus(pod, status) },
      this.timers,
      timings,
      events,
      images,
    );
  }

  start(): void {
    ensureNode(this.api);
    this.unsubscribe = this.api.store.subscribe((event) => this.onEvent(event));
    for (const [, pod] of this.api.store.iterate(this.pods.id)) this.resume(pod);
  }

  stop(): void {
    this.unsubscribe?.();
    this.timers.cancelAll();
  }

  /** Kubelet-style eviction: containers killed, phase Failed, reason Evicted, DisruptionTarget. */
  evict(namespace: string, name: string, message = 'The node was low on resource: memory. '): KubeObject {
    const pod = this.api.get(this.pods, namespace, name);
    this.timers.cancel(pod.metadata.uid ?? '');
    const status = cloneJson(obj(pod.status));
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
      this.timers.cancel(uid);
      return;
    }
    if (event.type === 'ADDED') {
      this.timers.after(uid, this.timings.scheduleDelayMs, () => this.schedule(uid));
      return;
    }
    if (pod.metadata.deletionTimestamp && !event.oldObject?.metadata.deletionTimestamp) {
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      this.timers.cancel(uid);
      this.timers.after(uid, Math.min(graceMs, this.timings.deletionDelayMs), () => this.finishDeletion(uid));
    }
  }

  /** After loading saved state: pick pods up where their status says they are. */
  private resume(pod: KubeObject): void {
    const uid = pod.metadata.uid ?? '';
    const status = obj(pod.status);
    if (pod.metadata.deletionTimestamp) {
      this.timers.after(uid, 0, () => this.finishDeletion(uid));
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
        this.timers.after(uid, Math.max(0, remaining), () =>
          this.runtime.terminateContainer(uid, String(c.name), script),
        );
      }
    } else {
      this.timers.after(uid, this.timings.scheduleDelayMs, () => this.schedule(uid));
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
    const status = scheduledPodStatus(pod, this.nextIp++);
    if (!this.writeStatus(pod, status)) return;
    this.timers.after(uid, podStartDelayMs(pod, this.timings), () => this.runtime.startNext(uid));
  }

  /** The end of a graceful deletion: containers are killed, the phase set, and the pod removed. */
  private finishDeletion(uid: string): void {
    let pod = this.byUid(uid);
    if (!pod) return;
    if (!isTerminalPhase(obj(pod.status))) {
      this.events.record(pod, 'Normal', 'Killing', 'Stopping container', 'kubelet');
      pod = this.writeStatus(pod, killedPodStatus(pod));
    }
    if (!pod || !this.byUid(uid)) return;
    this.api.delete(this.pods, pod.metadata.namespace, pod.metadata.name ?? '', {
      gracePeriodSeconds: 0,
      preconditions: { uid },
    });
  }
}
