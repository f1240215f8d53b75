import { pino, type DestinationStream, type Logger } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** Minimum level written. @defaultValue `info` */
  level?: LogLevel;
  /** Human-readable lines through pino-pretty (DEV_MODE) instead of JSON. @defaultValue false */
  pretty?: boolean;
  /** `name` on every line, e.g. `watcher` or `worker`. @defaultValue undefined */
  name?: string;
  /** Where lines go. @defaultValue stdout */
  destination?: DestinationStream;
}

export const REDACTED = '[Redacted]';

/**
 * Keys whose values are always secrets, at any depth (tokens, passwords, authorization headers, a
 * Secret's `data`/`stringData`). Matched case-insensitively. `data` is exempt at the top level of a
 * log call so `{ data: job.data }` style fields stay readable; a Secret is always nested.
 */
export const SECRET_KEYS: readonly string[] = [
  'token',
  'k8s-token',
  'agui-token',
  'password',
  'authorization',
  'data',
  'stringData',
];
const SECRET_KEY_SET = new Set(SECRET_KEYS.map((k) => k.toLowerCase()));

/**
 * pino `redact` paths (fast-redact syntax, `*` = one level). They matter for child-logger bindings,
 * which pino does not pass through formatters; log objects are already censored by
 * {@link redactSecrets} before pino's redaction sees them, so fast-redact only ever touches our copy.
 */
const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  return [k.startsWith('.') ? key : k, `*${k}`, `*.*${k}`, `*.*.*${k}`];
}).filter((p) => p !== 'data');

/** Names of environment variables whose values are secrets when logged as `{ name, value }`. */
export const SECRET_ENV_NAME = /TOKEN|SECRET|PASSWORD|KEY/i;
/** Nesting depth scanned for secrets; log calls carry small objects. */
const MAX_SCAN_DEPTH = 10;

/**
 * Copy-on-write redaction of {@link SECRET_KEYS} and of env entries
 * `{ name: 'ANTHROPIC_API_KEY', value: '...' }` whose name matches {@link SECRET_ENV_NAME}.
 * Unchanged subtrees are returned as is and the caller's object is never mutated. (pino's own
 * `redact` option was not used: fast-redact censors the caller's object in place and restores it
 * afterwards, and with overlapping wildcard paths, e.g. `*.data` and `*.*.token`, it restored the
 * wrong value, leaving the caller's object modified; its `*` also matches one level only.)
 */
function redactSecrets(value: unknown, depth: number): unknown {
  if (depth > MAX_SCAN_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = redactSecrets(item, depth + 1);
      if (next !== item) (copy ??= [...value])[i] = next;
    });
    return copy ?? value;
  }
  if (value instanceof Error) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  const secretEnvEntry =
    typeof record['name'] === 'string' && 'value' in record && SECRET_ENV_NAME.test(record['name']);
  if (secretEnvEntry) copy = { ...record, value: REDACTED };
  for (const [key, child] of Object.entries(record)) {
    if (secretEnvEntry && key === 'value') continue;
    if (SECRET_KEY_SET.has(key.toLowerCase()) && (depth > 0 || key !== 'data')) {
      if (child !== undefined && child !== REDACTED) (copy ??= { ...record })[key] = REDACTED;
      continue;
    }
    const next = redactSecrets(child, depth + 1);
    if (next !== child) (copy ??= { ...record })[key] = next;
  }
  return copy ?? value;
}

/**
 * The process logger: JSON lines by default, pino-pretty when `pretty`. Secrets are redacted (see
 * {@link SECRET_KEYS} and {@link SECRET_ENV_NAME}), also in child-logger bindings. Per-reconcile
 * context goes into child loggers.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const destination = options.pretty
    ? prettyStream({
        colorize: false,
        translateTime: 'SYS:standard',
        ignore: 'pid,hostname',
        ...(options.destination ? { destination: options.destination } : {}),
      })
    : (options.destination ?? pino.destination(1));
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name === undefined ? {} : { name: options.name }),
      formatters: { log: (object) => redactSecrets(object, 0) as Record<string, unknown> },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
