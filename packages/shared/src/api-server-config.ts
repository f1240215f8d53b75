import { z } from 'zod';

/**
 * Settings of the ambient-api-server source (issue 16), parsed from the environment `loadConfig` was
 * given. Kept beside config.ts because config.ts is long; only loadConfig calls it.
 */

/** `MODE`, as upstream's control plane: reconcile into Kubernetes, count only, or run sessions locally. */
export const OPERATOR_MODES = ['kube', 'local', 'test'] as const;
export type OperatorMode = (typeof OPERATOR_MODES)[number];

/** The upstream SDK refuses shorter tokens. */
export const API_TOKEN_MIN_LENGTH = 20;

/** Ports handed to local runners: `LOCAL_PORT_RANGE` `first-last`, both included. */
export interface PortRange {
  first: number;
  last: number;
}

export interface LocalModeConfig {
  /** `LOCAL_WORKSPACE_ROOT`: each session works in `<root>/<session id>`. @defaultValue `~/.ambient/workspaces` */
  workspaceRoot: string;
  /** `LOCAL_PROXY_ADDR`: the proxy routing `/sessions/{id}/…` to runners. @defaultValue `127.0.0.1:9080` */
  proxyAddress: { host: string; port: number };
  /** `LOCAL_RUNNER_COMMAND`: run through `/bin/sh -c`. @defaultValue `python local_entry.py` */
  runnerCommand: string;
  /** `LOCAL_PORT_RANGE`. @defaultValue 9100-9199 */
  portRange: PortRange;
  /** `LOCAL_MAX_SESSIONS`: runners at once; further sessions wait in Pending. @defaultValue 10 */
  maxSessions: number;
}

export type ApiServerConfig =
  | {
      /** No api-server source: the operator serves the CRDs only (`AMBIENT_API_SERVER_URL` unset). */
      enabled: false;
      mode: OperatorMode;
      local: Readonly<LocalModeConfig>;
    }
  | {
      enabled: true;
      /** `MODE`. @defaultValue `kube` */
      mode: OperatorMode;
      /** `AMBIENT_API_SERVER_URL`: REST base (without `/api/ambient/v1`); setting it turns the source on. */
      url: string;
      /** `AMBIENT_API_TOKEN`: Bearer token for REST and gRPC (a secret: never log it). Required. */
      token: string;
      /** `AMBIENT_GRPC_SERVER_ADDR` `host:port`. @defaultValue the URL's host with port 9000 (the server's) */
      grpcAddress: string;
      /** `AMBIENT_GRPC_USE_TLS`. @defaultValue false */
      grpcUseTls: boolean;
      local: Readonly<LocalModeConfig>;
    };

export const apiServerEnvSchema = {
  MODE: z.string().optional(),
  AMBIENT_API_SERVER_URL: z.string().optional(),
  AMBIENT_API_TOKEN: z.string().optional(),
  AMBIENT_GRPC_SERVER_ADDR: z.string().optional(),
  AMBIENT_GRPC_USE_TLS: z.string().optional(),
  LOCAL_WORKSPACE_ROOT: z.string().optional(),
  LOCAL_PROXY_ADDR: z.string().optional(),
  LOCAL_RUNNER_COMMAND: z.string().optional(),
  LOCAL_PORT_RANGE: z.string().optional(),
  LOCAL_MAX_SESSIONS: z.string().optional(),
};
type ApiServerEnv = { [K in keyof typeof apiServerEnvSchema]?: string | undefined };

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]+):(\d{1,5})$/;

function hostPort(raw: string): { host: string; port: number } | undefined {
  const match = HOST_PORT.exec(raw);
  if (!match || Number(match[2]) > 65535) return undefined;
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

const set = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;

function parseLocal(e: ApiServerEnv, home: string | undefined, problems: string[]): LocalModeConfig {
  const root = set(e.LOCAL_WORKSPACE_ROOT) ?? `${home ?? '/tmp'}/.ambient/workspaces`;
  const proxyRaw = set(e.LOCAL_PROXY_ADDR) ?? '127.0.0.1:9080';
  const proxyAddress = hostPort(proxyRaw);
  if (!proxyAddress) problems.push(`LOCAL_PROXY_ADDR=${proxyRaw}: expected host:port (e.g. 127.0.0.1:9080)`);
  const rangeRaw = set(e.LOCAL_PORT_RANGE) ?? '9100-9199';
  const range = /^(\d{1,5})-(\d{1,5})$/.exec(rangeRaw);
  const first = Number(range?.[1]);
  const last = Number(range?.[2]);
  if (!range || first < 1 || last > 65535 || first > last)
    problems.push(
      `LOCAL_PORT_RANGE=${rangeRaw}: expected first-last with 1 ≤ first ≤ last ≤ 65535 (e.g. 9100-9199)`,
    );
  const maxRaw = set(e.LOCAL_MAX_SESSIONS) ?? '10';
  if (!/^\d+$/.test(maxRaw) || Number(maxRaw) < 1)
    problems.push(`LOCAL_MAX_SESSIONS=${maxRaw}: expected a whole number ≥ 1`);
  return {
    workspaceRoot: root.replace(/^~(?=\/|$)/, home ?? '~'),
    proxyAddress: proxyAddress ?? { host: '127.0.0.1', port: 9080 },
    runnerCommand: set(e.LOCAL_RUNNER_COMMAND) ?? 'python local_entry.py',
    portRange: { first, last },
    maxSessions: Number(maxRaw),
  };
}

/**
 * The source is on when `AMBIENT_API_SERVER_URL` is set; then a missing or short `AMBIENT_API_TOKEN` stops
 * start-up. A bad MODE always does. Problems are appended, one line per setting.
 */
export function parseApiServerConfig(
  e: ApiServerEnv,
  home: string | undefined,
  problems: string[],
): ApiServerConfig {
  const modeRaw = set(e.MODE) ?? 'kube';
  const mode = (OPERATOR_MODES as readonly string[]).includes(modeRaw) ? (modeRaw as OperatorMode) : 'kube';
  if (mode !== modeRaw)
    problems.push(`unknown MODE "${modeRaw}": must be one of ${OPERATOR_MODES.join(', ')}`);
  const local = parseLocal(e, home, problems);
  // Only the URL turns the source on: MODE alone is too common a name to mean it (vitest exports MODE=test
  // to every process it starts), so MODE=test/local without a URL stays off rather than failing start-up.
  const urlRaw = set(e.AMBIENT_API_SERVER_URL);
  if (urlRaw === undefined) return { enabled: false, mode, local };

  const url = urlRaw;
  let parsedUrl: URL | undefined;
  try {
    parsedUrl = new URL(url);
    if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') parsedUrl = undefined;
  } catch {
    parsedUrl = undefined;
  }
  if (!parsedUrl) problems.push(`AMBIENT_API_SERVER_URL=${url}: expected a URL (http://... or https://...)`);
  const token = set(e.AMBIENT_API_TOKEN);
  const why = urlRaw !== undefined ? 'AMBIENT_API_SERVER_URL is set' : `MODE=${mode}`;
  if (token === undefined)
    problems.push(`AMBIENT_API_TOKEN is not set: required when ${why} (the api-server source is on)`);
  else if (token.length < API_TOKEN_MIN_LENGTH)
    problems.push(`AMBIENT_API_TOKEN is too short: expected at least ${API_TOKEN_MIN_LENGTH} characters`);
  const grpcRaw = set(e.AMBIENT_GRPC_SERVER_ADDR) ?? `${parsedUrl?.hostname ?? 'localhost'}:9000`;
  if (!hostPort(grpcRaw))
    problems.push(`AMBIENT_GRPC_SERVER_ADDR=${grpcRaw}: expected host:port (e.g. ambient-api-server:9000)`);
  const tlsRaw = (set(e.AMBIENT_GRPC_USE_TLS) ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(tlsRaw))
    problems.push(`AMBIENT_GRPC_USE_TLS=${tlsRaw}: expected true or false`);
  return {
    enabled: true,
    mode,
    url: url.replace(/\/+$/, ''),
    token: token ?? '',
    grpcAddress: grpcRaw,
    grpcUseTls: tlsRaw === 'true' || tlsRaw === '1',
    local,
  };
}
