// Normalisation before comparing: what legitimately differs between two servers (identities, clocks, counters,
// continue tokens, a case's namespace) is replaced by a placeholder; everything else is compared as is.

const VOLATILE_KEYS = new Set([
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'lastTransitionTime',
  'lastUpdateTime',
  'lastHeartbeatTime',
  'lastProbeTime',
  'firstTimestamp',
  'lastTimestamp',
  'eventTime',
  'startTime',
  'completionTime',
  'renewTime',
  'acquireTime',
  'continue',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
]);
/** Bookkeeping only one side keeps (kube-sim has no managedFields; see the README). */
const DROPPED_KEYS = new Set(['managedFields', 'selfLink']);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const AGE = /^\d+(ms|s|m|h|d)(\d+s)?$/;

export function normalise(value: unknown, ns: string): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, ns));
  if (typeof value === 'string') {
    const text = value.replace(UUID, '<uid>').split(ns).join('<ns>');
    return AGE.test(text) ? '<age>' : text;
  }
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (DROPPED_KEYS.has(key)) continue;
    const v = (value as Record<string, unknown>)[key];
    out[key] =
      VOLATILE_KEYS.has(key) && v !== undefined && v !== null && v !== '' ? '<volatile>' : normalise(v, ns);
  }
  return out;
}

/** JSON paths where two normalised values differ (at most `max`). */
export function differences(a: unknown, b: unknown, path = '$', max = 12, out: string[] = []): string[] {
  if (out.length >= max) return out;
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys)
      differences(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`,
        max,
        out,
      );
    return out;
  }
  out.push(
    `${path}: kube-sim ${JSON.stringify(a)?.slice(0, 160)} ≠ real ${JSON.stringify(b)?.slice(0, 160)}`,
  );
  return out;
}
