const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Kubernetes name length limits (apimachinery validation). */
export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const LABEL_VALUE_MAX_LENGTH = 63;

/** RFC 1123 label: lowercase alphanumerics and '-', alphanumeric at both ends, at most 63 characters. */
export function isDns1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX_LENGTH && DNS1123_LABEL.test(value);
}

/** RFC 1123 subdomain: dot-separated labels, at most 253 characters (most object names). */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX_LENGTH && DNS1123_SUBDOMAIN.test(value);
}

/** RFC 1035 label: like a 1123 label but must start with a letter (Service names). */
export function isDns1035Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX_LENGTH && DNS1035_LABEL.test(value);
}

/** Label value: empty, or at most 63 alphanumerics, '-', '_', '.', alphanumeric at both ends. */
export function isLabelValue(value: string): boolean {
  return value.length <= LABEL_VALUE_MAX_LENGTH && LABEL_VALUE.test(value);
}

/** Label or annotation key: `[prefix/]name`, prefix a DNS-1123 subdomain, name ≤ 63 characters. */
export function isQualifiedName(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2) return false;
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

/** Path segment name (Role, RoleBinding): anything but `.`, `..`, or containing `/` or `%`. */
export function isPathSegmentName(value: string): boolean {
  return value.length > 0 && value !== '.' && value !== '..' && !/[/%]/.test(value);
}

// --- Names derived from a session name (contract §3) ---

/** Runner Job: `<n>-runner`. */
export function runnerJobName(sessionName: string): string {
  return `${sessionName}-runner`;
}
/** Runner Service: `session-<n>`. */
export function serviceName(sessionName: string): string {
  return `session-${sessionName}`;
}
/** Runner ServiceAccount: `ambient-session-<n>`. */
export function runnerServiceAccountName(sessionName: string): string {
  return `ambient-session-${sessionName}`;
}
/** Runner Role: `ambient-session-<n>-role`. */
export function runnerRoleName(sessionName: string): string {
  return `ambient-session-${sessionName}-role`;
}
/** Runner RoleBinding: `ambient-session-<n>-rb`. */
export function runnerRoleBindingName(sessionName: string): string {
  return `ambient-session-${sessionName}-rb`;
}
/** Runner token Secret: `ambient-runner-token-<n>`. */
export function runnerTokenSecretName(sessionName: string): string {
  return `ambient-runner-token-${sessionName}`;
}

/** One name that Kubernetes would reject, with the rule it breaks. */
export interface NameProblem {
  /** What the name is for: `AgenticSession`, `Job`, `Service`, ... */
  kind: string;
  name: string;
  message: string;
}

interface NameRule {
  kind: string;
  derive: (sessionName: string) => string;
  check: (name: string) => boolean;
  rule: string;
}

/**
 * Which limit applies to each name (apimachinery validation):
 * - AgenticSession: DNS-1123 subdomain (≤ 253), and — because the runner pod and Service carry the
 *   label `agentic-session=<n>` — a valid label value (≤ 63).
 * - Job `<n>-runner`: DNS-1123 subdomain, and ≤ 63 in practice, because the API server labels the Job's
 *   pods `batch.kubernetes.io/job-name=<job name>` (a label value).
 * - Service `session-<n>`: DNS-1035 label (≤ 63, no dots), so sessions longer than 55 characters or
 *   with dots cannot get a Service.
 * - ServiceAccount and Secret: DNS-1123 subdomain (≤ 253).
 * - Role and RoleBinding: path segment names (RBAC); checked as DNS-1123 subdomains anyway, which the
 *   session name already guarantees.
 */
const SESSION_NAME_RULES: readonly NameRule[] = [
  { kind: 'AgenticSession', derive: (n) => n, check: isDns1123Subdomain, rule: 'a DNS-1123 subdomain' },
  {
    kind: 'AgenticSession',
    derive: (n) => n,
    check: isLabelValue,
    rule: `a valid label value (≤ ${LABEL_VALUE_MAX_LENGTH} characters; it labels the runner pod and Service)`,
  },
  {
    kind: 'Job',
    derive: runnerJobName,
    check: (n) => isDns1123Subdomain(n) && isLabelValue(n),
    rule: `a DNS-1123 subdomain of ≤ ${LABEL_VALUE_MAX_LENGTH} characters (it becomes the pods' job-name label)`,
  },
  {
    kind: 'Service',
    derive: serviceName,
    check: isDns1035Label,
    rule: `a DNS-1035 label (≤ ${DNS1123_LABEL_MAX_LENGTH} characters, no dots)`,
  },
  {
    kind: 'ServiceAccount',
    derive: runnerServiceAccountName,
    check: isDns1123Subdomain,
    rule: 'a DNS-1123 subdomain',
  },
  { kind: 'Role', derive: runnerRoleName, check: isDns1123Subdomain, rule: 'a DNS-1123 subdomain' },
  {
    kind: 'RoleBinding',
    derive: runnerRoleBindingName,
    check: isDns1123Subdomain,
    rule: 'a DNS-1123 subdomain',
  },
  { kind: 'Secret', derive: runnerTokenSecretName, check: isDns1123Subdomain, rule: 'a DNS-1123 subdomain' },
];

/**
 * Check a session name and every name derived from it before anything is created. Returns the
 * problems (empty when all is well), e.g. a 60-character name gives a `Job` and a `Service` problem.
 */
export function validateSessionName(sessionName: string): NameProblem[] {
  const problems: NameProblem[] = [];
  for (const rule of SESSION_NAME_RULES) {
    const name = rule.derive(sessionName);
    if (!rule.check(name)) {
      problems.push({
        kind: rule.kind,
        name,
        message: `${rule.kind} name "${name}" (${name.length} characters) must be ${rule.rule}`,
      });
    }
  }
  return problems;
}

/** The namespace a UserDeployment's children live in: `spec.namespace`, else `ud-<name>`. */
export function userDeploymentNamespace(name: string, specNamespace: string | undefined): string {
  return specNamespace ?? `ud-${name}`;
}
