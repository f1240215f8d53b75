// The only state the watcher keeps: the names of known sessions per namespace, and the namespaces that need a
// ProjectSettings key. No objects are kept, so memory stays at a few dozen bytes per session.

export class KeyIndex {
  private sessions = new Map<string, Set<string>>();
  /** Lists in progress, by scope: a namespace, or `*` for a cluster-wide list. */
  private readonly snapshots = new Map<string, Map<string, Set<string>>>();
  private readonly projectNamespaces = new Map<string, Set<'ProjectSettings' | 'Namespace'>>();
  /** Keys of known UserDeployments (`ud:<ns>/<name>`), for resyncs. */
  private userDeployments = new Set<string>();

  addSession(namespace: string, name: string): void {
    add(this.sessions, namespace, name);
  }

  removeSession(namespace: string, name: string): void {
    const names = this.sessions.get(namespace);
    names?.delete(name);
    if (names?.size === 0) this.sessions.delete(namespace);
  }

  /** Starts collecting a complete list of `scope` (a namespace, or `*` for all) until {@link endSnapshot}. */
  beginSnapshot(scope: string): void {
    this.snapshots.set(scope, new Map());
  }

  addToSnapshot(scope: string, namespace: string, name: string): void {
    const snapshot = this.snapshots.get(scope);
    if (snapshot) add(snapshot, namespace, name);
  }

  /** Swaps in the collected list; returns the keys that vanished without a DELETED event (missed while away). */
  endSnapshot(scope: string): string[] {
    const next = this.snapshots.get(scope) ?? new Map<string, Set<string>>();
    this.snapshots.delete(scope);
    const vanished: string[] = [];
    for (const [ns, names] of this.sessions) {
      if (scope !== '*' && ns !== scope) continue;
      for (const name of names) if (!next.get(ns)?.has(name)) vanished.push(`${ns}/${name}`);
    }
    if (scope === '*') this.sessions = next;
    else if (next.has(scope)) this.sessions.set(scope, next.get(scope)!);
    else this.sessions.delete(scope);
    return vanished;
  }

  sessionKeysIn(namespace: string): string[] {
    return [...(this.sessions.get(namespace) ?? [])].map((name) => `${namespace}/${name}`);
  }

  *sessionKeys(): Iterable<string> {
    for (const [ns, names] of this.sessions) for (const name of names) yield `${ns}/${name}`;
  }

  sessionCount(): number {
    let n = 0;
    for (const names of this.sessions.values()) n += names.size;
    return n;
  }

  /** A namespace has a ProjectSettings object or is a managed namespace (`source` tells which watch saw it). */
  setProjectNamespace(namespace: string, source: 'ProjectSettings' | 'Namespace', present: boolean): void {
    const sources = this.projectNamespaces.get(namespace) ?? new Set();
    if (present) sources.add(source);
    else sources.delete(source);
    if (sources.size === 0) this.projectNamespaces.delete(namespace);
    else this.projectNamespaces.set(namespace, sources);
  }

  /** Drops every namespace seen only through `source` (before a relist of that source refills it). */
  clearProjectNamespaces(source: 'ProjectSettings' | 'Namespace'): void {
    for (const ns of [...this.projectNamespaces.keys()]) this.setProjectNamespace(ns, source, false);
  }

  projectNamespaceNames(): string[] {
    return [...this.projectNamespaces.keys()];
  }

  setUserDeployment(key: string, present: boolean): void {
    if (present) this.userDeployments.add(key);
    else this.userDeployments.delete(key);
  }

  /** Forgets the UserDeployments of a scope (`*` = all) before a relist of it refills them. */
  clearUserDeployments(scope: string): void {
    if (scope === '*') this.userDeployments = new Set();
    else
      for (const key of this.userDeployments)
        if (key.startsWith(`ud:${scope}/`)) this.userDeployments.delete(key);
  }

  userDeploymentKeysIn(namespace: string): string[] {
    return [...this.userDeployments].filter((key) => key.startsWith(`ud:${namespace}/`));
  }

  userDeploymentKeys(): Iterable<string> {
    return this.userDeployments;
  }
}

function add(map: Map<string, Set<string>>, namespace: string, name: string): void {
  const names = map.get(namespace);
  if (names) names.add(name);
  else map.set(namespace, new Set([name]));
}
