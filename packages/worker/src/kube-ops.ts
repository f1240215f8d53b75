import { isAlreadyExists, isNotFound } from '@ambient-operator/shared';

/** Request options that send a body as a JSON merge patch (RFC 7386). */
export { mergePatch } from '@ambient-operator/shared';

/** Create; AlreadyExists is the outcome we wanted, not an error. Returns whether this call created it. */
export async function createIfAbsent(create: () => Promise<unknown>): Promise<boolean> {
  return (await createOrNull(create)) !== null;
}

/** Create; AlreadyExists gives null, else the created object as the API answered it. */
export async function createOrNull<T>(create: () => Promise<T>): Promise<T | null> {
  try {
    return await create();
  } catch (err) {
    if (isAlreadyExists(err)) return null;
    throw err;
  }
}

/** Delete; NotFound is the outcome we wanted, not an error. Returns whether this call deleted it. */
export async function deleteIfPresent(remove: () => Promise<unknown>): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** A read whose NotFound is an outcome (null), not an error. */
export async function readOrNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
