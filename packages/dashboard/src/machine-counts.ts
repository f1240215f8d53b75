import { PHASES, SESSION_TRANSITIONS } from '@ambient-operator/machines';
import type { SessionListing } from './session-cache.js';
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
  failedUrls: { url: string; error: string }[];
}

/**
 * Sums `ambient_session_phase_transitions_total` by (from_phase, to_phase) over every namespace and every
 * worker's /metrics. A URL that fails is reported and left out.
 */
export async function scrapeTransitionMetrics(
  urls: readonly string[],
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 2000,
): Promise<ScrapeResult> {
  const counts = emptyTransitionCounts();
  const failedUrls: { url: string; error: string }[] = [];
  await Promise.all(
    urls.map(async (url) => {
      try {
        const res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = await res.text();
        for (const sample of parsePrometheusSamples(body, TRANSITIONS_METRIC)) {
          const from = sample.labels['from_phase'];
          const to = sample.labels['to_phase'];
          if (!from || !to || !Number.isFinite(sample.value)) continue;
          addTransition(counts, from, to, sample.value);
        }
      } catch (err) {
        failedUrls.push({ url, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  return { transitions: [...counts.values()], failedUrls };
}
