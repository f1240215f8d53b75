// A list page's body read straight from its bytes into the watcher's objects. JSON.parse of a page decoded the whole
// body into one string first, then built every item whole — kind, apiVersion, uid, timestamps, managedFields — for
// most of it to be dropped, garbage that --optimize-for-size's small young generation collected while a start's
// 50,000 sessions came in. This reader makes only the strings and objects a WatchedObject holds, and accepts and
// refuses what JSON.parse followed by the list's former checks (an envelope schema, then readWatchedObject per item)
// accepted and refused: every value it skips is checked as JSON, and a string with escapes or non-ASCII bytes is
// decoded by JSON.parse itself.
import type { ListPage as ObjectListPage } from '@ambient-operator/shared';
import type { WatchedObject } from './list-watch.js';

export type ListPage = ObjectListPage<WatchedObject>;

/** A body that is not JSON, or not a list of objects with the metadata the watcher needs. */
export class ListPageError extends Error {
  override readonly name = 'ListPageError';
}

/** The page of a list response's whole body (UTF-8 JSON, as API servers and kube-sim send it). */
export function readListPage(body: Buffer): ListPage {
  const r = new PageReader(body);
  const page: ListPage = { items: [], resourceVersion: undefined, continueToken: undefined };
  if (r.peek() !== LBRACE) r.syntax('a list object');
  for (let key = r.firstKey(LIST_KEYS); key !== END; key = r.nextKey(LIST_KEYS)) {
    if (key === L_METADATA) readListMeta(r, page);
    else if (key === L_ITEMS) page.items = readItems(r);
    else r.skipValue();
  }
  r.end();
  return page;
}

function readListMeta(r: PageReader, page: ListPage): void {
  if (r.peek() !== LBRACE) r.invalid('metadata: expected an object');
  for (let key = r.firstKey(LIST_META_KEYS); key !== END; key = r.nextKey(LIST_META_KEYS)) {
    if (key === LM_RESOURCE_VERSION)
      page.resourceVersion = r.string() ?? r.invalid('metadata.resourceVersion: expected a string');
    else if (key === LM_CONTINUE)
      page.continueToken = (r.string() ?? r.invalid('metadata.continue: expected a string')) || undefined;
    else r.skipValue();
  }
}

function readItems(r: PageReader): WatchedObject[] {
  const items: WatchedObject[] = [];
  if (r.peek() === N_LOWER) {
    r.literal(NULL_BYTES);
    return items;
  }
  if (r.peek() !== LBRACKET) r.invalid('items: expected an array');
  for (let more = r.firstElement(); more; more = r.nextElement()) {
    const index = items.length;
    if (r.peek() !== LBRACE) r.invalid(`items[${index}]: metadata: expected an object`);
    let meta: WatchedObject | undefined;
    for (let key = r.firstKey(ITEM_KEYS); key !== END; key = r.nextKey(ITEM_KEYS)) {
      if (key === I_METADATA) meta = readMeta(r, index);
      else r.skipValue();
    }
    if (meta === undefined) r.invalid(`items[${index}]: metadata: expected an object`);
    if (meta.name === undefined) r.invalid(`items[${index}]: metadata.name: expected a string`);
    items.push(meta);
  }
  return items;
}

/**
 * An item's metadata: only the fields of a WatchedObject, each checked as readWatchedObject checks it (the
 * messages are made only on failure: this runs for every item).
 */
function readMeta(r: PageReader, index: number): WatchedObject {
  if (r.peek() !== LBRACE) invalidMeta(r, index, '', 'expected an object');
  // Every field in one literal: one allocation of one shape (fields added one by one grew a properties array
  // step by step). Absent fields stay undefined, which every reader treats as JSON.parse's missing property. name is
  // checked once the object is read (it may come after the others).
  const meta: WatchedObject = {
    name: undefined as unknown as string,
    namespace: undefined,
    uid: undefined,
    resourceVersion: undefined,
    generation: undefined,
    annotations: undefined,
    finalizers: undefined,
    deletionTimestamp: undefined,
    labels: undefined,
    ownerReferences: undefined,
  };
  for (let key = r.firstKey(META_KEYS); key !== END; key = r.nextKey(META_KEYS)) {
    switch (key) {
      case M_NAME:
        meta.name = r.string() ?? invalidMeta(r, index, '.name', 'expected a string');
        break;
      case M_NAMESPACE:
        meta.namespace = r.string() ?? invalidMeta(r, index, '.namespace', 'expected a string');
        break;
      case M_UID:
        meta.uid = r.string() ?? invalidMeta(r, index, '.uid', 'expected a string');
        break;
      case M_RESOURCE_VERSION:
        meta.resourceVersion = r.string() ?? invalidMeta(r, index, '.resourceVersion', 'expected a string');
        break;
      case M_DELETION_TIMESTAMP:
        meta.deletionTimestamp =
          r.string() ?? invalidMeta(r, index, '.deletionTimestamp', 'expected a string');
        break;
      case M_GENERATION:
        meta.generation = r.number() ?? invalidMeta(r, index, '.generation', 'expected a number');
        break;
      case M_LABELS:
        meta.labels = readStringRecord(r) ?? invalidMeta(r, index, '.labels', 'expected strings');
        break;
      case M_ANNOTATIONS:
        meta.annotations = readStringRecord(r) ?? invalidMeta(r, index, '.annotations', 'expected strings');
        break;
      case M_FINALIZERS:
        meta.finalizers = readStrings(r) ?? invalidMeta(r, index, '.finalizers', 'expected strings');
        break;
      case M_OWNER_REFERENCES:
        meta.ownerReferences =
          readOwnerReferences(r) ??
          invalidMeta(r, index, '.ownerReferences', 'expected {kind, name, uid?, controller?} objects');
        break;
      default:
        r.skipValue();
    }
  }
  return meta;
}

/** An object of strings, or null (the value skipped) when the value is anything else. */
function readStringRecord(r: PageReader): Record<string, string> | null {
  if (r.peek() !== LBRACE) return (r.skipValue(), null);
  const record: Record<string, string> = {};
  for (let key = r.firstKey(NO_KEYS); key !== END; key = r.nextKey(NO_KEYS)) {
    const name = r.lastKey();
    const value = r.string();
    if (value === null) return null;
    // As JSON.parse makes it: an own property, even named __proto__ (an assignment would set the prototype).
    if (name === '__proto__')
      Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
    else record[name] = value;
  }
  return record;
}

/** An array of strings, or null (the value skipped) when the value is anything else. */
function readStrings(r: PageReader): string[] | null {
  if (r.peek() !== LBRACKET) return (r.skipValue(), null);
  const strings: string[] = [];
  for (let more = r.firstElement(); more; more = r.nextElement()) {
    const value = r.string();
    if (value === null) return null;
    strings.push(value);
  }
  return strings;
}

function invalidMeta(r: PageReader, index: number, field: string, expected: string): never {
  return r.invalid(`items[${index}]: metadata${field}: ${expected}`);
}

type OwnerReference = NonNullable<WatchedObject['ownerReferences']>[number];

/** An array of owner references, or null (the value skipped) when the value is anything else. */
function readOwnerReferences(r: PageReader): OwnerReference[] | null {
  if (r.peek() !== LBRACKET) return (r.skipValue(), null);
  const owners: OwnerReference[] = [];
  for (let more = r.firstElement(); more; more = r.nextElement()) {
    if (r.peek() !== LBRACE) return null;
    const owner = {} as Partial<OwnerReference>;
    for (let key = r.firstKey(OWNER_KEYS); key !== END; key = r.nextKey(OWNER_KEYS)) {
      let ok = true;
      if (key === O_KIND) ok = (owner.kind = r.string() ?? undefined) !== undefined;
      else if (key === O_NAME) ok = (owner.name = r.string() ?? undefined) !== undefined;
      else if (key === O_UID) ok = (owner.uid = r.string() ?? undefined) !== undefined;
      else if (key === O_CONTROLLER) ok = (owner.controller = r.boolean() ?? undefined) !== undefined;
      else r.skipValue();
      if (!ok) return null;
    }
    if (owner.kind === undefined || owner.name === undefined) return null;
    owners.push(owner as OwnerReference);
  }
  return owners;
}

// Bytes.
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const LBRACKET = 0x5b;
const BACKSLASH = 0x5c;
const RBRACKET = 0x5d;
const E_LOWER = 0x65;
const E_UPPER = 0x45;
const F_LOWER = 0x66;
const N_LOWER = 0x6e;
const T_LOWER = 0x74;
const U_LOWER = 0x75;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const PLUS = 0x2b;
const NULL_BYTES = Buffer.from('null');
const TRUE_BYTES = Buffer.from('true');
const FALSE_BYTES = Buffer.from('false');
/** The characters after a backslash that JSON allows (u: four hex digits follow). */
const ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, F_LOWER, N_LOWER, 0x72, T_LOWER, U_LOWER]);

// The keys each object is read for, matched on their bytes (no string is made for a key that is skipped); a key's
// number is its place in its table. END: the object's closing brace.
const END = -2;
const UNKNOWN = -1;
const keyTable = (...keys: string[]) => keys.map((k) => Buffer.from(k));
const LIST_KEYS = keyTable('metadata', 'items');
const [L_METADATA, L_ITEMS] = [0, 1];
const LIST_META_KEYS = keyTable('resourceVersion', 'continue');
const [LM_RESOURCE_VERSION, LM_CONTINUE] = [0, 1];
const ITEM_KEYS = keyTable('metadata');
const I_METADATA = 0;
const META_KEYS = keyTable(
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'deletionTimestamp',
  'generation',
  'labels',
  'annotations',
  'finalizers',
  'ownerReferences',
);
const [
  M_NAME,
  M_NAMESPACE,
  M_UID,
  M_RESOURCE_VERSION,
  M_DELETION_TIMESTAMP,
  M_GENERATION,
  M_LABELS,
  M_ANNOTATIONS,
  M_FINALIZERS,
  M_OWNER_REFERENCES,
] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const OWNER_KEYS = keyTable('kind', 'name', 'uid', 'controller');
const [O_KIND, O_NAME, O_UID, O_CONTROLLER] = [0, 1, 2, 3];
/** For objects whose every key is wanted as a string ({@link PageReader.lastKey}). */
const NO_KEYS: Buffer[] = [];

/** A cursor over the body's bytes; each read starts at the value's first byte (whitespace skipped). */
class PageReader {
  private pos = 0;
  /** Where the last key's bytes are, for {@link lastKey}. */
  private keyStart = 0;
  private keyEnd = 0;
  private keyPlain = true;
  /** Whether the last string skipped was printable ASCII without escapes: then its bytes are its characters. */
  private lastPlain = true;

  constructor(private readonly buf: Buffer) {}

  syntax(expected: string): never {
    throw new ListPageError(`malformed JSON at byte ${this.pos}: expected ${expected}`);
  }

  invalid(message: string): never {
    throw new ListPageError(message);
  }

  /** The next non-whitespace byte (-1 at the end), where the reader now stands. */
  peek(): number {
    const buf = this.buf;
    let p = this.pos;
    for (; p < buf.length; p++) {
      const c = buf[p]!;
      if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    }
    this.pos = p;
    return p < buf.length ? buf[p]! : -1;
  }

  /** Nothing but whitespace is left. */
  end(): void {
    if (this.peek() !== -1) this.syntax('the end of the body');
  }

  /** At an object's `{`: its first key's number in `keys` (the reader then at its value), or END. */
  firstKey(keys: readonly Buffer[]): number {
    this.pos++;
    if (this.peek() === RBRACE) {
      this.pos++;
      return END;
    }
    return this.key(keys);
  }

  /** After a member's value: the next key's number, or END at the object's `}`. */
  nextKey(keys: readonly Buffer[]): number {
    const c = this.peek();
    this.pos++;
    if (c === RBRACE) return END;
    if (c !== COMMA) {
      this.pos--;
      this.syntax("',' or '}'");
    }
    this.peek();
    return this.key(keys);
  }

  private key(keys: readonly Buffer[]): number {
    if (this.buf[this.pos] !== QUOTE) this.syntax('a key');
    const start = this.pos + 1;
    const end = this.skipString();
    this.keyStart = start;
    this.keyEnd = end;
    this.keyPlain = this.lastPlain;
    if (this.peek() !== COLON) this.syntax("':'");
    this.pos++;
    this.peek();
    return this.keyPlain ? this.matchBytes(keys, start, end) : this.matchString(keys);
  }

  private matchBytes(keys: readonly Buffer[], start: number, end: number): number {
    const buf = this.buf;
    const length = end - start;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (key.length !== length) continue;
      let i = 0;
      while (i < length && key[i] === buf[start + i]) i++;
      if (i === length) return k;
    }
    return UNKNOWN;
  }

  /** A key with escapes or non-ASCII bytes, compared as the string JSON.parse makes of it. */
  private matchString(keys: readonly Buffer[]): number {
    const key = this.lastKey();
    return keys.findIndex((k) => k.toString('latin1') === key);
  }

  /** The last key read, as a string. */
  lastKey(): string {
    return this.keyPlain
      ? (this.buf as unknown as Latin1).latin1Slice(this.keyStart, this.keyEnd)
      : this.decode(this.keyStart - 1, this.keyEnd + 1);
  }

  /** At an array's `[`: whether it has a first element (the reader then at it). */
  firstElement(): boolean {
    this.pos++;
    if (this.peek() !== RBRACKET) return true;
    this.pos++;
    return false;
  }

  /** After an element: whether another follows (the reader then at it), false at the array's `]`. */
  nextElement(): boolean {
    const c = this.peek();
    this.pos++;
    if (c === RBRACKET) return false;
    if (c !== COMMA) {
      this.pos--;
      this.syntax("',' or ']'");
    }
    this.peek();
    return true;
  }

  /** A string value, or null (the value checked and skipped) when the value is anything else. */
  string(): string | null {
    if (this.buf[this.pos] !== QUOTE) return (this.skipValue(), null);
    const start = this.pos + 1;
    const end = this.skipString();
    return this.lastPlain
      ? (this.buf as unknown as Latin1).latin1Slice(start, end)
      : this.decode(start - 1, end + 1);
  }

  /** A number value, or null (the value checked and skipped) when the value is anything else. */
  number(): number | null {
    const c = this.buf[this.pos]!;
    if (c !== MINUS && (c < ZERO || c > NINE)) return (this.skipValue(), null);
    const start = this.pos;
    this.skipNumber();
    return Number(this.buf.toString('latin1', start, this.pos));
  }

  /** A boolean value, or null (the value checked and skipped) when the value is anything else. */
  boolean(): boolean | null {
    const c = this.buf[this.pos];
    if (c === T_LOWER) return (this.literal(TRUE_BYTES), true);
    if (c === F_LOWER) return (this.literal(FALSE_BYTES), false);
    return (this.skipValue(), null);
  }

  /** A string with escapes or non-ASCII, `start` at its opening quote: JSON.parse's own string. */
  private decode(start: number, end: number): string {
    return JSON.parse(this.buf.toString('utf8', start, end)) as string;
  }

  /** At a string's opening quote: checks it and moves past its closing one; returns where that quote is. */
  private skipString(): number {
    const buf = this.buf;
    let p = this.pos + 1;
    let plain = true;
    for (;;) {
      if (p >= buf.length) {
        this.pos = p;
        this.syntax("a string's closing '\"'");
      }
      const c = buf[p]!;
      if (c === QUOTE) break;
      if (c >= 0x80) plain = false;
      else if (c < SPACE) {
        this.pos = p;
        this.syntax('no control character in a string');
      }
      if (c === BACKSLASH) {
        plain = false;
        const e = buf[p + 1];
        if (e === undefined || !ESCAPES.has(e)) {
          this.pos = p;
          this.syntax('an escape');
        }
        if (e === U_LOWER) {
          for (let i = p + 2; i < p + 6; i++) {
            if (i >= buf.length || !isHex(buf[i]!)) {
              this.pos = p;
              this.syntax('an escape');
            }
          }
          p += 6;
        } else p += 2;
        continue;
      }
      p++;
    }
    this.pos = p + 1;
    this.lastPlain = plain;
    return p;
  }

  /** Checks the value the reader is at as JSON and moves past it. */
  skipValue(): void {
    const c = this.buf[this.pos];
    if (c === QUOTE) this.skipString();
    else if (c === LBRACE) {
      for (let key = this.firstKey(NO_KEYS); key !== END; key = this.nextKey(NO_KEYS)) this.skipValue();
    } else if (c === LBRACKET) {
      for (let more = this.firstElement(); more; more = this.nextElement()) this.skipValue();
    } else if (c === T_LOWER) this.literal(TRUE_BYTES);
    else if (c === F_LOWER) this.literal(FALSE_BYTES);
    else if (c === N_LOWER) this.literal(NULL_BYTES);
    else if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) this.skipNumber();
    else this.syntax('a value');
  }

  literal(bytes: Buffer): void {
    for (let i = 0; i < bytes.length; i++) {
      if (this.buf[this.pos + i] !== bytes[i]) this.syntax(`'${bytes.toString('latin1')}'`);
    }
    this.pos += bytes.length;
  }

  /** JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private skipNumber(): void {
    const buf = this.buf;
    if (buf[this.pos] === MINUS) this.pos++;
    if (buf[this.pos] === ZERO) this.pos++;
    else this.digits();
    if (buf[this.pos] === DOT) {
      this.pos++;
      this.digits();
    }
    if (buf[this.pos] === E_LOWER || buf[this.pos] === E_UPPER) {
      this.pos++;
      if (buf[this.pos] === PLUS || buf[this.pos] === MINUS) this.pos++;
      this.digits();
    }
  }

  private digits(): void {
    const buf = this.buf;
    const start = this.pos;
    while (this.pos < buf.length && buf[this.pos]! >= ZERO && buf[this.pos]! <= NINE) this.pos++;
    if (this.pos === start) this.syntax('a digit');
  }
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= F_LOWER);
}

/**
 * Buffer's own latin1Slice (what toString('latin1', …) calls after its argument checks, which cost more than the
 * copy for strings this short): a new string of its own, so nothing read keeps the body alive.
 */
interface Latin1 {
  latin1Slice(start: number, end: number): string;
}
