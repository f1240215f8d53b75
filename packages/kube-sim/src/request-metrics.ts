/** Counts API requests by verb and resource, so tests and benchmarks can assert API cost. */
export class RequestCounter {
  private readonly counts = new Map<string, number>();

  record(verb: string, resource: string): void {
    const key = `${verb} ${resource}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Requests matching the filter; `resource` is the plural, optionally with `/subresource`. */
  count(filter: { verb?: string; resource?: string } = {}): number {
    let total = 0;
    for (const [key, n] of this.counts) {
      const [verb, resource] = key.split(' ') as [string, string];
      if (filter.verb && filter.verb !== verb) continue;
      if (filter.resource && filter.resource !== resource && filter.resource !== resource.split('/')[0])
        continue;
      total += n;
    }
    return total;
  }

  /** All counters as `{"<verb> <resource>": n}`. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  reset(): void {
    this.counts.clear();
  }
}
