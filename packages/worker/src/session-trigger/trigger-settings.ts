import { z } from 'zod';
import { ConfigError, isDns1123Label, isLabelValue, type LogLevel } from '@ambient-operator/shared';

// The CronJob's environment (contract §8.3), parsed once. The first four are what upstream's backend sets on
// every scheduled-session CronJob; the rest are ours, optional, and default to upstream's behaviour.

/** Where the backend Service answers inside the cluster (upstream's fixed URL, minus the path). */
export function inClusterBackendUrl(backendNamespace: string): string {
  return `http://backend-service.${backendNamespace}.svc.cluster.local:8080`;
}

export const DEFAULT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The session spec a schedule runs; only the fields the trigger reads are typed, the rest passes through. */
export const sessionTemplateSchema = z.looseObject({
  displayName: z.string().optional(),
  initialPrompt: z.string().optional(),
});
export type SessionTemplate = z.infer<typeof sessionTemplateSchema>;

export interface SessionTriggerSettings {
  /** `SESSION_TEMPLATE`: the new session's spec (JSON object). */
  template: SessionTemplate;
  /** `PROJECT_NAMESPACE`. */
  namespace: string;
  /** `SCHEDULED_SESSION_NAME`: labels every run, so the next one can find the last. */
  scheduledSessionName: string;
  /** `REUSE_LAST_SESSION` is `true` (any case, spaces trimmed). @defaultValue false */
  reuseLastSession: boolean;
  /**
   * Base URL of the backend API for follow-up prompts: `BACKEND_API_URL`, else the in-cluster Service in
   * `BACKEND_NAMESPACE`. @defaultValue `http://backend-service.ambient-code.svc.cluster.local:8080`
   */
  backendUrl: string;
  /** `SERVICE_ACCOUNT_TOKEN_FILE`: the bearer token sent to the backend. @defaultValue the pod's SA token */
  tokenFile: string;
  /** `LOG_LEVEL`. @defaultValue `info` */
  logLevel: LogLevel;
}

const required = (name: string) =>
  z.string({ error: `${name} must be set` }).refine((v) => v.trim() !== '', { error: `${name} must be set` });

const envSchema = z.object({
  SESSION_TEMPLATE: required('SESSION_TEMPLATE'),
  PROJECT_NAMESPACE: required('PROJECT_NAMESPACE').refine(isDns1123Label, {
    error: 'PROJECT_NAMESPACE must be a namespace name (DNS-1123 label)',
  }),
  SCHEDULED_SESSION_NAME: required('SCHEDULED_SESSION_NAME').refine(isLabelValue, {
    error: 'SCHEDULED_SESSION_NAME must be a valid label value (≤ 63 characters of [A-Za-z0-9-_.])',
  }),
  REUSE_LAST_SESSION: z.string().optional(),
  BACKEND_NAMESPACE: z.string().optional(),
  BACKEND_API_URL: z.url({ error: 'BACKEND_API_URL must be an http(s) URL' }).optional(),
  SERVICE_ACCOUNT_TOKEN_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional(),
});

/** Parses the trigger's environment. Throws {@link ConfigError} naming every bad or missing variable. */
export function parseSessionTriggerEnv(
  env: Readonly<Record<string, string | undefined>>,
): SessionTriggerSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message));
  const e = parsed.data;
  const template = parseTemplate(e.SESSION_TEMPLATE);
  const backendNamespace = e.BACKEND_NAMESPACE?.trim() || 'ambient-code';
  return {
    template,
    namespace: e.PROJECT_NAMESPACE,
    scheduledSessionName: e.SCHEDULED_SESSION_NAME,
    reuseLastSession: e.REUSE_LAST_SESSION?.trim().toLowerCase() === 'true',
    backendUrl: (e.BACKEND_API_URL ?? inClusterBackendUrl(backendNamespace)).replace(/\/+$/, ''),
    tokenFile: e.SERVICE_ACCOUNT_TOKEN_FILE ?? DEFAULT_TOKEN_FILE,
    logLevel: e.LOG_LEVEL ?? 'info',
  };
}

function parseTemplate(text: string): SessionTemplate {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([
      `SESSION_TEMPLATE is not JSON: ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
  const result = sessionTemplateSchema.safeParse(json);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map(
        (i) => `SESSION_TEMPLATE${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`,
      ),
    );
  }
  return result.data;
}
