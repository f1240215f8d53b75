import { DEFAULT_RUNNER_PORT } from '@ambient-operator/shared';
import { z } from 'zod';
import { rawEntryId, type ConfigFileProblem } from './config-problems.js';
import { ChildInputError } from './errors.js';

// The agent registry (AGENT_REGISTRY_PATH, a JSON array; contract §7.2) and the runtime a session gets
// from it (§3.3). Fields are optional like Go's zero values: an entry without `sandbox.seed` clones and
// hydrates nothing, exactly as upstream. Only a missing registry or entry yields the all-on defaults.

/** Kubernetes resource.Quantity syntax (non-negative): number + optional binary/decimal suffix or exponent. */
const QUANTITY = /^\+?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;

export function isValidQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

const quantity = z
  .string()
  .refine(isValidQuantity, { message: 'not a Kubernetes quantity (e.g. 500m, 2Gi)' });
const resourceList = z.record(z.string(), quantity);

export const agentRegistryEntrySchema = z.object({
  id: z.string().min(1),
  displayName: z.string().optional(),
  description: z.string().optional(),
  framework: z.string().optional(),
  provider: z.string().optional(),
  container: z
    .object({
      image: z.string().optional(),
      /** 0 or absent means the default 8001, as Go's zero value. */
      port: z.number().int().min(0).max(65535).optional(),
      env: z.record(z.string(), z.string()).optional(),
      resources: z.object({ requests: resourceList.optional(), limits: resourceList.optional() }).optional(),
    })
    .optional(),
  sandbox: z
    .object({
      stateDir: z.string().optional(),
      stateSyncImage: z.string().optional(),
      /** "none" disables the workspace sidecar; any other value (upstream uses "s3") enables it. */
      persistence: z.string().optional(),
      /** Invalid quantities fall back to 10Gi at resolution (upstream behaviour), so no check here. */
      workspaceSize: z.string().optional(),
      /** Seconds; 0 or absent means 60. */
      terminationGracePeriod: z.number().int().min(0).optional(),
      seed: z.object({ cloneRepos: z.boolean().optional(), hydrateState: z.boolean().optional() }).optional(),
    })
    .optional(),
  // auth and featureGate are the backend's; the operator ignores them (kept for a faithful schema).
  auth: z
    .object({
      requiredSecretKeys: z.array(z.string()).optional(),
      secretKeyLogic: z.string().optional(),
      vertexSupported: z.boolean().optional(),
    })
    .optional(),
  featureGate: z.string().optional(),
});

export const agentRegistrySchema = z.array(agentRegistryEntrySchema);

export type AgentRegistryEntry = z.infer<typeof agentRegistryEntrySchema>;
export type AgentRegistry = z.infer<typeof agentRegistrySchema>;

/** Parses the registry file's text. Throws ChildInputError('InvalidAgentRegistry') with every problem listed. */
export function parseAgentRegistry(json: string): AgentRegistry {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ChildInputError(
      'InvalidAgentRegistry',
      `agent registry is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parsed = agentRegistrySchema.safeParse(raw);
  if (!parsed.success) {
    throw new ChildInputError(
      'InvalidAgentRegistry',
      `agent registry does not match the expected schema:\n${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/** The registry as the worker uses it: the usable entries, and what was skipped. */
export interface LoadedAgentRegistry {
  /** Undefined when the file as a whole is unusable: every session gets the defaults, as with no file. */
  readonly registry: AgentRegistry | undefined;
  readonly problems: readonly ConfigFileProblem[];
}

/**
 * Parses the registry file's text leniently (see config-problems.ts): an entry that does not match the
 * schema is skipped, so sessions of that RUNNER_TYPE get the defaults, as upstream gives an unknown type.
 */
export function loadAgentRegistry(json: string): LoadedAgentRegistry {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    const message = `agent registry is not valid JSON (${(error as Error).message}); every runner uses the defaults`;
    return { registry: undefined, problems: [{ scope: 'file', message }] };
  }
  if (!Array.isArray(raw)) {
    const message = 'agent registry is not a JSON array of entries; every runner uses the defaults';
    return { registry: undefined, problems: [{ scope: 'file', message }] };
  }
  const registry: AgentRegistryEntry[] = [];
  const problems: ConfigFileProblem[] = [];
  raw.forEach((item: unknown, index) => {
    const parsed = agentRegistryEntrySchema.safeParse(item);
    if (parsed.success) {
      registry.push(parsed.data);
      return;
    }
    const id = rawEntryId(item);
    const name = id === undefined ? `entry [${index}]` : `entry "${id}"`;
    const detail = z.prettifyError(parsed.error).replace(/\n/g, '; ');
    problems.push({
      scope: 'entry',
      ...(id === undefined ? {} : { id }),
      message: `agent registry ${name} skipped, its runners use the defaults: ${detail}`,
    });
  });
  return { registry, problems };
}

export const DEFAULT_WORKSPACE_SIZE = '10Gi';
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 60;
export const DEFAULT_STATE_DIR = '.claude';
export const DEFAULT_RUNNER_RESOURCES: RuntimeResources = {
  requests: { cpu: '500m', memory: '512Mi' },
  limits: { cpu: '2000m', memory: '8Gi' },
};

export interface RuntimeResources {
  readonly requests: Readonly<Record<string, string>>;
  readonly limits: Readonly<Record<string, string>>;
}

/** Which optional parts of the runner pod exist. */
export interface RuntimeComponents {
  /** The `workspace` emptyDir. Also on whenever the init container exists (see resolveRuntime). */
  readonly workspaceVolume: boolean;
  /** `init-hydrate`: when the runtime clones repos or hydrates state. */
  readonly initContainer: boolean;
  /** `state-sync`: when persistence is not "none". */
  readonly stateSyncSidecar: boolean;
}

/** What the worker needs from a registry entry, defaults applied. Images stay undefined when the entry
 *  has none, so the operator-wide images (AMBIENT_CODE_RUNNER_IMAGE, STATE_SYNC_IMAGE) apply. */
export interface ResolvedRuntime {
  readonly runnerType: string;
  /** false when the registry or the entry is absent and every default applies. */
  readonly fromRegistry: boolean;
  readonly runnerImage?: string;
  readonly stateSyncImage?: string;
  /** The AG-UI port: container port, Service port, AGUI_PORT env. */
  readonly port: number;
  /** Registry `container.env` (added to the runner and the sidecar without overriding). */
  readonly env: Readonly<Record<string, string>>;
  /** Runner container resources: defaults overridden key by key by the registry. */
  readonly resources: RuntimeResources;
  readonly persistence: string;
  /** Registry `sandbox.stateDir`; RUNNER_STATE_DIR in the spec env overrides it (resolveStateDir). */
  readonly registryStateDir?: string;
  /** `workspace` emptyDir sizeLimit. */
  readonly workspaceSize: string;
  readonly terminationGracePeriodSeconds: number;
  readonly components: RuntimeComponents;
}

const nonEmpty = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/**
 * The runtime for `runnerType` (a session's RUNNER_TYPE). With no registry (file missing or unreadable)
 * or no entry of that id, every component is on and every default applies (contract §3.3).
 *
 * Fix of upstream §10.14: upstream mounts `workspace` in init-hydrate whenever the init container exists,
 * but only creates the volume for persistence≠none or cloneRepos; `persistence: none` with only
 * `hydrateState` gives a pod the API server rejects. Here the volume also exists whenever the init
 * container does: hydrated state must land somewhere the runner can read.
 */
export function resolveRuntime(registry: AgentRegistry | undefined, runnerType: string): ResolvedRuntime {
  const entry = registry?.find((candidate) => candidate.id === runnerType);
  if (!entry) {
    return {
      runnerType,
      fromRegistry: false,
      port: DEFAULT_RUNNER_PORT,
      env: {},
      resources: DEFAULT_RUNNER_RESOURCES,
      persistence: 's3',
      workspaceSize: DEFAULT_WORKSPACE_SIZE,
      terminationGracePeriodSeconds: DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
      components: { workspaceVolume: true, initContainer: true, stateSyncSidecar: true },
    };
  }
  const sandbox = entry.sandbox ?? {};
  const persistence = sandbox.persistence ?? '';
  const persists = persistence !== 'none';
  const cloneRepos = sandbox.seed?.cloneRepos ?? false;
  const hydrateState = sandbox.seed?.hydrateState ?? false;
  const initContainer = cloneRepos || hydrateState;
  const workspaceSize = nonEmpty(sandbox.workspaceSize);
  const registryStateDir = nonEmpty(sandbox.stateDir);
  const runnerImage = nonEmpty(entry.container?.image);
  const stateSyncImage = nonEmpty(sandbox.stateSyncImage);
  return {
    runnerType,
    fromRegistry: true,
    ...(runnerImage ? { runnerImage } : {}),
    ...(stateSyncImage ? { stateSyncImage } : {}),
    port: entry.container?.port || DEFAULT_RUNNER_PORT,
    env: entry.container?.env ?? {},
    resources: {
      requests: { ...DEFAULT_RUNNER_RESOURCES.requests, ...entry.container?.resources?.requests },
      limits: { ...DEFAULT_RUNNER_RESOURCES.limits, ...entry.container?.resources?.limits },
    },
    persistence,
    ...(registryStateDir ? { registryStateDir } : {}),
    workspaceSize: workspaceSize && isValidQuantity(workspaceSize) ? workspaceSize : DEFAULT_WORKSPACE_SIZE,
    terminationGracePeriodSeconds: sandbox.terminationGracePeriod || DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    components: {
      workspaceVolume: persists || initContainer,
      initContainer,
      stateSyncSidecar: persists,
    },
  };
}

/**
 * The framework state directory, relative to the workspace: RUNNER_STATE_DIR from the spec env, else the
 * registry's `sandbox.stateDir`, else `.claude`. It becomes the mount `/app/<dir>` and the subPath `<dir>`,
 * so an absolute path or a `..` segment (which the API server rejects) is a ChildInputError.
 */
export function resolveStateDir(
  runtime: Pick<ResolvedRuntime, 'registryStateDir'>,
  specEnv: Readonly<Record<string, string>> | undefined,
): string {
  const chosen = nonEmpty(specEnv?.['RUNNER_STATE_DIR']) ?? runtime.registryStateDir ?? DEFAULT_STATE_DIR;
  const dir = chosen.replace(/\/+$/, '');
  if (dir === '' || dir.startsWith('/') || dir.split('/').some((segment) => segment === '..')) {
    throw new ChildInputError(
      'InvalidStateDir',
      `state directory "${chosen}" must be a relative path inside the workspace without ".." segments`,
    );
  }
  return dir;
}

/** Every port a runner may listen on: each registry entry's port, plus the default for absent entries. */
export function runnerPortsOf(registry: AgentRegistry | undefined): number[] {
  const ports = new Set<number>([DEFAULT_RUNNER_PORT]);
  for (const entry of registry ?? []) ports.add(entry.container?.port || DEFAULT_RUNNER_PORT);
  return [...ports].sort((a, b) => a - b);
}
