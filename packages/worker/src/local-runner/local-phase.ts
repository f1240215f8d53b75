/**
 * MODE=local phase decisions (issue 16), pure: what the local runner owner does with one API session
 * given what the API holds and whether this process runs it. Process handling lives in local-runners.ts.
 */

/** What to do for a session now. */
export type LocalAction =
  /** Spawn its runner (a port and a slot are free). */
  | { kind: 'start' }
  /** It wants to run but `LOCAL_MAX_SESSIONS` runners are busy: it stays Pending until one exits. */
  | { kind: 'wait' }
  /** Its runner runs but the API asks it to stop (Stopping) or the session is gone. */
  | { kind: 'stop' }
  /** The API says it runs but no runner here holds it (the owner restarted): report it Failed. */
  | { kind: 'lost' }
  /** Stopping with no runner here (it was waiting, or already ended): report Stopped. */
  | { kind: 'stopped' }
  | { kind: 'none' };

export interface LocalPhaseInput {
  /** The API's phase; undefined when the session is gone from the API. */
  apiPhase: string | undefined;
  /** True when the session is known to the API at all. */
  exists: boolean;
  /** A runner process of this session is alive here. */
  running: boolean;
  /** Free runner slots (LOCAL_MAX_SESSIONS and ports). */
  freeSlots: number;
}

const WANTS_TO_RUN = ['', 'Pending'];
const CLAIMS_TO_RUN = ['Creating', 'Running'];

export function decideLocal(input: LocalPhaseInput): LocalAction {
  const phase = input.apiPhase ?? '';
  if (input.running) return !input.exists || phase === 'Stopping' ? { kind: 'stop' } : { kind: 'none' };
  if (!input.exists) return { kind: 'none' };
  if (phase === 'Stopping') return { kind: 'stopped' };
  if (WANTS_TO_RUN.includes(phase)) return input.freeSlots > 0 ? { kind: 'start' } : { kind: 'wait' };
  if (CLAIMS_TO_RUN.includes(phase)) return { kind: 'lost' };
  return { kind: 'none' };
}

/** The phase a runner's end gives: a requested stop is Stopped whatever the code; else 0 → Completed. */
export function exitPhase(code: number | null, stopRequested: boolean): 'Stopped' | 'Completed' | 'Failed' {
  if (stopRequested) return 'Stopped';
  return code === 0 ? 'Completed' : 'Failed';
}

/** The first port of the range not in use, or undefined when all are taken. */
export function freePort(
  range: { first: number; last: number },
  used: ReadonlySet<number>,
): number | undefined {
  for (let port = range.first; port <= range.last; port++) if (!used.has(port)) return port;
  return undefined;
}

/**
 * The runner's whole environment: the documented variables and PATH/HOME, nothing else of the
 * operator's (its kube credentials, Redis password and such must not reach a session's code).
 */
export function runnerEnvironment(input: {
  sessionId: string;
  prompt: string | undefined;
  port: number;
  workspace: string;
  apiUrl: string;
  apiToken: string;
  operatorEnv: NodeJS.ProcessEnv;
}): Record<string, string> {
  const env: Record<string, string> = {
    SESSION_ID: input.sessionId,
    INITIAL_PROMPT: input.prompt ?? '',
    PORT: String(input.port),
    WORKSPACE_PATH: input.workspace,
    AMBIENT_API_SERVER_URL: input.apiUrl,
    AMBIENT_API_TOKEN: input.apiToken,
  };
  for (const name of ['PATH', 'HOME'] as const) {
    const value = input.operatorEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
