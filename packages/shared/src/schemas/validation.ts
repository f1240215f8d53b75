import { z } from 'zod';

/** One problem with a document, addressed like `spec.repos[0].url`. */
export interface ValidationIssue {
  /** Field path in JavaScript notation; `(root)` for the document itself. */
  path: string;
  message: string;
}

/** Result of `validateAgenticSession` / `validateProjectSettings`. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['spec', 'repos', 0, 'url']` → `spec.repos[0].url`; odd keys are quoted: `metadata.labels["a/b"]`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? '(root)' : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** Flatten zod issues to one entry per offending field (unknown keys become one issue each). */
export function toValidationIssues(error: z.ZodError, input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: formatFieldPath([...issue.path, key]), message: `unknown field "${key}"` });
      }
    } else if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
      issues.push({ path: formatFieldPath(issue.path), message: 'required field is missing' });
    } else if (issue.code === 'invalid_key') {
      const inner = issue.issues.map((i) => i.message).join('; ');
      issues.push({ path: formatFieldPath(issue.path), message: `invalid key: ${inner}` });
    } else {
      issues.push({ path: formatFieldPath(issue.path), message: issue.message });
    }
  }
  return issues;
}

/** Parse with a schema and report issues in the shape workers put into a condition message. */
export function validateWith<S extends z.ZodType>(schema: S, input: unknown): ValidationResult<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: toValidationIssues(result.error, input) };
}

/** One line per issue, for a condition message or a log line. */
export function describeValidationIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

// --- building blocks matching OpenAPI v3 keywords used by the CRDs ---

/** `type: string, format: date-time` (RFC 3339 with a zone, as the API server and ajv-formats check). */
export const dateTime = z.iso.datetime({
  offset: true,
  error: 'expected an RFC 3339 date-time such as 2025-01-02T15:04:05Z',
});

/** `type: integer` (int64 in Kubernetes; JavaScript can only hold the safe range). */
export const integer = z.int({ error: 'expected an integer' });

/**
 * `maxItems`. Written as a refinement that always runs, so item errors are still reported when the
 * array is also too long (zod's `.max()` stops early; the API server reports both).
 */
export function maxItems<T extends z.ZodArray<z.ZodType>>(schema: T, max: number): T {
  return schema.check(
    // `when` runs it even when the array is missing or not an array: only count real arrays.
    z.refine((items: unknown) => !Array.isArray(items) || items.length <= max, {
      error: `must have at most ${max} items`,
      when: () => true,
    }),
  );
}
