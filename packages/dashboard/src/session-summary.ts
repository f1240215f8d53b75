import { z } from 'zod';

/**
 * The slice of an AgenticSession the dashboard reads: metadata and status only. The spec (prompts, repos, LLM
 * settings) is dropped at parse time so it is never held or shown. Parsing is lenient on purpose: one session
 * with an unexpected status must not take the whole list down, so unknown fields are stripped and only the
 * shapes we render are checked.
 */

const conditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});
export type SessionConditionView = z.infer<typeof conditionSchema>;

const historyEntrySchema = z.object({
  from: z.string().optional(),
  to: z.string(),
  at: z.string(),
  reason: z.string().optional(),
});
export type PhaseHistoryView = z.infer<typeof historyEntrySchema>;

export const sessionSliceSchema = z.object({
  metadata: z.object({
    name: z.string(),
    namespace: z.string(),
    uid: z.string().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    generation: z.number().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  status: z
    .object({
      phase: z.string().optional(),
      startTime: z.string().optional(),
      completionTime: z.string().optional(),
      phaseTransitionTime: z.string().optional(),
      stoppedReason: z.string().optional(),
      observedGeneration: z.number().optional(),
      runnerRecreations: z.number().optional(),
      conditions: z.array(conditionSchema).optional(),
      phaseHistory: z.array(historyEntrySchema).optional(),
    })
    .optional(),
});

/** Annotations that repeat the whole object (and so the spec) and are never shown. */
const HIDDEN_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** Longest annotation value shown; longer ones are cut (annotations can hold up to 256 KiB). */
export const ANNOTATION_DISPLAY_MAX_CHARS = 300;

/** One session as the dashboard shows it. */
export interface SessionSummary {
  namespace: string;
  name: string;
  /** `namespace/name`, the queue key. */
  key: string;
  uid: string | undefined;
  /** `status.phase`, or undefined before the first reconcile wrote one. */
  phase: string | undefined;
  createdAt: string | undefined;
  deleting: boolean;
  startTime: string | undefined;
  completionTime: string | undefined;
  stoppedReason: string | undefined;
  generation: number | undefined;
  observedGeneration: number | undefined;
  runnerRecreations: number | undefined;
  /** When the phase last changed: the newest history entry, else `status.phaseTransitionTime`. */
  lastTransition:
    { from: string | undefined; to: string; at: string; reason: string | undefined } | undefined;
  ready: SessionConditionView | undefined;
  conditions: SessionConditionView[];
  /** `status.phaseHistory`, newest last (the CRD bounds it to 20 entries). */
  phaseHistory: PhaseHistoryView[];
  /** Annotations minus the hidden ones, values cut to {@link ANNOTATION_DISPLAY_MAX_CHARS}. */
  annotations: Record<string, string>;
}

function visibleAnnotations(annotations: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations ?? {})) {
    if (HIDDEN_ANNOTATIONS.has(k)) continue;
    out[k] = v.length > ANNOTATION_DISPLAY_MAX_CHARS ? `${v.slice(0, ANNOTATION_DISPLAY_MAX_CHARS)}…` : v;
  }
  return out;
}

/** Parses one raw AgenticSession from the API; undefined when even its metadata is unusable. */
export function summarizeSession(raw: unknown): SessionSummary | undefined {
  const parsed = sessionSliceSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { metadata, status } = parsed.data;
  const history = status?.phaseHistory ?? [];
  const newest = history.at(-1);
  const conditions = status?.conditions ?? [];
  const phase = status?.phase;
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    key: `${metadata.namespace}/${metadata.name}`,
    uid: metadata.uid,
    phase: phase === '' ? undefined : phase,
    createdAt: metadata.creationTimestamp,
    deleting: metadata.deletionTimestamp !== undefined,
    startTime: status?.startTime,
    completionTime: status?.completionTime,
    stoppedReason: status?.stoppedReason,
    generation: metadata.generation,
    observedGeneration: status?.observedGeneration,
    runnerRecreations: status?.runnerRecreations,
    lastTransition: newest
      ? { from: newest.from, to: newest.to, at: newest.at, reason: newest.reason }
      : status?.phaseTransitionTime && phase
        ? { from: undefined, to: phase, at: status.phaseTransitionTime, reason: undefined }
        : undefined,
    ready: conditions.find((c) => c.type === 'Ready'),
    conditions,
    phaseHistory: history,
    annotations: visibleAnnotations(metadata.annotations),
  };
}
