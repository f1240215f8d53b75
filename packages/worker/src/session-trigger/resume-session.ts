import type { LeanCustomObjectsApi } from '@ambient-operator/shared';
import { z } from 'zod';
import {
  DESIRED_PHASE,
  FORCE_EXECUTE_PROMPT,
  START_REQUESTED_AT,
  isConflict,
} from '@ambient-operator/shared';
import { rfc3339Seconds } from './run-names.js';
import { sessionsApi } from './scheduled-session.js';

/** Attempts of read-modify-write before a conflict is given up on (client-go's retry.DefaultRetry has 5). */
const MAX_ATTEMPTS = 5;

const sessionSchema = z.looseObject({
  metadata: z.looseObject({ annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.looseObject({}).optional(),
});

/**
 * Restarts a Stopped or Completed run with the schedule's prompt: one update (PUT, resourceVersion precondition)
 * sets desired-phase=Running and start-requested-at and, when there is a prompt, `spec.initialPrompt` plus
 * force-execute-prompt, so the runner executes it instead of resuming silently. A conflict re-reads and retries.
 */
export async function resumeSession(input: {
  customObjects: LeanCustomObjectsApi;
  namespace: string;
  name: string;
  prompt: string;
  now: () => number;
}): Promise<void> {
  const { customObjects, namespace, name, prompt } = input;
  for (let attempt = 1; ; attempt++) {
    const current = sessionSchema.parse(
      await customObjects.getNamespacedCustomObject({ ...sessionsApi, namespace, name }),
    );
    const annotations: Record<string, string> = {
      ...current.metadata.annotations,
      [DESIRED_PHASE]: 'Running',
      [START_REQUESTED_AT]: rfc3339Seconds(input.now()),
      ...(prompt ? { [FORCE_EXECUTE_PROMPT]: 'true' } : {}),
    };
    const body = {
      ...current,
      metadata: { ...current.metadata, annotations },
      ...(prompt ? { spec: { ...current.spec, initialPrompt: prompt } } : {}),
    };
    try {
      await customObjects.replaceNamespacedCustomObject({ ...sessionsApi, namespace, name, body });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}
