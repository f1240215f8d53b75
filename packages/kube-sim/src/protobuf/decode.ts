/**
 * Decodes the Kubernetes protobuf request bodies kubectl's typed commands send (`kubectl create namespace|secret|
 * configmap|job|serviceaccount|…`, `create token`, `auth can-i`): the `k8s\0` magic, a runtime.Unknown envelope
 * naming apiVersion/kind, and the object's message. The field numbers come from upstream's generated.proto
 * (schema.generated.ts); the result is the object's JSON form, as if kubectl had sent JSON.
 */
import { protoMessages, protoRoots } from './schema.generated.js';

/** message name → field number → [JSON name, type, repeated]. Types: scalars, a message name, `map:<value type>`. */
export type ProtoSchema = Record<string, Record<number, [string, string, true?]>>;

export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** True when the body starts with the Kubernetes protobuf magic. */
export function isKubernetesProtobuf(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(MAGIC);
}

/** The JSON object of a `k8s\0`-framed body; throws ProtobufDecodeError for kinds outside the schema. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (!isKubernetesProtobuf(body)) throw new ProtobufDecodeError('missing the k8s protobuf magic prefix');
  const unknown = decodeMessage(body.subarray(4), 'runtime.Unknown', protoMessages, true);
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = typeMeta.apiVersion ?? '';
  const kind = typeMeta.kind ?? '';
  const root = protoRoots[`${apiVersion}/${kind}`];
  if (!root) throw new ProtobufDecodeError(`kube-sim cannot decode ${apiVersion}/${kind} from protobuf`);
  const raw = typeof unknown.raw === 'string' ? Buffer.from(unknown.raw, 'base64') : Buffer.alloc(0);
  return { apiVersion, kind, ...decodeMessage(raw, root, protoMessages) };
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufDecodeError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return result;
      shift += 7n;
      if (shift > 70n) throw new ProtobufDecodeError('varint too long');
    }
  }
  bytes(): Buffer {
    const length = Number(this.varint());
    if (this.pos + length > this.buf.length)
      throw new ProtobufDecodeError('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
  fixed(size: 4 | 8): Buffer {
    if (this.pos + size > this.buf.length) throw new ProtobufDecodeError('truncated fixed field');
    const out = this.buf.subarray(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.fixed(8);
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.fixed(4);
    else throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
  }
}

const VARINT_TYPES = new Set(['bool', 'int32', 'int64', 'uint32', 'uint64']);

function scalarFromVarint(type: string, value: bigint): unknown {
  if (type === 'bool') return value !== 0n;
  if (type === 'int32' || type === 'int64') return Number(BigInt.asIntN(64, value));
  return Number(value);
}

/**
 * Decodes one message. Go's protobuf encoder writes every non-pointer field, even when empty, so an empty string
 * and `false` are dropped, as Go's JSON (omitempty) would drop them; `keepEmpty` keeps them for the envelope.
 */
function decodeMessage(
  buf: Buffer,
  name: string,
  schema: ProtoSchema,
  keepEmpty = false,
): Record<string, unknown> {
  const fields = schema[name];
  if (!fields) throw new ProtobufDecodeError(`no schema for ${name}`);
  const out: Record<string, unknown> = {};
  const reader = new Reader(buf);
  while (!reader.done) {
    const tag = reader.varint();
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    const field = fields[number];
    if (!field) {
      reader.skip(wireType);
      continue;
    }
    const [jsonName, type, repeated] = field;
    if (type.startsWith('map:')) {
      const [key, value] = decodeMapEntry(reader.bytes(), type.slice(4), schema);
      const map = (out[jsonName] ??= {}) as Record<string, unknown>;
      map[key] = value;
      continue;
    }
    if (wireType === 2 && VARINT_TYPES.has(type)) {
      // A packed repeated scalar.
      const packed = new Reader(reader.bytes());
      const list = (out[jsonName] ??= []) as unknown[];
      while (!packed.done) list.push(scalarFromVarint(type, packed.varint()));
      continue;
    }
    const value = decodeValue(reader, wireType, type, schema);
    if (repeated) ((out[jsonName] ??= []) as unknown[]).push(value);
    else if (value !== undefined && (keepEmpty || (value !== '' && value !== false))) out[jsonName] = value;
  }
  return out;
}

function decodeMapEntry(buf: Buffer, valueType: string, schema: ProtoSchema): [string, unknown] {
  const reader = new Reader(buf);
  let key = '';
  let value: unknown = valueType === 'string' || valueType === 'bytes' ? '' : undefined;
  while (!reader.done) {
    const tag = reader.varint();
    const wireType = Number(tag & 7n);
    if (tag >> 3n === 1n) key = reader.bytes().toString('utf8');
    else if (tag >> 3n === 2n) value = decodeValue(reader, wireType, valueType, schema);
    else reader.skip(wireType);
  }
  return [key, value];
}

function decodeValue(reader: Reader, wireType: number, type: string, schema: ProtoSchema): unknown {
  if (VARINT_TYPES.has(type)) return scalarFromVarint(type, reader.varint());
  if (type === 'double') return reader.fixed(8).readDoubleLE(0);
  if (type === 'float') return reader.fixed(4).readFloatLE(0);
  if (wireType !== 2) throw new ProtobufDecodeError(`field of type ${type} has wire type ${wireType}`);
  const bytes = reader.bytes();
  switch (type) {
    case 'string':
      return bytes.toString('utf8');
    case 'bytes':
      return bytes.toString('base64');
    case 'time':
      return decodeTime(bytes);
    case 'duration':
      return `${Number(BigInt.asIntN(64, firstVarint(bytes, 1) ?? 0n)) / 1e9}s`;
    case 'quantity':
      return firstString(bytes, 1) ?? '0';
    case 'intOrString': {
      const obj = decodeMessage(bytes, 'intOrString', intOrStringSchema, true);
      return obj.type === 1 ? (obj.strVal ?? '') : (obj.intVal ?? 0);
    }
    case 'rawJson': {
      const raw = firstBytes(bytes, 1);
      return raw && raw.length ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
    }
    default:
      return decodeMessage(bytes, type, schema);
  }
}

const intOrStringSchema: ProtoSchema = {
  intOrString: { 1: ['type', 'int64'], 2: ['intVal', 'int32'], 3: ['strVal', 'string'] },
};

/** metav1.Time as JSON: RFC 3339 seconds, or absent for the zero time (which Go encodes as null). */
function decodeTime(bytes: Buffer): string | undefined {
  const seconds = Number(BigInt.asIntN(64, firstVarint(bytes, 1) ?? 0n));
  if (seconds === 0) return undefined;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function firstVarint(buf: Buffer, number: number): bigint | undefined {
  const reader = new Reader(buf);
  while (!reader.done) {
    const tag = reader.varint();
    if (Number(tag >> 3n) === number && (tag & 7n) === 0n) return reader.varint();
    reader.skip(Number(tag & 7n));
  }
  return undefined;
}

function firstBytes(buf: Buffer, number: number): Buffer | undefined {
  const reader = new Reader(buf);
  while (!reader.done) {
    const tag = reader.varint();
    if (Number(tag >> 3n) === number && (tag & 7n) === 2n) return reader.bytes();
    reader.skip(Number(tag & 7n));
  }
  return undefined;
}

function firstString(buf: Buffer, number: number): string | undefined {
  return firstBytes(buf, number)?.toString('utf8');
}
