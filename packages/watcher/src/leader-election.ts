// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: read, then create or
// replace with the read resourceVersion (a 409 means someone else won). Expiry is judged by when WE last saw the
// record change (not the holder's clock). Release on shutdown empties holderIdentity so a standby takes over at its
// next retry instead of waiting for expiry.
//
// Requests go through shared's KubeRest (plain JSON), not client-node's CoordinationV1Api: that one class brought
// client-node's ObjectSerializer and with it every generated model (~0.3 MiB of code) into the watcher.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Lease } from '@kubernetes/client-node';
import { KubeRest, microTime, type SharedAgentKubeConfig, type Wire } from '@ambient-operator/shared';

type Lease = Wire<V1Lease>;

export interface LeaderElectionOptions {
  /** shared's createKubeConfig(): its one keep-alive agent carries the Lease requests too. */
  kubeConfig: SharedAgentKubeConfig;
  /** Namespace of the Lease (the operator's `NAMESPACE`). */
  namespace: string;
  /** @defaultValue 'ambient-session-watcher' */
  leaseName?: string;
  /** Unique per process. @defaultValue `<hostname>_<pid>` */
  identity?: string;
  /** How long a standby waits after the last observed renewal before taking over, in ms. @defaultValue 15000 */
  leaseDurationMs?: number;
  /** The leader gives up if it could not renew for this long, in ms. @defaultValue 10000 */
  renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew, in ms. @defaultValue 2000 */
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (err: unknown) => void;
}

export interface LeaderElection {
  isLeader(): boolean;
  readonly identity: string;
  /** Stops campaigning; when leading, releases the Lease first. */
  stop(): Promise<void>;
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const name = options.leaseName ?? 'ambient-session-watcher';
  const namespace = options.namespace;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  // A request still unanswered after the renew deadline could not keep the lead anyway.
  const rest = new KubeRest(options.kubeConfig, { headerTimeoutMs: renewDeadlineMs });
  const leasePath = (leaseName?: string) =>
    `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases` +
    (leaseName === undefined ? '' : `/${encodeURIComponent(leaseName)}`);
  const coord = {
    read: async () => (await rest.request('GET', leasePath(name), undefined, undefined)) as Lease,
    create: async (body: Lease) => (await rest.request('POST', leasePath(), undefined, body)) as Lease,
    replace: async (body: Lease) => (await rest.request('PUT', leasePath(name), undefined, body)) as Lease,
  };
  const identity = options.identity ?? `${os.hostname()}_${process.pid}`;
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const retryPeriodMs = options.retryPeriodMs ?? 2000;
  const leaseDurationSeconds = Math.max(1, Math.round(leaseDurationMs / 1000));
  const stopping = new AbortController();
  let leader = false;
  let lastRenewed = 0;
  let observedRecord = '';
  let observedAt = 0;
  let observedDurationMs = leaseDurationMs;

  function observe(lease: Lease): void {
    const s = lease.spec ?? {};
    const record = `${s.holderIdentity ?? ''}|${String(s.renewTime ?? '')}|${s.leaseDurationSeconds ?? ''}`;
    if (record !== observedRecord) {
      observedRecord = record;
      observedAt = Date.now();
      observedDurationMs = (s.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    }
  }

  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = microTime(Date.now());
    let current: Lease | undefined;
    try {
      current = await coord.read();
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    if (!current) {
      try {
        const created = await coord.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        });
        observe(created);
        return true;
      } catch (err) {
        if (statusOf(err) === 409) return false;
        throw err;
      }
    }
    observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const recordDurationMs = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder !== '' && holder !== identity && observedAt + recordDurationMs > Date.now()) return false;
    const mine = holder === identity;
    const body: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace, resourceVersion: current.metadata?.resourceVersion },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: mine ? (spec.acquireTime ?? now) : now,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    try {
      observe(await coord.replace(body));
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }

  async function release(): Promise<void> {
    const current = await coord.read();
    if (current.spec?.holderIdentity !== identity) return;
    const now = microTime(Date.now());
    await coord.replace({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace, resourceVersion: current.metadata?.resourceVersion },
      spec: {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: current.spec?.leaseTransitions ?? 0,
      },
    });
  }

  function setLeader(next: boolean): void {
    if (next === leader) return;
    leader = next;
    if (next) options.onStartedLeading();
    else options.onStoppedLeading();
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      let ok = false;
      try {
        ok = await tryAcquireOrRenew();
      } catch (err) {
        options.onError?.(err);
      }
      if (stopping.signal.aborted) break;
      if (ok) {
        lastRenewed = Date.now();
        setLeader(true);
      } else if (leader && Date.now() - lastRenewed > renewDeadlineMs) {
        // Could not renew in time: another candidate may take over after the lease expires; stop acting now.
        setLeader(false);
      } else if (leader && !ok && observedRecord.split('|')[0] !== identity && observedRecord !== '') {
        setLeader(false); // someone else holds it now
      }
      // A standby wakes exactly when the observed lease expires instead of up to a retry period later.
      const untilExpiry = leader ? retryPeriodMs : observedAt + observedDurationMs - Date.now() + 50;
      const wait = untilExpiry > 0 ? Math.min(retryPeriodMs, untilExpiry) : retryPeriodMs;
      await sleep(wait, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  }

  const running = run();
  return {
    identity,
    isLeader: () => leader,
    async stop() {
      stopping.abort();
      await running;
      if (leader) {
        setLeader(false);
        await release().catch((err: unknown) => options.onError?.(err));
      }
    },
  };
}
