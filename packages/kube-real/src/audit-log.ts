import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const auditEventSchema = z.object({
  user: z.object({ username: z.string() }),
  verb: z.string(),
  requestURI: z.string(),
  objectRef: z
    .object({
      resource: z.string().optional(),
      subresource: z.string().optional(),
      apiGroup: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
    })
    .optional(),
  responseStatus: z.object({ code: z.number() }).optional(),
  stage: z.string(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** What one user did, as RBAC sees it: `verb group/resource[/subresource]` entries, and the requests refused. */
export interface AccessSummary {
  used: string[];
  forbidden: string[];
}

/** The ResponseComplete events of kube-apiserver's JSON-lines audit log (absent log: none). */
export async function readAuditLog(path: string): Promise<AuditEvent[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => auditEventSchema.parse(JSON.parse(line)))
    .filter((e) => e.stage === 'ResponseComplete');
}

function permission(e: AuditEvent): string {
  const ref = e.objectRef;
  if (!ref?.resource) return `${e.verb} ${e.requestURI}`;
  const resource = `${ref.apiGroup ? `${ref.apiGroup}/` : ''}${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}`;
  return `${e.verb} ${resource}`;
}

/** Per username: the distinct permissions used and every 403 (with its URI), sorted. */
export function summariseAccess(events: AuditEvent[], usernames: string[]): Record<string, AccessSummary> {
  const out: Record<string, AccessSummary> = {};
  for (const username of usernames) {
    const mine = events.filter((e) => e.user.username === username);
    out[username] = {
      used: [...new Set(mine.map(permission))].sort(),
      forbidden: [
        ...new Set(
          mine.filter((e) => e.responseStatus?.code === 403).map((e) => `${e.verb} ${e.requestURI}`),
        ),
      ].sort(),
    };
  }
  return out;
}
