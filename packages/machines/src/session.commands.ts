/**
 * Commands are what a reconcile must do to the cluster, as data. The machine names them as
 * parameterised actions with empty implementations; `decide` returns them and the worker executes
 * each idempotently (AlreadyExists / NotFound are outcomes, not errors).
 */
export type SessionCommand =
  /** Provision the runner ServiceAccount, Role, RoleBinding and token Secret (contract §3.1). */
  | { type: 'ensureRunnerToken' }
  /** Re-mint `k8s-token` of the token Secret (keep `agui-token`), stamp token-refreshed-at. */
  | { type: 'refreshRunnerToken' }
  /** Copy the platform secrets the runner needs into the session namespace (contract §3.2). */
  | { type: 'copyPlatformSecrets' }
  /** Create or update the namespace's runner NetworkPolicy (contract §3.5). */
  | { type: 'ensureNetworkPolicy' }
  /**
   * Create the batch/v1 Job `<name>-runner` annotated with `runStartTime`
   * (RUNNER_RUN_START_TIME_ANNOTATION). `isResume` sets `IS_RESUME=true` on the runner.
   */
  | { type: 'createRunnerJob'; isResume: boolean; runStartTime: string }
  /** Create Service `session-<name>` owned by the session. */
  | { type: 'ensureService' }
  /** Delete the runner Job (propagation Background, so its pod goes too); `gracePeriodSeconds: 0` forces it. */
  | { type: 'deleteRunner'; gracePeriodSeconds?: number }
  | { type: 'deleteService' }
  /** Delete copied platform secrets unless another session in the namespace is still active (contract §3.2). */
  | { type: 'deleteCopiedSecrets' }
  /** Remove these annotations from the AgenticSession (a merge patch setting each to null). */
  | { type: 'clearAnnotations'; keys: string[] }
  /**
   * Bring the running runner in line with spec `generation` (repos add/remove, workflow); its executor returns the
   * outcome as a `SPEC_SYNCED` follow-up, which `decide` judges in the same reconcile.
   */
  | { type: 'syncRunnerSpec'; generation: number };

export type SessionCommandType = SessionCommand['type'];
type CommandParams<T extends SessionCommandType> = Omit<Extract<SessionCommand, { type: T }>, 'type'>;

/** Every command type once; a `Record<SessionCommandType, …>` of executors must cover exactly these. */
export const SESSION_COMMAND_TYPES = [
  'ensureRunnerToken',
  'refreshRunnerToken',
  'copyPlatformSecrets',
  'ensureNetworkPolicy',
  'createRunnerJob',
  'ensureService',
  'deleteRunner',
  'deleteService',
  'deleteCopiedSecrets',
  'clearAnnotations',
  'syncRunnerSpec',
] as const satisfies readonly SessionCommandType[];

// Fails to compile when SESSION_COMMAND_TYPES misses a member of the union.
type MissingCommandTypes = Exclude<SessionCommandType, (typeof SESSION_COMMAND_TYPES)[number]>;
const commandListIsExhaustive: MissingCommandTypes extends never ? true : false = true;
void commandListIsExhaustive;

/**
 * When each command runs relative to the status write. Consuming one-shot annotations waits for the write: done
 * first, a failed write (409) would leave an object without the request and the request would be lost.
 */
export const COMMAND_TIMING: Record<SessionCommandType, 'beforeStatusWrite' | 'afterStatusWrite'> = {
  ensureRunnerToken: 'beforeStatusWrite',
  refreshRunnerToken: 'beforeStatusWrite',
  copyPlatformSecrets: 'beforeStatusWrite',
  ensureNetworkPolicy: 'beforeStatusWrite',
  createRunnerJob: 'beforeStatusWrite',
  ensureService: 'beforeStatusWrite',
  deleteRunner: 'beforeStatusWrite',
  deleteService: 'beforeStatusWrite',
  deleteCopiedSecrets: 'beforeStatusWrite',
  clearAnnotations: 'afterStatusWrite',
  syncRunnerSpec: 'beforeStatusWrite',
};

/**
 * The machine-side implementations: empty on purpose, the machine only returns commands. Typed per
 * command so the machine config cannot pass the wrong params.
 */
export const commandActions: {
  [T in SessionCommandType]: (_args: unknown, _params: CommandParams<T>) => void;
} = {
  ensureRunnerToken: () => {},
  refreshRunnerToken: () => {},
  copyPlatformSecrets: () => {},
  ensureNetworkPolicy: () => {},
  createRunnerJob: () => {},
  ensureService: () => {},
  deleteRunner: () => {},
  deleteService: () => {},
  deleteCopiedSecrets: () => {},
  clearAnnotations: () => {},
  syncRunnerSpec: () => {},
};

/** A command as the machine's named action `{ type, params }`. */
export type CommandAction = {
  [T in SessionCommandType]: { type: T; params: CommandParams<T> };
}[SessionCommandType];

export function toCommandAction(command: SessionCommand): CommandAction {
  const { type, ...params } = command;
  return { type, params } as CommandAction;
}

export function isSessionCommandType(type: string): type is SessionCommandType {
  return (SESSION_COMMAND_TYPES as readonly string[]).includes(type);
}
