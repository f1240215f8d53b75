import type { CustomObjectsApi } from '@kubernetes/client-node';
import {
  SCHEDULER_GROUP,
  SCHEDULER_VERSION,
  USER_DEPLOYMENT_PLURAL,
  userDeploymentSpecSchema,
  userDeploymentStatusSchema,
  type UserDeploymentSpec,
  type UserDeploymentStatus,
} from '@ambient-operator/shared';
import { z } from 'zod';

/** A UserDeployment as the dashboard shows it; spec and status only when they parse. */
export interface UserDeploymentItem {
  namespace: string;
  name: string;
  createdAt?: string;
  spec?: UserDeploymentSpec;
  status?: UserDeploymentStatus;
}

const itemSchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string(), creationTimestamp: z.string().optional() }),
  spec: z.unknown().optional(),
  status: z.unknown().optional(),
});
/** Items past this many are not shown (a page, not an export). */
const LIST_LIMIT = 500;
const api = { group: SCHEDULER_GROUP, version: SCHEDULER_VERSION, plural: USER_DEPLOYMENT_PLURAL };

function toItem(raw: unknown): UserDeploymentItem | undefined {
  const parsed = itemSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { metadata } = parsed.data;
  const spec = userDeploymentSpecSchema.safeParse(parsed.data.spec);
  const status = userDeploymentStatusSchema.safeParse(parsed.data.status);
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    ...(metadata.creationTimestamp ? { createdAt: metadata.creationTimestamp } : {}),
    ...(spec.success ? { spec: spec.data } : {}),
    ...(status.success ? { status: status.data } : {}),
  };
}

/** Reads UserDeployments live (no cache: these pages are looked at, not polled). */
export class UserDeployments {
  constructor(private readonly custom: CustomObjectsApi) {}

  async list(): Promise<UserDeploymentItem[]> {
    const list = (await this.custom.listClusterCustomObject({ ...api, limit: LIST_LIMIT })) as {
      items?: unknown[];
    };
    return (list.items ?? []).flatMap((raw) => toItem(raw) ?? []);
  }

  async get(namespace: string, name: string): Promise<UserDeploymentItem | undefined> {
    const raw: unknown = await this.custom
      .getNamespacedCustomObject({ ...api, namespace, name })
      .catch((err: unknown) => {
        if ((err as { code?: number }).code === 404) return undefined;
        throw err;
      });
    return raw === undefined ? undefined : toItem(raw);
  }
}
