// The operator → runner HTTP calls of the upstream contract (§3.6): repo add/remove and workflow switch,
// each with a 10 s timeout and the session's AG-UI token. Outcomes are returned, never thrown, so the
// caller can record them truthfully in status conditions (upstream always reported success).
import { withCurrentSignal } from '@ambient-operator/shared';

/** Where one session's runner answers, and how to authenticate to it. */
export interface RunnerEndpoint {
  /** e.g. `http://session-<n>.<ns>.svc.cluster.local:8001` */
  baseUrl: string;
  /** the `agui-token` of the session's token Secret, sent as `X-Ambient-Session-Token` */
  token: string;
}

/** Finds a session's runner; tests and the local stack point it at a local fake runner. */
export type RunnerResolver = (session: { namespace: string; name: string; port: number }) => string;

export const clusterDnsRunnerResolver: RunnerResolver = ({ namespace, name, port }) =>
  `http://session-${name}.${namespace}.svc.cluster.local:${port}`;

export interface RunnerCallOutcome {
  ok: boolean;
  /** HTTP status, or 0 when the request did not complete (timeout, refused, DNS). */
  status: number;
  /** Short human-readable message for a condition. */
  message: string;
}

export interface RepoRef {
  url: string;
  branch: string;
  name: string;
}

export interface WorkflowRef {
  gitUrl: string;
  branch: string;
  path: string;
}

export interface RunnerClientOptions {
  /** Per-call timeout in milliseconds. @defaultValue 10000 (upstream's) */
  timeoutMs?: number;
}

export interface RunnerClient {
  addRepo(endpoint: RunnerEndpoint, repo: RepoRef): Promise<RunnerCallOutcome>;
  removeRepo(endpoint: RunnerEndpoint, name: string): Promise<RunnerCallOutcome>;
  setWorkflow(endpoint: RunnerEndpoint, workflow: WorkflowRef): Promise<RunnerCallOutcome>;
}

/** `name` of a repo as the runner knows it: the last URL path segment without `.git`. */
export function repoNameFromUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  const last = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return last.endsWith('.git') ? last.slice(0, -4) : last;
}

export function createRunnerClient(options: RunnerClientOptions = {}): RunnerClient {
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function post(endpoint: RunnerEndpoint, route: string, body: unknown): Promise<RunnerCallOutcome> {
    try {
      const res = await fetch(new URL(route, endpoint.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ambient-session-token': endpoint.token },
        body: JSON.stringify(body),
        // The reconcile's own signal too: a timed-out or lock-lost reconcile stops waiting on the runner.
        signal: withCurrentSignal(AbortSignal.timeout(timeoutMs)),
      });
      const text = (await res.text()).slice(0, 200);
      if (res.ok) return { ok: true, status: res.status, message: `${route} accepted` };
      return {
        ok: false,
        status: res.status,
        message: `${route} answered ${res.status}${text ? `: ${text}` : ''}`,
      };
    } catch (err) {
      const reason =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      return { ok: false, status: 0, message: `${route} unreachable: ${reason}` };
    }
  }

  return {
    addRepo: (endpoint, repo) => post(endpoint, '/repos/add', repo),
    removeRepo: (endpoint, name) => post(endpoint, '/repos/remove', { name }),
    setWorkflow: (endpoint, workflow) => post(endpoint, '/workflow', workflow),
  };
}
