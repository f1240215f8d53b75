import { z } from 'zod';
import { isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from '../names.js';
import { dateTime, integer } from './validation.js';

/**
 * `metadata` as the API server validates it for custom resources (the CRD schema does not describe
 * it): name a DNS-1123 subdomain, namespace a DNS-1123 label, label/annotation keys qualified names,
 * label values ≤ 63 characters. Unknown fields are errors (strict field validation).
 */
const qualifiedKey = z.string().refine(isQualifiedName, {
  error: 'expected a qualified name ([prefix/]name, name ≤ 63 characters of [A-Za-z0-9-_.])',
});

export const ownerReferenceSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.output<typeof ownerReferenceSchema>;

export const managedFieldsEntrySchema = z.strictObject({
  manager: z.string().optional(),
  operation: z.string().optional(),
  apiVersion: z.string().optional(),
  time: dateTime.optional(),
  fieldsType: z.string().optional(),
  fieldsV1: z.record(z.string(), z.unknown()).optional(),
  subresource: z.string().optional(),
});

export const objectMetaSchema = z.strictObject({
  name: z.string().refine(isDns1123Subdomain, {
    error: 'expected a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)',
  }),
  generateName: z.string().optional(),
  namespace: z
    .string()
    .refine(isDns1123Label, { error: 'expected a DNS-1123 label (lowercase letters, digits, "-", ≤ 63)' })
    .optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: integer.optional(),
  creationTimestamp: dateTime.optional(),
  deletionTimestamp: dateTime.optional(),
  deletionGracePeriodSeconds: integer.optional(),
  labels: z
    .record(
      qualifiedKey,
      z
        .string()
        .refine(isLabelValue, { error: 'expected a label value (≤ 63 characters of [A-Za-z0-9-_.])' }),
    )
    .optional(),
  annotations: z.record(qualifiedKey, z.string()).optional(),
  ownerReferences: z.array(ownerReferenceSchema).optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: z.array(managedFieldsEntrySchema).optional(),
  selfLink: z.string().optional(),
});
export type ObjectMeta = z.output<typeof objectMetaSchema>;

/**
 * The metadata every reconcile needs of a stored object, even one whose spec fails validation: the API server
 * always sets name, namespace, uid and resourceVersion. Lenient: the fields not read here are dropped.
 */
export const storedObjectMetaSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1),
  uid: z.string().min(1),
  resourceVersion: z.string().min(1),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type StoredObjectMeta = z.output<typeof storedObjectMetaSchema>;
