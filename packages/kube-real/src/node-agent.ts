import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeObject, NodePods, Obj, PodTimings } from '@ambient-operator/kube-sim/node';
import {
  ContainerRuntime,
  DEFAULT_POD_TIMINGS,
  isTerminalPhase,
  killedPodStatus,
  obj,
  podStartDelayMs,
  PodTimers,
  scheduledPodStatus,
  SimulatedImages,
} from '@ambient-operator/kube-sim/node';
import type { ApiClient, WatchEvent } from './api-client.js';

/** The node every pod of the real control plane runs on. */
export const REAL_NODE_NAME = 'kube-real-node';

export interface NodeAgentOptions {
  client: ApiClient;
  logger: Logger;
  /** @defaultValue kube-sim's DEFAULT_POD_TIMINGS */
  timings?: PodTimings;
}

/**
 * Scheduler and kubelet of the real control plane's one node: registers the Node, binds every pending pod to it
 * (pods/binding, as kube-scheduler does) and runs its containers with kube-sim's ContainerRuntime, so pods follow
 * the same SIM_* scripts as on kube-sim; their status goes to the real API server's pods/status.
 */
export class NodeAgent {
  private readonly pods = new Map<string, KubeObject>();
  /** The status this agent last wrote per pod: the runtime reads it back before the watch echoes it. */
  private readonly written = new Map<string, Obj>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly taken = new Set<string>();
  private readonly binding = new Set<string>();
  private readonly deleting = new Set<string>();
  private readonly timers: PodTimers;
  private readonly runtime: ContainerRuntime;
  private readonly timings: PodTimings;
  private readonly abort = new AbortController();
  private nextIp = 2;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: NodeAgentOptions) {
    this.timings = options.timings ?? DEFAULT_POD_TIMINGS;
    this.timers = new PodTimers(options.logger);
    const pods: NodePods = {
      live: (uid) => this.live(uid),
      writeStatus: (pod, status) => this.writeStatus(pod, status),
    };
    const events = {
      record: (pod: KubeObject, type: string, reason: string, message: string, component: string) =>
        this.recordEvent(pod, type, reason, message, component),
    };
    // Images run as a non-root user unless described otherwise, as on kube-sim.
    this.runtime = new ContainerRuntime(pods, this.timers, this.timings, events, new SimulatedImages());
  }

  /** Registers the Node and starts scheduling and running pods; resolves once the first pod list is in. */
  async start(): Promise<void> {
    await this.registerNode();
    const listed = await this.options.client.request('GET', '/api/v1/pods');
    if (listed.status !== 200) throw new Error(`listing pods: HTTP ${listed.status}`);
    const list = obj(listed.body);
    for (const pod of (Array.isArray(list.items) ? list.items : []) as KubeObject[]) this.onPod('ADDED', pod);
    this.loop = this.watchPods(String(obj(list.metadata).resourceVersion ?? ''));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.timers.cancelAll();
    await this.loop?.catch(() => undefined);
    await Promise.allSettled([...this.writes.values()]);
  }

  private async registerNode(): Promise<void> {
    const { client } = this.options;
    const created = await client.request('POST', '/api/v1/nodes', {
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: REAL_NODE_NAME,
          labels: {
            'kubernetes.io/hostname': REAL_NODE_NAME,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
          },
        },
      },
    });
    if (created.status !== 201 && created.status !== 409)
      throw new Error(`registering the node: HTTP ${created.status}`);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = await client.request('PATCH', `/api/v1/nodes/${REAL_NODE_NAME}/status`, {
      contentType: 'application/merge-patch+json',
      body: {
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
            { type: 'Hostname', address: REAL_NODE_NAME },
          ],
          capacity: { cpu: '8', memory: '32Gi', pods: '1000' },
          allocatable: { cpu: '8', memory: '32Gi', pods: '1000' },
          nodeInfo: {
            kubeletVersion: 'v0.0.0-kube-real-node',
            operatingSystem: 'linux',
            architecture: 'amd64',
          },
        },
      },
    });
    if (status.status !== 200) throw new Error(`writing the node's status: HTTP ${status.status}`);
  }

  private async watchPods(resourceVersion: string): Promise<void> {
    let rv = resourceVersion;
    while (!this.abort.signal.aborted) {
      try {
        await this.options.client.watch(
          `/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`,
          (event) => {
            const next = obj(event.object.metadata).resourceVersion;
            if (event.type === 'ERROR') rv = '';
            else if (typeof next === 'string') rv = next;
            if (event.type !== 'BOOKMARK' && event.type !== 'ERROR')
              this.onPod(event.type, event.object as KubeObject);
          },
          this.abort.signal,
        );
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.options.logger.warn({ err }, 'node agent: pod watch failed; watching again');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private onPod(type: WatchEvent['type'], pod: KubeObject): void {
    const uid = pod.metadata.uid ?? '';
    if (type === 'DELETED') {
      this.pods.delete(uid);
      this.written.delete(uid);
      this.taken.delete(uid);
      this.binding.delete(uid);
      this.deleting.delete(uid);
      this.timers.cancel(uid);
      return;
    }
    this.pods.set(uid, pod);
    const spec = obj(pod.spec);
    if (!spec.nodeName) {
      if (!this.binding.has(uid) && (spec.schedulerName ?? 'default-scheduler') === 'default-scheduler') {
        this.binding.add(uid);
        this.timers.after(uid, this.timings.scheduleDelayMs, () => void this.bind(pod));
      }
      return;
    }
    if (spec.nodeName !== REAL_NODE_NAME) return;
    if (pod.metadata.deletionTimestamp) {
      if (!this.deleting.has(uid)) {
        this.deleting.add(uid);
        this.timers.cancel(uid);
        const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
        this.timers.after(
          uid,
          Math.min(graceMs, this.timings.deletionDelayMs),
          () => void this.finishDeletion(uid),
        );
      }
      return;
    }
    if (this.taken.has(uid) || isTerminalPhase(obj(pod.status))) return;
    this.taken.add(uid);
    const status = scheduledPodStatus(pod, this.nextIp++);
    if (this.writeStatus(pod, status))
      this.timers.after(uid, podStartDelayMs(pod, this.timings), () => this.runtime.startNext(uid));
  }

  private async bind(pod: KubeObject): Promise<void> {
    const { namespace = '', name = '', uid } = pod.metadata;
    const res = await this.options.client.request(
      'POST',
      `/api/v1/namespaces/${namespace}/pods/${name}/binding`,
      {
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid },
          target: { apiVersion: 'v1', kind: 'Node', name: REAL_NODE_NAME },
        },
      },
    );
    if (res.status === 201)
      this.recordEvent(
        pod,
        'Normal',
        'Scheduled',
        `Successfully assigned ${namespace}/${name} to ${REAL_NODE_NAME}`,
        'default-scheduler',
      );
    else if (res.status !== 404 && res.status !== 409)
      this.options.logger.warn(
        { pod: `${namespace}/${name}`, status: res.status, body: res.body },
        'binding failed',
      );
  }

  /** The pod as this node last wrote it, unless it is gone or being deleted (then the deletion path owns it). */
  private live(uid: string): KubeObject | undefined {
    const pod = this.pods.get(uid);
    if (!pod || pod.metadata.deletionTimestamp) return undefined;
    const status = this.written.get(uid);
    return status ? { ...pod, status } : pod;
  }

  /** Records the status at once (the runtime reads it back) and writes it to pods/status in order, per pod. */
  private writeStatus(pod: KubeObject, status: Obj): KubeObject | undefined {
    const uid = pod.metadata.uid ?? '';
    if (!this.pods.has(uid)) return undefined;
    this.written.set(uid, status);
    const { namespace = '', name = '' } = pod.metadata;
    const previous = this.writes.get(uid) ?? Promise.resolve();
    const next = previous.then(async () => {
      const res = await this.options.client.request(
        'PATCH',
        `/api/v1/namespaces/${namespace}/pods/${name}/status`,
        {
          contentType: 'application/json-patch+json',
          body: [
            { op: 'test', path: '/metadata/uid', value: uid },
            { op: 'add', path: '/status', value: status },
          ],
        },
      );
      if (res.status !== 200 && res.status !== 404)
        this.options.logger.warn(
          { pod: `${namespace}/${name}`, status: res.status, body: res.body },
          'pod status write failed',
        );
    });
    const settled = next.catch((err: unknown) =>
      this.options.logger.warn({ err }, 'pod status write failed'),
    );
    this.writes.set(uid, settled);
    void settled.then(() => {
      if (this.writes.get(uid) === settled) this.writes.delete(uid);
    });
    return { ...pod, status };
  }

  /** The end of a graceful deletion: containers killed, the final phase written, then the pod removed. */
  private async finishDeletion(uid: string): Promise<void> {
    const pod = this.pods.get(uid);
    if (!pod) return;
    const status = this.written.get(uid) ?? obj(pod.status);
    if (!isTerminalPhase(status)) {
      this.recordEvent(pod, 'Normal', 'Killing', 'Stopping container', 'kubelet');
      this.writeStatus(pod, killedPodStatus({ ...pod, status }));
    }
    await this.writes.get(uid);
    const { namespace = '', name = '' } = pod.metadata;
    await this.options.client.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } },
    });
  }

  private recordEvent(
    pod: KubeObject,
    type: string,
    reason: string,
    message: string,
    component: string,
  ): void {
    const namespace = pod.metadata.namespace ?? 'default';
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const host = component === 'kubelet' ? REAL_NODE_NAME : undefined;
    void this.options.client
      .request('POST', `/api/v1/namespaces/${namespace}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${pod.metadata.name ?? 'pod'}.${randomBytes(8).toString('hex')}`, namespace },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Pod',
            name: pod.metadata.name,
            namespace,
            uid: pod.metadata.uid,
            resourceVersion: pod.metadata.resourceVersion,
          },
          reason,
          message,
          type,
          source: { component, host },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: component,
          reportingInstance: host ?? '',
        },
      })
      .catch(() => undefined); // events are best effort, as in a real cluster
  }
}
