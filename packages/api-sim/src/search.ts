import { ApiSimError } from './errors.js';

/** An object as stored: snake_case fields of the REST shape. */
export type ApiObject = Record<string, unknown>;
export type Predicate = (obj: ApiObject) => boolean;

type Token = { kind: 'ident' | 'string' | 'number' | 'op' | 'paren' | 'comma'; text: string };

const TOKEN =
  /\s*(?:(\()|(\))|(,)|('(?:[^']|'')*')|(-?\d+(?:\.\d+)?)|(<=|>=|<>|!=|=|<|>)|([A-Za-z_][A-Za-z0-9_]*))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw badSearch(`unexpected input at ${start}: ${text.slice(start, start + 10)}`);
    if (m[1] || m[2]) tokens.push({ kind: 'paren', text: (m[1] ?? m[2])! });
    else if (m[3]) tokens.push({ kind: 'comma', text: ',' });
    else if (m[4]) tokens.push({ kind: 'string', text: m[4].slice(1, -1).replace(/''/g, "'") });
    else if (m[5]) tokens.push({ kind: 'number', text: m[5] });
    else if (m[6]) tokens.push({ kind: 'op', text: m[6] });
    else tokens.push({ kind: 'ident', text: m[7]! });
  }
  return tokens;
}

function badSearch(detail: string): ApiSimError {
  return ApiSimError.of('badSearch', `Failed to parse search query: ${detail}`);
}

function likeToRegExp(pattern: string, flags: string): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, flags);
}

function compare(a: unknown, b: string | number): number {
  if (typeof b === 'number') return Number(a) - b;
  return String(a ?? '').localeCompare(b);
}

/**
 * The subset of the server's SQL-like `search` we serve: `col op value` with =, !=, <>, <, <=, >, >=,
 * [not] like, ilike, in (…), is [not] null, joined by and/or/not and parentheses. An unknown column or
 * bad syntax is a 400 (code 23), as upstream.
 */
export function parseSearch(text: string, columns: Set<string>): Predicate {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const word = (w: string) => peek()?.kind === 'ident' && peek()!.text.toLowerCase() === w;
  const take = () => {
    const t = tokens[pos++];
    if (!t) throw badSearch('unexpected end of query');
    return t;
  };
  const value = (): string | number => {
    const t = take();
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) return t.text;
    throw badSearch(`expected a value, got ${t.text}`);
  };

  const comparison = (): Predicate => {
    const col = take();
    if (col.kind !== 'ident' || !columns.has(col.text))
      throw badSearch(`${col.text} is not a valid field name`);
    const field = col.text;
    if (word('is')) {
      pos++;
      const negate = word('not') ? (pos++, true) : false;
      if (!word('null')) throw badSearch('expected null');
      pos++;
      return (o) => (o[field] === undefined) !== negate;
    }
    const negate = word('not') ? (pos++, true) : false;
    if (word('like') || word('ilike')) {
      const flags = take().text.toLowerCase() === 'ilike' ? 'i' : '';
      const v = value();
      const re = likeToRegExp(String(v), flags);
      return (o) => re.test(String(o[field] ?? '')) !== negate;
    }
    if (word('in')) {
      pos++;
      if (take().text !== '(') throw badSearch('expected (');
      const values: Array<string | number> = [value()];
      while (peek()?.kind === 'comma') {
        pos++;
        values.push(value());
      }
      if (take().text !== ')') throw badSearch('expected )');
      return (o) => values.some((v) => compare(o[field], v) === 0) !== negate;
    }
    if (negate) throw badSearch('expected like or in after not');
    const op = take();
    if (op.kind !== 'op') throw badSearch(`expected an operator, got ${op.text}`);
    const v = value();
    const tests: Record<string, (c: number) => boolean> = {
      '=': (c) => c === 0,
      '!=': (c) => c !== 0,
      '<>': (c) => c !== 0,
      '<': (c) => c < 0,
      '<=': (c) => c <= 0,
      '>': (c) => c > 0,
      '>=': (c) => c >= 0,
    };
    const test = tests[op.text]!;
    return (o) => o[field] !== undefined && test(compare(o[field], v));
  };

  const factor = (): Predicate => {
    if (word('not')) {
      pos++;
      const inner = factor();
      return (o) => !inner(o);
    }
    if (peek()?.text === '(') {
      pos++;
      const inner = expression();
      if (take().text !== ')') throw badSearch('expected )');
      return inner;
    }
    return comparison();
  };
  const term = (): Predicate => {
    let left = factor();
    while (word('and')) {
      pos++;
      const l = left;
      const r = factor();
      left = (o) => l(o) && r(o);
    }
    return left;
  };
  const expression = (): Predicate => {
    let left = term();
    while (word('or')) {
      pos++;
      const l = left;
      const r = term();
      left = (o) => l(o) || r(o);
    }
    return left;
  };

  const predicate = expression();
  if (pos < tokens.length) throw badSearch(`unexpected ${tokens[pos]!.text}`);
  return predicate;
}

/** `col [asc|desc],…` → a comparator; an unknown column is a 400. */
export function parseOrderBy(text: string, columns: Set<string>): (a: ApiObject, b: ApiObject) => number {
  const keys = text
    .split(',')
    .map((part) => part.trim().split(/\s+/))
    .filter((parts) => parts[0] !== '')
    .map(([col = '', dir = 'asc', ...rest]) => {
      const direction = dir.toLowerCase();
      if (!columns.has(col) || rest.length > 0 || (direction !== 'asc' && direction !== 'desc'))
        throw ApiSimError.of('validation', `invalid orderBy: ${text}`);
      return { col, sign: direction === 'desc' ? -1 : 1 };
    });
  return (a, b) => {
    for (const { col, sign } of keys) {
      const av = a[col];
      const bv = b[col];
      if (av === bv) continue;
      if (av === undefined) return -sign;
      if (bv === undefined) return sign;
      const c =
        typeof av === 'number' && typeof bv === 'number' ? av - bv : String(av).localeCompare(String(bv));
      if (c !== 0) return c * sign;
    }
    return 0;
  };
}
