/** A parsed resource URL: `/apis/<g>/<v>[/watch][/namespaces/<ns>]/<plural>[/<name>[/<sub>]]`. */
export interface ResourcePath {
  group: string;
  version: string;
  plural: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** The legacy `/watch/` path prefix was used. */
  watchPath: boolean;
}

/** Parses a resource path; undefined for discovery and unknown paths. */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const parts = pathname
    .split('/')
    .filter(Boolean)
    .map((part) => (part.includes('%') ? decodeURIComponent(part) : part));
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    rest = parts.slice(2);
  } else {
    return undefined;
  }
  const version = rest[0]!;
  let segments = rest.slice(1);
  let watchPath = false;
  if (segments[0] === 'watch') {
    watchPath = true;
    segments = segments.slice(1);
  }
  let namespace: string | undefined;
  if (
    segments[0] === 'namespaces' &&
    segments.length >= 3 &&
    !(segments.length === 3 && ['status', 'finalize'].includes(segments[2]!))
  ) {
    namespace = segments[1];
    segments = segments.slice(2);
  }
  const [plural, name, subresource, ...extra] = segments;
  if (!plural || extra.length) return undefined;
  return { group, version, plural, namespace, name, subresource, watchPath };
}
