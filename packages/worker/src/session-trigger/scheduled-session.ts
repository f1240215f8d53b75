import { z } from 'zod';
import {
  AGENTIC_SESSION_KIND,
  AGENTIC_SESSION_PLURAL,
  CRD_API_VERSION,
  CRD_GROUP,
  CRD_VERSION,
  SCHEDULED_RUN,
  SCHEDULED_SESSION_NAME,
} from '@ambient-operator/shared';
import { displayNameWithRunTime, scheduledRunName } from './run-names.js';
import type { SessionTemplate } from './trigger-settings.js';

export const sessionsApi = { group: CRD_GROUP, version: CRD_VERSION, plural: AGENTIC_SESSION_PLURAL };

/** A new run of a schedule: its name and display name carry the time, its labels the schedule (§8.3). */
export function buildScheduledSession(input: {
  namespace: string;
  scheduledSessionName: string;
  template: SessionTemplate;
  nowMs: number;
}) {
  const { template, nowMs } = input;
  const displayName = template.displayName;
  return {
    apiVersion: CRD_API_VERSION,
    kind: AGENTIC_SESSION_KIND,
    metadata: {
      name: scheduledRunName({
        scheduledSessionName: input.scheduledSessionName,
        nowMs,
        ...(displayName ? { displayName } : {}),
      }),
      namespace: input.namespace,
      labels: { [SCHEDULED_SESSION_NAME]: input.scheduledSessionName, [SCHEDULED_RUN]: 'true' },
    },
    spec: displayName
      ? { ...template, displayName: displayNameWithRunTime(displayName, nowMs) }
      : { ...template },
  };
}

/** What the reuse lookup reads of each earlier run. */
const listedSessionSchema = z.object({
  metadata: z.object({ name: z.string().min(1), creationTimestamp: z.string().optional() }),
  status: z.object({ phase: z.string().optional() }).loose().optional(),
});
export type ListedSession = z.infer<typeof listedSessionSchema>;

const sessionListSchema = z.object({ items: z.array(z.unknown()) });

/** The runs in a list response that parse (others are skipped: the lookup only needs name, time and phase). */
export function parseSessionList(body: unknown): ListedSession[] {
  const list = sessionListSchema.parse(body);
  return list.items.flatMap((item) => {
    const parsed = listedSessionSchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The newest run by creationTimestamp; on a tie the first listed wins (as upstream). */
export function latestSession(sessions: readonly ListedSession[]): ListedSession | undefined {
  let latest: ListedSession | undefined;
  let latestMs = Number.NEGATIVE_INFINITY;
  for (const s of sessions) {
    const ms = Date.parse(s.metadata.creationTimestamp ?? '');
    const at = Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
    if (latest === undefined || at > latestMs) {
      latest = s;
      latestMs = at;
    }
  }
  return latest;
}
