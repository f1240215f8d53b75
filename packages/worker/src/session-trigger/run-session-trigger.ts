import { readFile } from 'node:fs/promises';
import type { LeanCustomObjectsApi } from '@ambient-operator/shared';
import { SCHEDULED_SESSION_NAME, type Logger } from '@ambient-operator/shared';
import { sendFollowUpPrompt } from './follow-up-prompt.js';
import { resumeSession } from './resume-session.js';
import { buildScheduledSession, latestSession, parseSessionList, sessionsApi } from './scheduled-session.js';
import type { SessionTriggerSettings } from './trigger-settings.js';

export interface SessionTriggerDeps {
  customObjects: LeanCustomObjectsApi;
  log: Logger;
  /** ms since the epoch. @defaultValue Date.now */
  now?: () => number;
  /** Used for the follow-up prompt. @defaultValue the global fetch */
  fetch?: typeof fetch;
  /** The bearer token for the backend. @defaultValue the contents of settings.tokenFile */
  readToken?: () => Promise<string>;
}

/** What one run of the trigger did. */
export type SessionTriggerResult =
  | { action: 'created'; session: string }
  | { action: 'resumed'; session: string; phase: string }
  | { action: 'prompted'; session: string }
  | { action: 'skipped'; session: string; reason: string };

/**
 * `operator session-trigger` (contract §8.3): start the schedule's next run. With reuse on, the newest earlier
 * run is continued instead when it can be: Running → the prompt is sent to it through the backend; Stopped or
 * Completed → it is restarted with the prompt. Any other phase (or no earlier run) → a new session. A failed
 * reuse is an error (never a silent second session).
 */
export async function runSessionTrigger(
  settings: SessionTriggerSettings,
  deps: SessionTriggerDeps,
): Promise<SessionTriggerResult> {
  const now = deps.now ?? Date.now;
  const { namespace, scheduledSessionName, template } = settings;
  const { log } = deps;
  const prompt = template.initialPrompt ?? '';

  if (settings.reuseLastSession) {
    const listed = parseSessionList(
      await deps.customObjects.listNamespacedCustomObject({
        ...sessionsApi,
        namespace,
        labelSelector: `${SCHEDULED_SESSION_NAME}=${scheduledSessionName}`,
      }),
    );
    const latest = latestSession(listed);
    const phase = latest?.status?.phase ?? '';
    if (latest !== undefined) log.info({ session: latest.metadata.name, phase }, 'found the last run');
    if (latest !== undefined && phase === 'Running') {
      const session = latest.metadata.name;
      if (prompt === '') return { action: 'skipped', session, reason: 'running, and no prompt to send' };
      const token = await (deps.readToken ?? (() => readFile(settings.tokenFile, 'utf8')))();
      await sendFollowUpPrompt({
        backendUrl: settings.backendUrl,
        namespace,
        session,
        prompt,
        token: token.trim(),
        nowMs: now(),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      return { action: 'prompted', session };
    }
    if (latest !== undefined && (phase === 'Stopped' || phase === 'Completed')) {
      const session = latest.metadata.name;
      await resumeSession({ customObjects: deps.customObjects, namespace, name: session, prompt, now });
      return { action: 'resumed', session, phase };
    }
  }

  const body = buildScheduledSession({ namespace, scheduledSessionName, template, nowMs: now() });
  await deps.customObjects.createNamespacedCustomObject({ ...sessionsApi, namespace, body });
  return { action: 'created', session: body.metadata.name };
}
