// The one home of queue keys: their kinds, their format, and which watched objects enqueue them.
// The watcher derives its watches and its event → key mapping from KEY_KINDS; the worker dispatches each key to
// the reconciler registered for its kind. Adding a kind is one entry here plus its reconciler
// (docs/adding-a-key-kind.md).
import {
  AGENTIC_SESSION_KIND,
  AGENTIC_SESSION_PLURAL,
  AGENT_TASK_KIND,
  AGENT_TASK_LABEL,
  AGENT_TASK_PLURAL,
  CRD_GROUP,
  CRD_VERSION,
  DESIRED_PHASE,
  FORCE_EXECUTE_PROMPT,
  MANAGED_NAMESPACE_SELECTOR,
  PROJECT_SETTINGS_KIND,
  PROJECT_SETTINGS_PLURAL,
  RUNNER_SELECTOR,
  SCHEDULER_GROUP,
  SCHEDULER_VERSION,
  SESSION_LABEL,
  STOP_REASON,
  STOP_REQUESTED_AT,
  USER_DEPLOYMENT_KIND,
  USER_DEPLOYMENT_LABEL,
  USER_DEPLOYMENT_NAMESPACE_LABEL,
  USER_DEPLOYMENT_PLURAL,
  USER_DEPLOYMENT_TEMPLATE_LABEL,
  WORKFLOW_KIND,
  WORKFLOW_LABEL,
  WORKFLOW_PLURAL,
} from './constants.js';
import { API_SESSION_ID_LABEL } from './api-server/api-labels.js';
import { InvalidKeyError } from './errors.js';
import { isDns1123Label, isDns1123Subdomain, runnerJobName } from './names.js';

// --- Watched resources ---

export interface WatchedResourceSpec {
  /** API group path: `/api/v1`, `/apis/batch/v1`, … */
  apiPath: string;
  plural: string;
  /** How metrics and logs name the watch when two watches share a plural (two selections of Jobs). @defaultValue plural */
  label?: string;
  /** Cluster-scoped resources are watched only when the watcher is not limited to some namespaces. */
  clusterScoped?: boolean;
  /** Only these objects are watched. */
  labelSelector?: string;
}

const crdApiPath = `/apis/${CRD_GROUP}/${CRD_VERSION}`;
const schedulerApiPath = `/apis/${SCHEDULER_GROUP}/${SCHEDULER_VERSION}`;

/** Every resource type the watcher lists and watches (metadata only), by kind. */
export const WATCHED_RESOURCES = {
  [AGENTIC_SESSION_KIND]: { apiPath: crdApiPath, plural: AGENTIC_SESSION_PLURAL },
  Job: { apiPath: '/apis/batch/v1', plural: 'jobs', labelSelector: RUNNER_SELECTOR },
  Pod: { apiPath: '/api/v1', plural: 'pods', labelSelector: RUNNER_SELECTOR },
  [PROJECT_SETTINGS_KIND]: { apiPath: crdApiPath, plural: PROJECT_SETTINGS_PLURAL },
  Namespace: {
    apiPath: '/api/v1',
    plural: 'namespaces',
    clusterScoped: true,
    labelSelector: MANAGED_NAMESPACE_SELECTOR,
  },
  [AGENT_TASK_KIND]: { apiPath: schedulerApiPath, plural: AGENT_TASK_PLURAL },
  [WORKFLOW_KIND]: { apiPath: schedulerApiPath, plural: WORKFLOW_PLURAL },
  /** The Jobs of AgentTasks: they carry their task's name in a label. */
  TaskJob: { apiPath: '/apis/batch/v1', plural: 'jobs', label: 'taskjobs', labelSelector: AGENT_TASK_LABEL },
  [USER_DEPLOYMENT_KIND]: { apiPath: schedulerApiPath, plural: USER_DEPLOYMENT_PLURAL },
  /** The Deployments a UserDeployment created (their status changes wake its reconcile). */
  UserDeploymentChild: {
    apiPath: '/apis/apps/v1',
    plural: 'deployments',
    labelSelector: USER_DEPLOYMENT_LABEL,
  },
  /** Template ConfigMaps (labelled by their users or by the worker on first read). */
  UserDeploymentTemplate: {
    apiPath: '/api/v1',
    plural: 'configmaps',
    labelSelector: USER_DEPLOYMENT_TEMPLATE_LABEL,
  },
} as const satisfies Record<string, WatchedResourceSpec>;

export type WatchedKind = keyof typeof WATCHED_RESOURCES;
export const WATCHED_KINDS = Object.keys(WATCHED_RESOURCES) as WatchedKind[];

/** List/watch path of a resource, in one namespace or all. */
export function watchPath(kind: WatchedKind, namespace?: string): string {
  const spec: WatchedResourceSpec = WATCHED_RESOURCES[kind];
  return namespace && !spec.clusterScoped
    ? `${spec.apiPath}/namespaces/${namespace}/${spec.plural}`
    : `${spec.apiPath}/${spec.plural}`;
}

/** The metadata of a watched object that key mapping may use (the watcher keeps nothing else). */
export interface WatchedObjectMeta {
  name: string;
  namespace?: string | undefined;
  labels?: Record<string, string> | undefined;
  ownerReferences?: { kind: string; name: string; controller?: boolean | undefined }[] | undefined;
}

// --- Key kinds ---

/**
 * How an event on an object of kind `on` maps to keys of the kind declaring the trigger (kube-rs `owns()` /
 * `watches()`):
 * - `self`: the object is the key's own resource; its key is kept in the watcher's index while it exists.
 * - `owner`: the key of the object named by `owner(object)`, in the object's namespace unless it names another.
 * - `namespace`: every known key of this kind in the object's namespace (a namespace-wide setting changed);
 *   not on relists, where those keys' own relists cover them.
 * - `label`: the key whose id is the value of a label of the object (an object made from an external one).
 */
export type KeyTrigger =
  /**
   * `ignoreStatusOnly`: a MODIFIED event that changed nothing but the status (same generation, labels,
   * annotations, finalizers and deletion mark) enqueues nothing — the reconcile that wrote the status judged it
   * already; a status written by someone else is seen at the next event or timer (controller-runtime's
   * GenerationChanged ∨ AnnotationChanged ∨ LabelChanged predicates). Nor does one that only removed one-shot
   * annotations the operator consumes (the echo of its own clearing; see {@link isStatusOnlyChange}).
   */
  | { on: WatchedKind; map: 'self'; ignoreStatusOnly?: true }
  /** The key whose id is the value of `label` on the object (kinds of scope `id`). */
  | { on: WatchedKind; map: 'label'; label: string }
  /**
   * `ignoreWhileDeleting`: a MODIFIED event of an object whose deletion had begun before (its previous event carried
   * a deletion mark too) enqueues nothing: the start of the deletion was delivered and its end is a DELETED; what
   * changes between (a runner pod's containers stopping, finalizers) decides nothing. A stop cost one or two
   * reconciles of three reads each for its runner pod's shutdown steps.
   */
  /**
   * `ignoreWhileAlive`: a MODIFIED event of an object without a deletion mark enqueues nothing. A runner Job's changes
   * while it lives are its status (start time, active and ready counts, conditions), which follows its pod's: the
   * pod's own events wake the session, and the Job's conditions decide only once its pod is gone, whose DELETED
   * wakes it. Each runner start cost a reconcile of five reads for the Job's `ready: 1` alone.
   */
  | {
      on: WatchedKind;
      map: 'owner';
      owner: (object: WatchedObjectMeta) => OwnerName | undefined;
      ignoreWhileDeleting?: true;
      ignoreWhileAlive?: true;
    }
  | { on: WatchedKind; map: 'namespace' };

/** The owner's name (in the object's namespace), or its namespace and name (an owner in another namespace). */
export type OwnerName = string | { namespace: string; name: string };

const labelValue = (label: string) => (object: WatchedObjectMeta) => object.labels?.[label];

export interface KeyKindSpec {
  /**
   * `object`: the key names one object (`<namespace>/<name>`); `namespace`: one namespace (`<namespace>`); `id`: an
   * object outside Kubernetes by its id (`<id>`, e.g. an ambient-api-server KSUID or project name).
   */
  scope: 'object' | 'namespace' | 'id';
  triggers: readonly KeyTrigger[];
}

/** The session a runner Job or Pod belongs to: its label, else its controller AgenticSession, else a `<name>-runner` Job. */
export function owningSessionName(object: WatchedObjectMeta): string | undefined {
  const label = object.labels?.[SESSION_LABEL];
  if (label) return label;
  const controller = object.ownerReferences?.find((o) => o.controller);
  if (controller?.kind === AGENTIC_SESSION_KIND) return controller.name;
  const jobSuffix = runnerJobName('');
  if (controller?.kind === 'Job' && controller.name.endsWith(jobSuffix))
    return controller.name.slice(0, -jobSuffix.length);
  return undefined;
}

/**
 * Every key kind, its scope and its watch triggers. The worker registers one reconciler per entry (a missing one
 * does not compile); the watcher watches every resource some trigger names. Order matters only for the order of
 * the keys one event enqueues (a namespace's `ps` key before its sessions).
 */
export const KEY_KINDS = {
  ps: {
    scope: 'namespace',
    triggers: [
      { on: PROJECT_SETTINGS_KIND, map: 'self' },
      { on: 'Namespace', map: 'self' },
    ],
  },
  // ambient-api-server objects (issue 16); enqueued by the watcher's api-server source, and an AgenticSession made
  // from an API session enqueues its API session (which writes the CR's status back).
  'api-session': {
    scope: 'id',
    triggers: [{ on: AGENTIC_SESSION_KIND, map: 'label', label: API_SESSION_ID_LABEL }],
  },
  'api-project': { scope: 'id', triggers: [] },
  'api-ps': { scope: 'id', triggers: [] },
  task: {
    scope: 'object',
    triggers: [
      { on: AGENT_TASK_KIND, map: 'self' },
      { on: 'TaskJob', map: 'owner', owner: labelValue(AGENT_TASK_LABEL) },
    ],
  },
  // A workflow's step (an AgentTask it created) ended: the workflow moves on.
  workflow: {
    scope: 'object',
    triggers: [
      { on: WORKFLOW_KIND, map: 'self' },
      { on: AGENT_TASK_KIND, map: 'owner', owner: labelValue(WORKFLOW_LABEL) },
    ],
  },
  ud: {
    scope: 'object',
    triggers: [
      { on: USER_DEPLOYMENT_KIND, map: 'self' },
      // Children usually live in another namespace (`ud-<name>`): their labels name the owner.
      {
        on: 'UserDeploymentChild',
        map: 'owner',
        owner: (o) => {
          const name = o.labels?.[USER_DEPLOYMENT_LABEL];
          const namespace = o.labels?.[USER_DEPLOYMENT_NAMESPACE_LABEL];
          return name && namespace ? { namespace, name } : undefined;
        },
      },
      // Which UserDeployments use a template is in their spec, which the watcher does not keep: all of its namespace.
      { on: 'UserDeploymentTemplate', map: 'namespace' },
    ],
  },
  session: {
    scope: 'object',
    triggers: [
      // A session's status is ours: its echo would cost a reconcile of three reads that decides nothing.
      { on: AGENTIC_SESSION_KIND, map: 'self', ignoreStatusOnly: true },
      {
        on: 'Job',
        map: 'owner',
        owner: owningSessionName,
        ignoreWhileDeleting: true,
        ignoreWhileAlive: true,
      },
      { on: 'Pod', map: 'owner', owner: owningSessionName, ignoreWhileDeleting: true },
      { on: PROJECT_SETTINGS_KIND, map: 'namespace' },
      { on: 'Namespace', map: 'namespace' },
    ],
  },
} as const satisfies Record<string, KeyKindSpec>;

export type KeyKind = keyof typeof KEY_KINDS;
export const KEY_KIND_NAMES = Object.keys(KEY_KINDS) as KeyKind[];

/** The kind whose keys are written without a prefix: `<namespace>/<name>` (what queues and URLs always held). */
export const BARE_KEY_KIND = 'session' satisfies KeyKind;

/** A parsed key: `namespace` for kinds of scope `object` and `namespace`, `name` for `object`, `id` for `id`. */
export interface KeyRef {
  kind: KeyKind;
  namespace?: string;
  name?: string;
  id?: string;
}

function isKeyKind(value: string): value is KeyKind {
  return Object.hasOwn(KEY_KINDS, value);
}

/**
 * Format of every key: `<kind>:<namespace>` or `<kind>:<namespace>/<name>` by the kind's scope; the bare kind
 * (`session`) omits `<kind>:`. Throws {@link InvalidKeyError} for a name Kubernetes would not accept.
 */
export function formatKey(ref: KeyRef): string {
  const spec: KeyKindSpec = KEY_KINDS[ref.kind];
  const body =
    spec.scope === 'object'
      ? `${ref.namespace ?? ''}/${ref.name ?? ''}`
      : spec.scope === 'namespace'
        ? (ref.namespace ?? '')
        : (ref.id ?? '');
  const key = ref.kind === BARE_KEY_KIND ? body : `${ref.kind}:${body}`;
  checkRef(ref, key);
  return key;
}

/** Inverse of {@link formatKey}. Throws {@link InvalidKeyError} (terminal: retrying cannot help) on anything else. */
export function parseQueueKey(key: string): KeyRef {
  const colon = key.indexOf(':');
  const kindName = colon < 0 ? BARE_KEY_KIND : key.slice(0, colon);
  if (!isKeyKind(kindName)) throw new InvalidKeyError(`invalid key "${key}": unknown kind "${kindName}"`);
  const body = colon < 0 ? key : key.slice(colon + 1);
  const spec: KeyKindSpec = KEY_KINDS[kindName];
  if (spec.scope === 'id') {
    const ref: KeyRef = { kind: kindName, id: body };
    checkRef(ref, key);
    return ref;
  }
  const parts = body.split('/');
  const expected = spec.scope === 'object' ? 2 : 1;
  if (parts.length !== expected) {
    const form = spec.scope === 'object' ? 'namespace/name' : 'namespace';
    throw new InvalidKeyError(`invalid ${kindName} key "${key}": expected "${form}"`);
  }
  const ref: KeyRef = {
    kind: kindName,
    namespace: parts[0]!,
    ...(expected === 2 ? { name: parts[1]! } : {}),
  };
  checkRef(ref, key);
  return ref;
}

/** The namespace a key is about, for metric labels; `external` for keys of objects outside Kubernetes, `unknown` for a malformed key. */
export function namespaceOfKey(key: string): string {
  try {
    return parseQueueKey(key).namespace ?? 'external';
  } catch {
    return 'unknown';
  }
}

/** External ids (KSUIDs, project names): refused before they reach the queue when they could not be one. */
const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,252}$/;

function checkRef(ref: KeyRef, key: string): void {
  const spec: KeyKindSpec = KEY_KINDS[ref.kind];
  if (spec.scope === 'id') {
    if (!EXTERNAL_ID.test(ref.id ?? ''))
      throw new InvalidKeyError(`invalid ${ref.kind} key "${key}": bad id`);
    return;
  }
  if (ref.namespace === undefined || !isDns1123Label(ref.namespace)) {
    throw new InvalidKeyError(
      `invalid ${ref.kind} key "${key}": namespace "${ref.namespace}" is not a DNS-1123 label`,
    );
  }
  if (ref.name !== undefined && !isDns1123Subdomain(ref.name)) {
    throw new InvalidKeyError(
      `invalid ${ref.kind} key "${key}": name "${ref.name}" is not a DNS-1123 subdomain`,
    );
  }
}

// --- Session keys (the bare kind), kept under their old names ---

/** A session key: `namespace/name`. */
export type SessionKey = `${string}/${string}`;

export interface SessionRef {
  namespace: string;
  name: string;
}

/** `namespace/name`. Throws {@link InvalidKeyError} when either part is not a valid Kubernetes name. */
export function toKey(namespace: string, name: string): SessionKey {
  return formatKey({ kind: 'session', namespace, name }) as SessionKey;
}

/** A session key's namespace and name. Throws {@link InvalidKeyError} on any other key. */
export function parseKey(key: string): SessionRef {
  const ref = parseQueueKey(key);
  if (ref.kind !== 'session' || ref.namespace === undefined || ref.name === undefined) {
    throw new InvalidKeyError(`invalid session key "${key}": expected "namespace/name"`);
  }
  return { namespace: ref.namespace, name: ref.name };
}

// --- Event → keys ---

/** The key an object is the primary of, for a `self` trigger: object kinds by their name, namespace kinds by theirs. */
function selfRef(kind: KeyKind, on: WatchedKind, object: WatchedObjectMeta): KeyRef | undefined {
  const spec: KeyKindSpec = KEY_KINDS[kind];
  const clusterScoped = (WATCHED_RESOURCES[on] as WatchedResourceSpec).clusterScoped === true;
  const namespace = clusterScoped ? object.name : object.namespace;
  if (spec.scope === 'id') return { kind, id: object.name };
  if (!namespace) return undefined;
  return spec.scope === 'object' ? { kind, namespace, name: object.name } : { kind, namespace };
}

/** Keys that exist because `object` (of kind `on`) exists: what the watcher's index keeps. */
export function ownKeysOf(on: WatchedKind, object: WatchedObjectMeta): KeyRef[] {
  const refs: KeyRef[] = [];
  for (const kind of KEY_KIND_NAMES) {
    for (const trigger of KEY_KINDS[kind].triggers as readonly KeyTrigger[]) {
      if (trigger.on !== on || trigger.map !== 'self') continue;
      const ref = selfRef(kind, on, object);
      if (ref) refs.push(ref);
    }
  }
  return refs;
}

/**
 * Keys to enqueue for an event on `object` of kind `on` (or for its relist, which skips namespace-wide fan-out).
 * `knownKeysIn(kind, namespace)` lists the keys of a kind the watcher knows in a namespace. Keys that Kubernetes
 * would not accept as names are dropped (they can never be reconciled).
 */
export function keysForEvent(
  on: WatchedKind,
  object: WatchedObjectMeta,
  knownKeysIn: (kind: KeyKind, namespace: string) => Iterable<string>,
  reason: 'event' | 'relist' = 'event',
  /** The event is a MODIFIED that changed only the status, or removed consumed annotations ({@link isStatusOnlyChange}). */
  statusOnly = false,
  /** The event is a MODIFIED of an object whose deletion had begun at its previous event already. */
  alreadyDeleting = false,
  /** The event is a MODIFIED of an object without a deletion mark. */
  modifiedAlive = false,
): string[] {
  const keys: string[] = [];
  for (const kind of KEY_KIND_NAMES) {
    for (const trigger of KEY_KINDS[kind].triggers as readonly KeyTrigger[]) {
      if (trigger.on !== on) continue;
      if (trigger.map === 'self') {
        if (statusOnly && trigger.ignoreStatusOnly) continue;
        const ref = selfRef(kind, on, object);
        if (ref) pushKey(keys, ref);
      } else if (trigger.map === 'label') {
        const id = object.labels?.[trigger.label];
        if (id) pushKey(keys, { kind, id });
      } else if (trigger.map === 'owner') {
        if (alreadyDeleting && trigger.ignoreWhileDeleting) continue;
        if (modifiedAlive && trigger.ignoreWhileAlive) continue;
        const owner = trigger.owner(object);
        const ref = typeof owner === 'string' ? { namespace: object.namespace, name: owner } : owner;
        if (ref?.name && ref.namespace) pushKey(keys, { kind, namespace: ref.namespace, name: ref.name });
      } else if (reason === 'event') {
        const namespace = (WATCHED_RESOURCES[on] as WatchedResourceSpec).clusterScoped
          ? object.name
          : object.namespace;
        if (namespace) keys.push(...knownKeysIn(kind, namespace));
      }
    }
  }
  return [...new Set(keys)];
}

function pushKey(keys: string[], ref: KeyRef): void {
  try {
    keys.push(formatKey(ref));
  } catch (err) {
    if (!(err instanceof InvalidKeyError)) throw err;
  }
}

/** Whether some trigger on `on` ignores status-only changes (the watcher then keeps {@link statusOnlyFingerprint}s). */
export function ignoresStatusOnly(on: WatchedKind): boolean {
  return KEY_KIND_NAMES.some((kind) =>
    (KEY_KINDS[kind].triggers as readonly KeyTrigger[]).some(
      (t) => t.on === on && t.map === 'self' && t.ignoreStatusOnly === true,
    ),
  );
}

/** Whether some trigger on `on` ignores the changes of an object being deleted (the watcher then tracks which are). */
export function ignoresWhileDeleting(on: WatchedKind): boolean {
  return KEY_KIND_NAMES.some((kind) =>
    (KEY_KINDS[kind].triggers as readonly KeyTrigger[]).some(
      (t) => t.on === on && t.map === 'owner' && t.ignoreWhileDeleting === true,
    ),
  );
}

/** The metadata whose change is more than a status write; anything else (resourceVersion, managedFields) is not. */
export interface StatusOnlyMeta {
  generation?: number | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  finalizers?: string[] | undefined;
  deletionTimestamp?: string | undefined;
}

/**
 * The one-shot annotations the operator consumes (contract §1.4): it removes them once it acted on them, in the
 * reconcile that judged the session. Their removal alone is that reconcile's echo and enqueues nothing (a stop
 * cost a reconcile of three reads deciding nothing); adding one, or changing its value, still enqueues.
 */
const CONSUMED_ANNOTATIONS = [DESIRED_PHASE, STOP_REASON, STOP_REQUESTED_AT, FORCE_EXECUTE_PROMPT] as const;
/** Bits per consumed annotation's value code in a fingerprint (0 = absent). */
const CODE_BITS = 5;
const CODES_SPAN = 2 ** (CODE_BITS * CONSUMED_ANNOTATIONS.length);

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** 1..31 for a present value; distinct for `Running`/`Stopped` and `true`/`false` (tested). */
function valueCode(value: string): number {
  return 1 + (fnv1a(value) % (2 ** CODE_BITS - 1));
}

/**
 * A 52-bit fingerprint of what a status write leaves unchanged: a 32-bit hash of generation, labels, annotations
 * (but the consumed ones), finalizers and deletion mark, then a 5-bit code per consumed annotation. Compare two
 * with {@link isStatusOnlyChange}; only fingerprints of one process are compared (the watcher keeps them in memory).
 * Keys are sorted, so the order the server serialises maps in does not matter. Hashed piece by piece, each string
 * after its length, instead of hashing a JSON text of sorted entries: the watcher computes one per listed session
 * (50,000 at a start), and building that text cost ~1.5 µs and ~10 short-lived objects each.
 */
export function statusOnlyFingerprint(meta: StatusOnlyMeta): number {
  let h = FNV_OFFSET;
  h = fnvValue(h, meta.generation === undefined ? 0 : 1);
  if (meta.generation !== undefined) h = fnvString(h, String(meta.generation));
  h = fnvMap(h, meta.labels);
  h = fnvMap(h, meta.annotations);
  h = fnvValue(h, meta.finalizers === undefined ? 0 : 1 + meta.finalizers.length);
  const finalizers = meta.finalizers;
  if (finalizers !== undefined) for (const finalizer of finalizers) h = fnvString(h, finalizer);
  h = fnvValue(h, meta.deletionTimestamp === undefined ? 0 : 1);
  if (meta.deletionTimestamp !== undefined) h = fnvString(h, meta.deletionTimestamp);
  let codes = 0;
  for (let i = 0; i < CONSUMED_ANNOTATIONS.length; i++) {
    const value = meta.annotations?.[CONSUMED_ANNOTATIONS[i]!];
    if (value !== undefined) codes += valueCode(value) * 2 ** (CODE_BITS * i);
  }
  return (h >>> 0) * CODES_SPAN + codes;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** One value into the hash: a count or marker (above 0xffff, so never mistaken for a character). */
function fnvValue(h: number, value: number): number {
  return Math.imul(h ^ (0x10000 + value), FNV_PRIME);
}

/** A string, after its length (so no two sequences of strings hash the same text). */
function fnvString(h: number, text: string): number {
  h = fnvValue(h, text.length);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * A map's entries but the consumed annotations', in key order; an emptied map hashes as an absent one (the server
 * drops `annotations: {}`). Up to {@link SELECTED_KEYS_MAX} keys are taken in order by selection, each the least
 * above the one before, rather than pushed to an array and sorted: the usual maps hold a few, and the array was
 * ~0.2 KiB of garbage for each of the 50,000 sessions a watcher start fingerprints.
 */
function fnvMap(h: number, map: Record<string, string> | undefined): number {
  let count = 0;
  for (const key in map) if (!isConsumed(key)) count++;
  if (count === 0) return fnvValue(h, 0);
  h = fnvValue(h, count);
  if (count > SELECTED_KEYS_MAX) {
    const keys: string[] = [];
    for (const key in map) if (!isConsumed(key)) keys.push(key);
    // Code-unit order, as `<` below.
    for (const key of keys.sort()) h = fnvString(fnvString(h, key), map![key]!);
    return h;
  }
  let previous: string | undefined;
  for (let i = 0; i < count; i++) {
    let least: string | undefined;
    for (const key in map) {
      if (isConsumed(key) || (previous !== undefined && key <= previous)) continue;
      if (least === undefined || key < least) least = key;
    }
    h = fnvString(fnvString(h, least!), map![least!]!);
    previous = least;
  }
  return h;
}

/** Above this many keys a map's are sorted (selection compares each key with every other). */
const SELECTED_KEYS_MAX = 8;

function isConsumed(key: string): boolean {
  return (CONSUMED_ANNOTATIONS as readonly string[]).includes(key);
}

/**
 * Whether an object whose fingerprint went from `before` to `after` changed only its status and/or lost consumed
 * annotations (each of `after`'s consumed annotations is absent or as it was). Unknown `before`: not.
 */
export function isStatusOnlyChange(before: number | undefined, after: number): boolean {
  if (before === undefined || Math.floor(before / CODES_SPAN) !== Math.floor(after / CODES_SPAN))
    return false;
  for (let i = 0; i < CONSUMED_ANNOTATIONS.length; i++) {
    const code = (fingerprint: number) => Math.floor(fingerprint / 2 ** (CODE_BITS * i)) % 2 ** CODE_BITS;
    if (code(after) !== 0 && code(after) !== code(before)) return false;
  }
  return true;
}

/** The resources some key kind's triggers name: what the watcher must list and watch, in table order. */
export function watchedKindsOfKeyKinds(): WatchedKind[] {
  const kinds = new Set<WatchedKind>();
  for (const kind of KEY_KIND_NAMES)
    for (const trigger of KEY_KINDS[kind].triggers as readonly KeyTrigger[]) kinds.add(trigger.on);
  return WATCHED_KINDS.filter((k) => kinds.has(k));
}
