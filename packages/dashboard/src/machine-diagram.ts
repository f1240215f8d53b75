import { toSvg } from '@ambient-operator/machines';
import { NO_PHASE_LABEL, type MachineCounts } from './machine-counts.js';

/**
 * The machine's own SVG (machines' toSvg(), self-contained, no network) with live-count placeholders laid over
 * it: a pill at each phase's corner and a "×n" beside each transition's number badge. The placeholders carry
 * `data-phase` / `data-from`+`data-to` so the page script can update them in place. Positions are read from the
 * SVG's phase boxes and badges; if the drawing's format ever changes, the page still has the counts tables.
 */
export interface MachineDiagram {
  svg: string;
  /** Phases that got a count placeholder. */
  phaseSlots: string[];
  /** `from->to` pairs that got a count placeholder. */
  transitionSlots: string[];
}

const PHASE_BOX =
  /<g class="phase"><title>([A-Za-z]+)[^<]*<\/title>\s*<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"/g;
const EDGE_BADGE =
  /<g class="edge"><title>([A-Za-z]+) → ([A-Za-z]+):[^<]*<\/title>[\s\S]*?<circle cx="([\d.]+)" cy="([\d.]+)"/g;

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

let machineSvg: string | undefined;

/** The diagram with `counts` filled in (zeros without); the page script keeps it current afterwards. */
export function buildMachineDiagram(counts?: MachineCounts): MachineDiagram {
  // The machine's definition is fixed for the process's life, and so is its drawing.
  machineSvg ??= toSvg();
  const source = machineSvg;
  const transitionCount = (from: string, to: string) =>
    counts?.transitions.find((t) => t.from === from && t.to === to)?.count ?? 0;
  const overlay: string[] = ['  <g class="live-counts">'];
  const phaseSlots: string[] = [];
  const transitionSlots: string[] = [];
  for (const m of source.matchAll(PHASE_BOX)) {
    const [, phase = '', x = '0', y = '0', width = '0'] = m;
    const cx = Number(x) + Number(width) - 6;
    const cy = Number(y) - 4;
    phaseSlots.push(phase);
    overlay.push(
      `    <rect x="${fmt(cx - 16)}" y="${fmt(cy - 10)}" width="32" height="20" rx="10" fill="#2c5282"/>`,
      `    <text class="live-count" data-phase="${phase}" x="${fmt(cx)}" y="${fmt(cy + 4.5)}" text-anchor="middle" font-size="12" font-weight="700" fill="#ffffff">${counts?.phases[phase] ?? 0}</text>`,
    );
  }
  for (const m of source.matchAll(EDGE_BADGE)) {
    const [, svgFrom = '', to = '', cx = '0', cy = '0'] = m;
    const from = svgFrom === 'None' ? NO_PHASE_LABEL : svgFrom;
    transitionSlots.push(`${from}->${to}`);
    overlay.push(
      `    <text class="live-count${transitionCount(from, to) === 0 ? ' zero' : ''}" data-from="${from}" data-to="${to}" data-prefix="×" x="${fmt(Number(cx) + 11)}" y="${fmt(Number(cy) + 4)}" font-size="11" font-weight="700" fill="#9c4221" stroke="#ffffff" stroke-width="3" paint-order="stroke">×${transitionCount(from, to)}</text>`,
    );
  }
  overlay.push('  </g>');
  const svg = source
    .replace('<svg ', '<svg class="machine" role="img" aria-label="Session phase model with live counts" ')
    .replace(/<\/svg>\s*$/, `${overlay.join('\n')}\n</svg>\n`);
  return { svg, phaseSlots, transitionSlots };
}
