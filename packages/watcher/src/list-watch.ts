// The watcher's form of shared's list/watch loop: metadata only (PartialObjectMetadata), list pages read from their
// bytes (list-page.ts), each event's object checked in place.
import {
  isJsonObject,
  METADATA_LIST_ACCEPT,
  METADATA_WATCH_ACCEPT,
  startListWatch as startObjectListWatch,
  type ListWatch,
  type ListWatchCodec,
  type ListWatchOptions,
  type WatchEvent as ObjectWatchEvent,
} from '@ambient-operator/shared';
import { readListPage } from './list-page.js';

export {
  continueTokenOfStart,
  WatchError,
  type ListWatch,
  type ListWatchState,
  type RestartReason,
  type WatchErrorKind,
  type WatchEventType,
} from '@ambient-operator/shared';

/** The metadata the watcher needs from any object; everything else is ignored. */
export interface WatchedObject {
  name: string;
  namespace?: string | undefined;
  // A runner Job's, and its pods' controller reference: what ties a deleted Job to its pods' deletion (job-cascades.ts).
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  // What tells a status-only change from any other (shared's statusOnlyFingerprint).
  generation?: number | undefined;
  annotations?: Record<string, string> | undefined;
  finalizers?: string[] | undefined;
  deletionTimestamp?: string | undefined;
  labels?: Record<string, string> | undefined;
  ownerReferences?:
    { kind: string; name: string; uid?: string | undefined; controller?: boolean | undefined }[] | undefined;
}

/**
 * The {@link WatchedObject} of a parsed watch event object, or why it is not one (list pages are read from their
 * bytes by list-page.ts, which checks each item as this does). Checked by hand, not with a zod schema: a zod object
 * schema copies each object it parses (~2 µs an item, and the garbage of the copies). Validated in place: the result
 * is the parsed `metadata` itself (its other fields, e.g. `creationTimestamp`, stay on it), so it must not outlive
 * the event.
 */
export function readWatchedObject(value: unknown): WatchedObject | string {
  const meta = isJsonObject(value) ? value.metadata : undefined;
  if (!isJsonObject(meta)) return 'metadata: expected an object';
  if (typeof meta.name !== 'string') return 'metadata.name: expected a string';
  for (const field of ['namespace', 'uid', 'resourceVersion', 'deletionTimestamp'] as const) {
    if (meta[field] !== undefined && typeof meta[field] !== 'string')
      return `metadata.${field}: expected a string`;
  }
  if (meta.generation !== undefined && typeof meta.generation !== 'number')
    return 'metadata.generation: expected a number';
  for (const field of ['labels', 'annotations'] as const) {
    if (meta[field] !== undefined && !isStringRecord(meta[field]))
      return `metadata.${field}: expected strings`;
  }
  const finalizers = meta.finalizers;
  if (
    finalizers !== undefined &&
    !(Array.isArray(finalizers) && finalizers.every((f) => typeof f === 'string'))
  )
    return 'metadata.finalizers: expected strings';
  const owners = meta.ownerReferences;
  if (owners !== undefined && !(Array.isArray(owners) && owners.every(isOwnerReference)))
    return 'metadata.ownerReferences: expected {kind, name, uid?, controller?} objects';
  return meta as unknown as WatchedObject;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (!isJsonObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

function isOwnerReference(value: unknown): boolean {
  return (
    isJsonObject(value) &&
    typeof value.kind === 'string' &&
    typeof value.name === 'string' &&
    (value.uid === undefined || typeof value.uid === 'string') &&
    (value.controller === undefined || typeof value.controller === 'boolean')
  );
}

export type WatchEvent = ObjectWatchEvent<WatchedObject>;

const metadataCodec: ListWatchCodec<WatchedObject> = {
  listAccept: METADATA_LIST_ACCEPT,
  watchAccept: METADATA_WATCH_ACCEPT,
  readPage: readListPage,
  readObject: readWatchedObject,
  resourceVersionOf: (object) => object.resourceVersion,
};

/** Lists and watches one resource type's metadata (shared's list-watch.ts). */
export function startListWatch(options: Omit<ListWatchOptions<WatchedObject>, 'codec'>): ListWatch {
  return startObjectListWatch({ ...options, codec: metadataCodec });
}
