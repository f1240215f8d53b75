/** google.protobuf.Timestamp as proto-loader gives it (seconds as a number, see LOADER_OPTIONS). */
export interface ProtoTimestamp {
  seconds?: number | string;
  nanos?: number;
}

const ISO_WITH_FRACTION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Microseconds since the epoch of an RFC 3339 time, or undefined when it is not one. The server
 * stores and watches µs (write responses carry ns), so times are compared at µs.
 */
export function isoToMicros(iso: string): number | undefined {
  const match = ISO_WITH_FRACTION.exec(iso);
  if (!match) return undefined;
  const [, whole, fraction = '', zone] = match;
  const ms = Date.parse(`${whole}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

/** RFC 3339 in UTC with exactly 6 fractional digits. */
export function microsToIso(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const base = new Date(ms).toISOString().slice(0, 19);
  const fraction = String(micros - Math.floor(micros / 1_000_000) * 1_000_000).padStart(6, '0');
  return `${base}.${fraction}Z`;
}

/** Two times are the same instant at µs precision (undefined only equals undefined). */
export function sameMicros(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ma = isoToMicros(a);
  const mb = isoToMicros(b);
  return ma !== undefined && ma === mb;
}

export function isoToTimestamp(iso: string): ProtoTimestamp {
  const micros = isoToMicros(iso) ?? 0;
  const seconds = Math.floor(micros / 1_000_000);
  return { seconds, nanos: (micros - seconds * 1_000_000) * 1000 };
}

export function timestampToIso(ts: ProtoTimestamp): string {
  const seconds = Number(ts.seconds ?? 0);
  return microsToIso(seconds * 1_000_000 + Math.floor((ts.nanos ?? 0) / 1000));
}
