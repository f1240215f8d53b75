import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DashboardConfigError, type BasicAuthCredentials } from './auth.js';

/** The dashboard's own settings (the cluster, Redis and queue come from shared's loadConfig). */
export interface DashboardSettings {
  host: string;
  port: number;
  auth: BasicAuthCredentials | undefined;
  readOnly: boolean;
  metricsUrls: string[];
  kubeconfigPath: string | undefined;
}

export const DASHBOARD_USAGE = `usage: dashboard [--host H] [--port N] [--read-only[=true|false]] [--metrics-url URL]... [--kubeconfig PATH]
env: DASHBOARD_HOST (127.0.0.1), DASHBOARD_PORT (3000), DASHBOARD_USERNAME, DASHBOARD_PASSWORD,
     DASHBOARD_READ_ONLY (true), DASHBOARD_METRICS_URLS (comma-separated); flags win over env.
     REDIS_URL, QUEUE_PREFIX, QUEUE_NAME, KUBECONFIG, LOG_LEVEL, DEV_MODE as for the other processes.`;

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];
const booleanWord = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => TRUE_WORDS.includes(s) || FALSE_WORDS.includes(s), {
    error: `expected one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`,
  })
  .transform((s) => TRUE_WORDS.includes(s));
const port = z
  .string()
  .trim()
  .regex(/^\d{1,5}$/, { error: 'expected a TCP port number (0 picks a free one)' })
  .transform(Number)
  .refine((n) => n <= 65535, { error: 'expected a TCP port number ≤ 65535' });
const host = z.string().trim().min(1, { error: 'expected a host name or IP address' });
const httpUrl = z
  .string()
  .trim()
  .refine((s) => /^https?:\/\//.test(s) && URL.canParse(s), { error: 'expected an http(s):// URL' });

const settingsSchema = z.object({
  host: host.default('127.0.0.1'),
  port: port.default(3000),
  username: z.string().optional(),
  password: z.string().optional(),
  readOnly: booleanWord.default(true),
  metricsUrls: z.array(httpUrl).default([]),
  kubeconfigPath: z.string().min(1).optional(),
});

const SOURCE_NAMES: Record<string, string> = {
  host: '--host / DASHBOARD_HOST',
  port: '--port / DASHBOARD_PORT',
  username: 'DASHBOARD_USERNAME',
  password: 'DASHBOARD_PASSWORD',
  readOnly: '--read-only / DASHBOARD_READ_ONLY',
  metricsUrls: '--metrics-url / DASHBOARD_METRICS_URLS',
  kubeconfigPath: '--kubeconfig',
};

const blankAsUnset = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);

/**
 * Parses the dashboard's flags and DASHBOARD_* variables. Throws {@link DashboardConfigError} naming every bad
 * setting. Credentials come from the environment only, so they never show in a process list.
 */
export function loadDashboardSettings(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): DashboardSettings {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    throw new DashboardConfigError(`${err instanceof Error ? err.message : String(err)}\n${DASHBOARD_USAGE}`);
  }
  const envUrls = blankAsUnset(env['DASHBOARD_METRICS_URLS'])
    ?.split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const readOnlyFlag = flags['read-only'];
  const raw = {
    host: flags.host ?? blankAsUnset(env['DASHBOARD_HOST']),
    port: flags.port ?? blankAsUnset(env['DASHBOARD_PORT']),
    username: blankAsUnset(env['DASHBOARD_USERNAME']),
    password: blankAsUnset(env['DASHBOARD_PASSWORD']),
    readOnly: readOnlyFlag ?? blankAsUnset(env['DASHBOARD_READ_ONLY']),
    metricsUrls: flags['metrics-url'] ?? envUrls,
    kubeconfigPath: flags.kubeconfig,
  };
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${SOURCE_NAMES[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`,
    );
    throw new DashboardConfigError(`invalid dashboard settings:\n  ${problems.join('\n  ')}`);
  }
  const s = parsed.data;
  if ((s.username === undefined) !== (s.password === undefined)) {
    throw new DashboardConfigError('set both DASHBOARD_USERNAME and DASHBOARD_PASSWORD, or neither');
  }
  return {
    host: s.host,
    port: s.port,
    auth:
      s.username !== undefined && s.password !== undefined
        ? { username: s.username, password: s.password }
        : undefined,
    readOnly: s.readOnly,
    metricsUrls: s.metricsUrls,
    kubeconfigPath: s.kubeconfigPath,
  };
}

function parseFlags(argv: readonly string[]) {
  // `--read-only` alone means true (a plain string option would swallow the next argument).
  const args = argv.map((a) => (a === '--read-only' ? '--read-only=true' : a));
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'read-only': { type: 'string' },
      'metrics-url': { type: 'string', multiple: true },
      kubeconfig: { type: 'string' },
    },
  });
  return values as {
    host?: string;
    port?: string;
    'read-only'?: string;
    'metrics-url'?: string[];
    kubeconfig?: string;
  };
}
