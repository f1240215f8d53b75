// `operator session-trigger`: the entry point of scheduled-session CronJobs (contract §8.3).
export { runSessionTrigger } from './run-session-trigger.js';
export type { SessionTriggerDeps, SessionTriggerResult } from './run-session-trigger.js';
export {
  DEFAULT_TOKEN_FILE,
  inClusterBackendUrl,
  parseSessionTriggerEnv,
  sessionTemplateSchema,
} from './trigger-settings.js';
export type { SessionTemplate, SessionTriggerSettings } from './trigger-settings.js';
export { displayNameWithRunTime, rfc3339Seconds, sanitizeRunName, scheduledRunName } from './run-names.js';
export { buildScheduledSession, latestSession, parseSessionList } from './scheduled-session.js';
export type { ListedSession } from './scheduled-session.js';
export { followUpRunInput, sendFollowUpPrompt } from './follow-up-prompt.js';
export type { FollowUpPromptOptions } from './follow-up-prompt.js';
export { resumeSession } from './resume-session.js';
