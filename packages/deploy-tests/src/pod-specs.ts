import { z } from 'zod';
import { describeObject, type KubeObject } from './kube-object.js';

const securityContextSchema = z.looseObject({
  runAsNonRoot: z.boolean().optional(),
  runAsUser: z.number().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  privileged: z.boolean().optional(),
  capabilities: z
    .looseObject({ add: z.array(z.string()).optional(), drop: z.array(z.string()).optional() })
    .optional(),
  seccompProfile: z.looseObject({ type: z.string() }).optional(),
});

const resourceListSchema = z.record(z.string(), z.union([z.string(), z.number()]));

const containerSchema = z.looseObject({
  name: z.string(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z
    .array(
      z.looseObject({
        name: z.string(),
        value: z.string().optional(),
        valueFrom: z
          .looseObject({
            fieldRef: z.looseObject({ fieldPath: z.string() }).optional(),
            configMapKeyRef: z
              .looseObject({ name: z.string(), key: z.string(), optional: z.boolean().optional() })
              .optional(),
            secretKeyRef: z
              .looseObject({ name: z.string(), key: z.string(), optional: z.boolean().optional() })
              .optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  envFrom: z
    .array(
      z.looseObject({
        configMapRef: z.looseObject({ name: z.string(), optional: z.boolean().optional() }).optional(),
        secretRef: z.looseObject({ name: z.string(), optional: z.boolean().optional() }).optional(),
      }),
    )
    .optional(),
  ports: z.array(z.looseObject({ name: z.string().optional(), containerPort: z.number() })).optional(),
  livenessProbe: z.looseObject({}).optional(),
  readinessProbe: z.looseObject({}).optional(),
  resources: z
    .looseObject({ requests: resourceListSchema.optional(), limits: resourceListSchema.optional() })
    .optional(),
  securityContext: securityContextSchema.optional(),
});

const volumeSchema = z.looseObject({
  name: z.string(),
  hostPath: z.unknown().optional(),
  configMap: z.looseObject({ name: z.string(), optional: z.boolean().optional() }).optional(),
  secret: z.looseObject({ secretName: z.string(), optional: z.boolean().optional() }).optional(),
});

export const podSpecSchema = z.looseObject({
  serviceAccountName: z.string().optional(),
  hostNetwork: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  securityContext: securityContextSchema.optional(),
  initContainers: z.array(containerSchema).optional(),
  containers: z.array(containerSchema),
  volumes: z.array(volumeSchema).optional(),
});

export type PodSpec = z.infer<typeof podSpecSchema>;
export type Container = z.infer<typeof containerSchema>;

/** A pod template found in a manifest, with the workload that owns it. */
export interface PodTemplate {
  owner: KubeObject;
  /** `<kind>/<namespace>/<name>` of the owner, for messages. */
  where: string;
  spec: PodSpec;
}

const templated = z.looseObject({
  spec: z.looseObject({ template: z.looseObject({ spec: podSpecSchema }) }),
});
const cronJob = z.looseObject({
  spec: z.looseObject({
    jobTemplate: z.looseObject({
      spec: z.looseObject({ template: z.looseObject({ spec: podSpecSchema }) }),
    }),
  }),
});
const bare = z.looseObject({ spec: podSpecSchema });

/** Every pod spec in the manifests: Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods. */
export function podTemplatesOf(objects: readonly KubeObject[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const object of objects) {
    let spec: PodSpec | undefined;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(object.kind)) {
      spec = templated.parse(object).spec.template.spec;
    } else if (object.kind === 'CronJob') {
      spec = cronJob.parse(object).spec.jobTemplate.spec.template.spec;
    } else if (object.kind === 'Pod') {
      spec = bare.parse(object).spec;
    }
    if (spec !== undefined) templates.push({ owner: object, where: describeObject(object), spec });
  }
  return templates;
}

/** Init and regular containers of a pod spec. */
export function containersOf(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}
