// One scrape of the operator processes' /metrics serves every view that reads them (/machine's transition
// counts, /api-source's stream state) and every viewer for `ttlMs`: the processes are asked once per period.

export interface MetricsScrape {
  /** Epoch milliseconds of the scrape. */
  at: number;
  /** The text of every URL that answered. */
  bodies: { url: string; body: string }[];
  /** URLs that did not answer, with why; left out of `bodies`. */
  failedUrls: { url: string; error: string }[];
}

export interface MetricsScraper {
  readonly urls: readonly string[];
  scrape(): Promise<MetricsScrape>;
}

export interface MetricsScraperOptions {
  urls: readonly string[];
  /** How long one scrape answers every caller, in milliseconds. @defaultValue 3000 */
  ttlMs?: number;
  /** Per-URL timeout, in milliseconds. @defaultValue 2000 */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

async function scrapeOnce(
  urls: readonly string[],
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<MetricsScrape> {
  const bodies: MetricsScrape['bodies'] = [];
  const failedUrls: MetricsScrape['failedUrls'] = [];
  await Promise.all(
    urls.map(async (url) => {
      try {
        const res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        bodies.push({ url, body: await res.text() });
      } catch (err) {
        failedUrls.push({ url, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  // In the configured order, whichever answered first.
  const order = (url: string) => urls.indexOf(url);
  bodies.sort((a, b) => order(a.url) - order(b.url));
  failedUrls.sort((a, b) => order(a.url) - order(b.url));
  return { at: Date.now(), bodies, failedUrls };
}

export function createMetricsScraper(options: MetricsScraperOptions): MetricsScraper {
  const ttlMs = options.ttlMs ?? 3000;
  const timeoutMs = options.timeoutMs ?? 2000;
  const fetchImpl = options.fetchImpl ?? fetch;
  let scraped: MetricsScrape | undefined;
  let scraping: Promise<MetricsScrape> | undefined;
  return {
    urls: options.urls,
    scrape() {
      if (scraped && Date.now() - scraped.at < ttlMs) return Promise.resolve(scraped);
      scraping ??= scrapeOnce(options.urls, fetchImpl, timeoutMs)
        .then((result) => (scraped = result))
        .finally(() => {
          scraping = undefined;
        });
      return scraping;
    },
  };
}
