import { PHASES, SESSION_TRANSITIONS } from '@ambient-operator/machines';
import type { SessionListing } from './session-cache.js';
import type { MetricsScrape } from './metrics-scraper.js';
import { parsePrometheusSamples } from './prometheus-text.js';

/** `from` of a session's first transition (it had no phase), as metrics label it. */
export const NO_PHASE_LABEL = 'None';
export const TRANSITIONS_METRIC = 'ambient_session_phase_transitions_total';

export interface TransitionCount {
  from: string;
  to: string;
  count: number;
  /** False for a pair seen in the data that the machine cannot produce (e.g. written by another operator). */
  inModel: boolean;
}

/** Where the transition counts come from. */
export type TransitionSource =
  | { kind: 'phaseHistory'; note: string }
  | { kind: 'metrics'; note: string; urls: string[]; failedUrls: { url: string; error: string }[] };

export interface MachineCounts {
  /** Epoch milliseconds of the session LIST behind the phase counts. */
  sessionsFetchedAt: number;
  totalSessions: number;
  /** Sessions per phase, every phase of the model present (0 when none). */
  phases: Record<string, number>;
  /** Sessions without a phase yet (not reconciled once). */
  noPhase: number;
  /** Sessions whose phase is not one of the model's (left out of `phases`). */
  otherPhases: Record<string, number>;
  transitions: TransitionCount[];
  transitionSource: TransitionSource;
  /** Set when the session listing is stale (the last LIST failed). */
  error: string | undefined;
}

const pairKey = (from: string, to: string) => `${from}->${to}`;

function emptyTransitionCounts(): Map<string, TransitionCount> {
  return new Map(
    SESSION_TRANSITIONS.map((t) => [
      pairKey(t.from, t.to),
      { from: t.from, to: t.to, count: 0, inModel: true },
    ]),
  );
}

function addTransition(counts: Map<string, TransitionCount>, from: string, to: string, n: number): void {
  const key = pairKey(from, to);
  const entry = counts.get(key);
  if (entry) entry.count += n;
  else counts.set(key, { from, to, count: n, inModel: false });
}

/** Phase counts of a listing. */
export function countPhases(
  listing: SessionListing,
): Pick<MachineCounts, 'phases' | 'noPhase' | 'otherPhases'> {
  const phases: Record<string, number> = Object.fromEntries(PHASES.map((p) => [p, 0]));
  const otherPhases: Record<string, number> = {};
  let noPhase = 0;
  for (const s of listing.sessions) {
    if (s.phase === undefined) noPhase++;
    else if (s.phase in phases) phases[s.phase] = (phases[s.phase] ?? 0) + 1;
    else otherPhases[s.phase] = (otherPhases[s.phase] ?? 0) + 1;
  }
  return { phases, noPhase, otherPhases };
}

/** Transition counts summed over the sessions' `status.phaseHistory` (each bounded to its newest 20 entries). */
export function countHistoryTransitions(listing: SessionListing): TransitionCount[] {
  const counts = emptyTransitionCounts();
  for (const s of listing.sessions) {
    for (const entry of s.phaseHistory) addTransition(counts, entry.from || NO_PHASE_LABEL, entry.to, 1);
  }
  return [...counts.values()];
}

export interface ScrapeResult {
  transitions: TransitionCount[];
  /** URLs that answered with the transitions metric (workers; watchers do not count transitions). */
  countingUrls: string[];
  failedUrls: { url: string; error: string }[];
}

/**
 * Sums `ambient_session_phase_transitions_total` by (from_phase, to_phase) over every namespace and every
 * process that answered the scrape (processes without the metric, such as watchers, add nothing).
 */
export function transitionsOfScrape(scrape: MetricsScrape): ScrapeResult {
  const counts = emptyTransitionCounts();
  const countingUrls: string[] = [];
  for (const { url, body } of scrape.bodies) {
    const samples = parsePrometheusSamples(body, TRANSITIONS_METRIC);
    // A worker that has counted nothing yet still declares the metric.
    if (samples.length > 0 || body.includes(`# TYPE ${TRANSITIONS_METRIC} `)) countingUrls.push(url);
    for (const sample of samples) {
      const from = sample.labels['from_phase'];
      const to = sample.labels['to_phase'];
      if (!from || !to || !Number.isFinite(sample.value)) continue;
      addTransition(counts, from, to, sample.value);
    }
  }
  return { transitions: [...counts.values()], countingUrls, failedUrls: scrape.failedUrls };
}
