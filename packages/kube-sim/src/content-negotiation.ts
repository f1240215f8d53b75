import { notAcceptable } from './errors.js';
import type { IncludeObject } from './tables.js';

/** How a GET/LIST/WATCH response represents objects, from the Accept header. */
export type Representation =
  { kind: 'object' } | { kind: 'metadata' } | { kind: 'table'; includeObject: IncludeObject };

const OBJECT: Representation = { kind: 'object' };
/** Media types kube-sim answers in (JSON; YAML clients read JSON too). */
const PRODUCIBLE = ['application/json', 'application/*', '*/*', 'application/yaml'];

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => {
      const [type = '', ...rest] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
      }
      return { type: type.toLowerCase(), params };
    })
    .filter((m) => m.type);
}

/**
 * Picks the first representation the client accepts that kube-sim can produce: JSON objects, Tables
 * (`as=Table;g=meta.k8s.io;v=v1`) or PartialObjectMetadata(List). Protobuf and the aggregated
 * discovery types are never produced; a client offering only those gets 406.
 */
export function negotiateRepresentation(
  accept: string | undefined,
  includeObjectParam: string | undefined,
): Representation {
  if (!accept) return OBJECT;
  // Without parameters no range asks for a Table or metadata: the first producible type decides (clients'
  // usual `application/json`), without parsing the header into ranges.
  if (!accept.includes(';')) {
    for (const part of accept.split(',')) if (PRODUCIBLE.includes(part.trim().toLowerCase())) return OBJECT;
  }
  for (const range of parseAccept(accept)) {
    if (!PRODUCIBLE.includes(range.type)) continue;
    const as = range.params.as;
    if (!as) return OBJECT;
    if (range.params.g !== 'meta.k8s.io') continue;
    if (as === 'Table' && (range.params.v === 'v1' || range.params.v === 'v1beta1')) {
      const include =
        includeObjectParam === 'None' || includeObjectParam === 'Object' ? includeObjectParam : 'Metadata';
      return { kind: 'table', includeObject: include };
    }
    if (
      (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') &&
      (range.params.v === 'v1' || range.params.v === 'v1beta1')
    ) {
      return { kind: 'metadata' };
    }
  }
  throw notAcceptable(`only the following media types are accepted: application/json, application/yaml`);
}
