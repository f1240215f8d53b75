// The namespace-wide objects a runner is built from, watched by each worker process instead of read for every build.
// A build read the namespace's Secrets (runner, integration), `minio-credentials`, the NetworkPolicy and
// ProjectSettings, and its session's Namespace: GETs of objects that change a few times a year, each repeated by every
// session of every namespace (recent-reads.ts spared only those within 5 s). Here one list and watch per object name,
// cluster-wide (`fieldSelector=metadata.name=…`, so only those objects come, never a namespace's other Secrets), hold
// the answers; a watch event drops what recent-reads.ts holds for that object. Each is small, one per namespace at
// most. Not the CA ConfigMap `trusted-ca-bundle`: a cluster's injected bundle is ~200 KB in every namespace, and a
// build asks only whether it has its key (recent-reads.ts keeps that read for 5 s).
//
// An answer is given only while its watch is in step (watching, heard from within the stall timeout); otherwise the
// readers read live, as before. A watched answer is what the API server had a moment ago — as a live read started a
// moment earlier would have had. Where an absence must be confirmed (the runner Secret decides whether a runner is
// built; a Namespace that was just labelled managed), the readers still read it live (recent-reads.ts `current`).
// What a change must wake reconciles for (ProjectSettings' inactivity timeout) is read live: the watcher's enqueue
// of the change may reach this process before this process's own watch does.
import {
  PROJECT_SETTINGS_KIND,
  PROJECT_SETTINGS_NAME,
  RUNNER_SECRETS_NAME,
  VERTEX_SECRET_NAME,
  startListWatch,
  watchPath,
  WATCHED_RESOURCES,
  type ListWatch,
  type ListWatchCodec,
  type Logger,
} from '@ambient-operator/shared';
import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { PLATFORM_NAMES } from './children/index.js';
import { recentKey, type WatchedAnswers } from './recent-reads.js';

/** One watched selection: objects of `resource` (recent-reads.ts's key) named `name` in every namespace, or all. */
export interface WatchedInput {
  /** The resource as recentKey names it. */
  resource: string;
  /** Cluster-wide collection path. */
  path: string;
  /** Only objects of this name (a field selector); absent: every object the label selector selects. */
  name?: string;
  labelSelector?: string;
}

/** The watches; their answers by recentKey (a Namespace's: {@link namespaceKey}). */
export interface WatchedInputs extends WatchedAnswers {
  /** Every watch has listed once and is watching. */
  inStep(): boolean;
  close(): Promise<void>;
}

export interface WatchedInputsOptions {
  /** Pass shared's createKubeConfig() config: its one keep-alive agent. */
  kubeConfig: KubeConfig;
  inputs: readonly WatchedInput[];
  /** Called with the key of each object a watch saw change (recent answers for it are stale). */
  onChange: (key: string) => void;
  log: Logger;
  /** Cap of the retry delay after a failed list or watch (a missing permission retries this often). @defaultValue 30000 */
  backoffMaxMs?: number;
  /** @defaultValue 90000 (shared's list-watch) */
  stallTimeoutMs?: number;
}

/** The namespace-wide inputs of a runner build under this configuration (see the top of this file). */
export function runnerInputs(options: { vertexEnabled: boolean }): WatchedInput[] {
  const secrets = (name: string): WatchedInput => ({ resource: 'secrets', path: '/api/v1/secrets', name });
  return [
    secrets(options.vertexEnabled ? VERTEX_SECRET_NAME : RUNNER_SECRETS_NAME),
    secrets(PLATFORM_NAMES.integrationSecret),
    secrets(PLATFORM_NAMES.minioCredentialsSecret),
    {
      resource: 'networkpolicies',
      path: '/apis/networking.k8s.io/v1/networkpolicies',
      name: PLATFORM_NAMES.networkPolicy,
    },
    // The two the watcher also watches: their paths and the managed-namespace selector come from its table.
    { resource: 'projectsettings', path: watchPath(PROJECT_SETTINGS_KIND), name: PROJECT_SETTINGS_NAME },
    {
      resource: 'namespaces',
      path: watchPath('Namespace'),
      labelSelector: WATCHED_RESOURCES.Namespace.labelSelector,
    },
  ];
}

/** The key of a Namespace's answer. */
export const namespaceKey = (name: string): string => recentKey('namespaces', '', name);

/** Whole objects, checked for the metadata that keys them; the rest is the readers' to parse, as a live read's is. */
const objectSchema = z
  .object({
    metadata: z
      .object({ name: z.string(), namespace: z.string().optional(), resourceVersion: z.string().optional() })
      .passthrough(),
  })
  .passthrough();
type WatchedInputObject = z.infer<typeof objectSchema>;
const pageSchema = z.object({
  metadata: z.object({ resourceVersion: z.string().optional(), continue: z.string().optional() }).optional(),
  items: z.array(objectSchema).nullable().optional(),
});

const wholeObjects: ListWatchCodec<WatchedInputObject> = {
  listAccept: 'application/json',
  watchAccept: 'application/json',
  readPage(body) {
    const page = pageSchema.parse(JSON.parse(body.toString('utf8')));
    return {
      items: page.items ?? [],
      resourceVersion: page.metadata?.resourceVersion,
      continueToken: page.metadata?.continue || undefined,
    };
  },
  readObject(value) {
    const parsed = objectSchema.safeParse(value);
    return parsed.success ? parsed.data : parsed.error.message;
  },
  resourceVersionOf: (object) => object.metadata.resourceVersion,
};

export function startWatchedInputs(options: WatchedInputsOptions): WatchedInputs {
  const watches = options.inputs.map((input) => watchInput(input, options));
  return {
    answer(key) {
      for (const watch of watches) {
        const answer = watch.answer(key);
        if (answer !== undefined) return answer;
      }
      return undefined;
    },
    inStep: () => watches.every((watch) => watch.listWatch.healthy()),
    async close() {
      await Promise.all(watches.map((watch) => watch.listWatch.stop()));
    },
  };
}

function watchInput(
  input: WatchedInput,
  options: WatchedInputsOptions,
): { listWatch: ListWatch; answer: (key: string) => unknown } {
  const keyOf = (object: WatchedInputObject) =>
    recentKey(input.resource, object.metadata.namespace ?? '', object.metadata.name);
  // Whether `key` is one of this watch's: its resource, and its name when the watch selects by name.
  const prefix = `${input.resource}:`;
  const suffix = input.name === undefined ? undefined : `/${input.name}`;
  const covers = (key: string) => key.startsWith(prefix) && (suffix === undefined || key.endsWith(suffix));
  let held = new Map<string, WatchedInputObject>();
  let listing = new Map<string, WatchedInputObject>();
  let warned = false;
  const listWatch = startListWatch<WatchedInputObject>({
    kubeConfig: options.kubeConfig,
    codec: wholeObjects,
    path: input.path,
    ...(input.name !== undefined ? { fieldSelector: `metadata.name=${input.name}` } : {}),
    ...(input.labelSelector !== undefined ? { labelSelector: input.labelSelector } : {}),
    backoffMaxMs: options.backoffMaxMs ?? 30_000,
    ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
    onListPage(objects, { first, last }) {
      if (first) listing = new Map();
      for (const object of objects) listing.set(keyOf(object), object);
      if (!last) return;
      const before = held;
      held = listing;
      listing = new Map();
      for (const key of new Set([...before.keys(), ...held.keys()])) options.onChange(key);
      warned = false;
    },
    onEvent({ type, object }) {
      const key = keyOf(object);
      if (type === 'DELETED') held.delete(key);
      else held.set(key, object);
      options.onChange(key);
    },
    onRestart(reason, err) {
      if (reason !== 'error' || warned) return;
      // Once per outage: the builds read live meanwhile (a missing list/watch permission stays here).
      warned = true;
      options.log.warn(
        { err: err instanceof Error ? err.message : String(err), path: input.path, name: input.name },
        'cannot watch a runner input; builds read it live',
      );
    },
  });
  return {
    listWatch,
    answer: (key) => (covers(key) && listWatch.healthy() ? (held.get(key) ?? null) : undefined),
  };
}
