import type { ApiSession } from '@ambient-operator/api-contract';
import type { AgenticSessionSpec, RepoSpec } from '@ambient-operator/shared';
import { isDns1123Label, isLabelValue, validateSessionName } from '@ambient-operator/shared';
import {
  API_PROJECT_ID_LABEL,
  API_SESSION_ID_LABEL,
  BOT_ACCOUNT_ANNOTATION,
  RESOURCE_OVERRIDES_ANNOTATION,
} from '@ambient-operator/shared';

/** The AgenticSession an API session asks for. */
export interface SessionCrPlan {
  namespace: string;
  name: string;
  /** The whole spec: the API is the source of truth, so a change replaces it. */
  spec: Partial<AgenticSessionSpec>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type SessionMapping = { ok: true; plan: SessionCrPlan } | { ok: false; problems: string[] };

type Json = Record<string, unknown>;

function parseJson(field: string, text: string | undefined, problems: string[]): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    problems.push(`${field} is not valid JSON`);
    return undefined;
  }
}

function stringMap(field: string, value: unknown, problems: string[]): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${field} must be a JSON object`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Json)) {
    if (typeof v !== 'string') problems.push(`${field}.${k} must be a string`);
    else out[k] = v;
  }
  return out;
}

function mapRepos(session: ApiSession, crName: string, problems: string[]): RepoSpec[] | undefined {
  const defaultBranch = `ambient/${crName}`;
  const repos = parseJson('repos', session.repos, problems);
  if (repos === undefined || repos === null) {
    return session.repo_url ? [{ url: session.repo_url, branch: defaultBranch, autoPush: false }] : undefined;
  }
  if (!Array.isArray(repos)) {
    problems.push('repos must be a JSON array of {url, branch?}');
    return undefined;
  }
  return repos.flatMap((repo: unknown, i): RepoSpec[] => {
    const r = repo as Json | null;
    if (typeof r !== 'object' || r === null || typeof r.url !== 'string' || r.url === '') {
      problems.push(`repos[${i}].url must be a non-empty string`);
      return [];
    }
    const branch = typeof r.branch === 'string' && r.branch !== '' ? r.branch : defaultBranch;
    return [{ url: r.url, branch, autoPush: r.autoPush === true }];
  });
}

/** lower(kube_cr_name ‖ id), as upstream. */
export function sessionCrName(session: ApiSession): string {
  return (session.kube_cr_name || session.id).toLowerCase();
}

/** lower(project_id) ‖ kube_namespace ‖ `default`, as upstream. */
export function sessionNamespace(session: ApiSession): string {
  return (session.project_id ? session.project_id.toLowerCase() : '') || session.kube_namespace || 'default';
}

/**
 * Maps an API session field by field onto an AgenticSession (contract §4.2). Invalid JSON, names or
 * values are problems: a permanent error reported on the API object, never retried.
 */
export function mapSessionToCr(session: ApiSession): SessionMapping {
  const problems: string[] = [];
  const name = sessionCrName(session);
  const namespace = sessionNamespace(session);
  problems.push(...validateSessionName(name).map((p) => p.message));
  if (!isDns1123Label(namespace)) problems.push(`namespace "${namespace}" must be a DNS-1123 label`);

  const spec: Partial<AgenticSessionSpec> = { displayName: session.name };
  if (session.prompt) spec.initialPrompt = session.prompt;
  if (session.timeout) spec.timeout = session.timeout;
  const repos = mapRepos(session, name, problems);
  if (repos) spec.repos = repos;
  if (session.llm_model || session.llm_temperature || session.llm_max_tokens) {
    spec.llmSettings = {
      model: session.llm_model || 'sonnet',
      temperature: session.llm_temperature ?? 0.7,
      maxTokens: session.llm_max_tokens || 4000,
    };
  }
  if (session.created_by_user_id) spec.userContext = { userId: session.created_by_user_id };
  const env = stringMap(
    'environment_variables',
    parseJson('environment_variables', session.environment_variables, problems),
    problems,
  );
  if (env) spec.environmentVariables = env;

  const labels = stringMap('labels', parseJson('labels', session.labels, problems), problems) ?? {};
  const annotations =
    stringMap('annotations', parseJson('annotations', session.annotations, problems), problems) ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (!isLabelValue(v)) problems.push(`labels.${k}: "${v}" is not a valid label value`);
  }
  const overrides = parseJson('resource_overrides', session.resource_overrides, problems);
  if (overrides !== undefined) {
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
      problems.push('resource_overrides must be a JSON object');
    else annotations[RESOURCE_OVERRIDES_ANNOTATION] = JSON.stringify(overrides);
  }
  if (session.bot_account_name) annotations[BOT_ACCOUNT_ANNOTATION] = session.bot_account_name;
  // Ours last, so an API label cannot take over the keys the write-back depends on.
  labels[API_SESSION_ID_LABEL] = session.id;
  if (session.project_id && isLabelValue(session.project_id))
    labels[API_PROJECT_ID_LABEL] = session.project_id;

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, plan: { namespace, name, spec, labels, annotations } };
}
