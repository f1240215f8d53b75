import {
  getObjectMetadata,
  isNotFound,
  runnerJobName,
  runnerTokenSecretName,
  serviceName,
  SESSION_LABEL,
} from '@ambient-operator/shared';
import type { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** One child of a session: its name and whether it exists, with a short state where it has one. */
export interface ChildView {
  kind: 'Job' | 'Pod' | 'Service' | 'Secret';
  name: string;
  /** 'unknown' when the lookup failed (see `error`). */
  exists: boolean | 'unknown';
  /** Job: Active/Succeeded/Failed/Pending; Pod: its phase and a waiting/terminated reason; absent otherwise. */
  state?: string;
  createdAt?: string;
  error?: string;
}

export interface SessionChildren {
  runnerJob: ChildView;
  /** Pods labelled `agentic-session=<name>` (normally at most one). */
  pods: ChildView[];
  service: ChildView;
  /** Metadata only: the token's data is never read. */
  tokenSecret: ChildView;
}

export interface ChildrenClients {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function lookup(
  kind: ChildView['kind'],
  name: string,
  read: () => Promise<Omit<ChildView, 'kind' | 'name' | 'exists'> | undefined>,
): Promise<ChildView> {
  try {
    const found = await read();
    return found ? { kind, name, exists: true, ...found } : { kind, name, exists: false };
  } catch (err) {
    if (isNotFound(err)) return { kind, name, exists: false };
    return { kind, name, exists: 'unknown', error: message(err) };
  }
}

function jobState(
  status:
    | {
        active?: number;
        succeeded?: number;
        failed?: number;
        conditions?: { type: string; status: string; reason?: string }[];
      }
    | undefined,
): string {
  const finished = status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  if (finished)
    return finished.type === 'Complete'
      ? 'Succeeded'
      : `Failed${finished.reason ? ` (${finished.reason})` : ''}`;
  if ((status?.active ?? 0) > 0) return 'Active';
  return 'Pending';
}

/** Looks up the children the worker creates for a session (architecture §3), in parallel. */
export async function readSessionChildren(
  clients: ChildrenClients,
  namespace: string,
  name: string,
): Promise<SessionChildren> {
  const jobName = runnerJobName(name);
  const svcName = serviceName(name);
  const secretName = runnerTokenSecretName(name);
  const [runnerJob, pods, service, tokenSecret] = await Promise.all([
    lookup('Job', jobName, async () => {
      const job = await clients.batch.readNamespacedJob({ namespace, name: jobName });
      return { state: jobState(job.status), createdAt: job.metadata?.creationTimestamp?.toISOString() };
    }),
    clients.core.listNamespacedPod({ namespace, labelSelector: `${SESSION_LABEL}=${name}`, limit: 20 }).then(
      (list): ChildView[] =>
        list.items.map((pod) => {
          const container = pod.status?.containerStatuses?.[0]?.state;
          const reason = container?.waiting?.reason ?? container?.terminated?.reason;
          return {
            kind: 'Pod',
            name: pod.metadata?.name ?? '?',
            exists: true,
            state: `${pod.status?.phase ?? 'Unknown'}${reason ? ` (${reason})` : ''}`,
            createdAt: pod.metadata?.creationTimestamp?.toISOString(),
          };
        }),
      (err: unknown): ChildView[] => [
        { kind: 'Pod', name: `${SESSION_LABEL}=${name}`, exists: 'unknown', error: message(err) },
      ],
    ),
    lookup('Service', svcName, async () => {
      const svc = await clients.core.readNamespacedService({ namespace, name: svcName });
      return { createdAt: svc.metadata?.creationTimestamp?.toISOString() };
    }),
    lookup('Secret', secretName, async () => {
      const meta = await getObjectMetadata(
        clients.kubeConfig,
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secretName)}`,
      );
      return meta && { createdAt: meta.creationTimestamp };
    }),
  ]);
  return { runnerJob, pods, service, tokenSecret };
}
