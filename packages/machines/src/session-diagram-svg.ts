import type { MachineEdge } from './session.graph.js';
import { edgeLabel, sessionMachineEdges } from './session.graph.js';
import { isSessionPhase, isTerminalPhase, PHASES } from './session-status.js';

/** What a diagram shows: the phases (the first on top), the edges, which phases are terminal. */
export interface DiagramModel {
  phases: readonly string[];
  edges: MachineEdge[];
  isTerminal: (phase: string) => boolean;
  /** Tooltip of the initial pseudo-state. */
  startTitle: string;
}

type Phase = string;

/**
 * A self-contained SVG of the machine, laid out deterministically here (no Graphviz, no browser):
 * phases on a circle, ordered to minimise crossing arcs, each phase change a numbered arc, and a
 * legend naming the guards of each number. Same machine → byte-identical file.
 */

const CENTER_X = 330;
const CENTER_Y = 350;
const RADIUS = 245;
const NODE_WIDTH = 112;
const NODE_HEIGHT = 34;
const LEGEND_X = 690;
const BADGE_RADIUS = 9;

interface Point {
  x: number;
  y: number;
}

function fmt(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Layout = Map<Phase, Point>;

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * The circular order with the fewest crossing arcs, then the shortest arcs; the first phase stays
 * on top and ties keep lifecycle order, so the result is deterministic.
 */
function circleOrder(model: DiagramModel, pairs: [Phase, Phase][]): Phase[] {
  const [first = '', ...rest] = model.phases;
  let best: { order: Phase[]; cost: number } | undefined;
  for (const tail of permutations(rest)) {
    const order = [first, ...tail];
    const position = new Map(order.map((p, i) => [p, i]));
    const chords = pairs.map(([a, b]) => {
      const i = position.get(a) ?? 0;
      const j = position.get(b) ?? 0;
      return [Math.min(i, j), Math.max(i, j)] as const;
    });
    let crossings = 0;
    for (let m = 0; m < chords.length; m++) {
      for (let n = m + 1; n < chords.length; n++) {
        const [a, b] = chords[m] ?? [0, 0];
        const [c, d] = chords[n] ?? [0, 0];
        if ((a < c && c < b && b < d) || (c < a && a < d && d < b)) crossings++;
      }
    }
    const span = chords.reduce((sum, [i, j]) => sum + Math.min(j - i, order.length - (j - i)), 0);
    const cost = crossings * 1000 + span;
    if (best === undefined || cost < best.cost) best = { order, cost };
  }
  return best?.order ?? [...model.phases];
}

function circleLayout(model: DiagramModel, groups: EdgeGroup[]): Layout {
  const pairs = groups.flatMap((g): [Phase, Phase][] => (g.source === 'New' ? [] : [[g.source, g.target]]));
  const order = circleOrder(model, pairs);
  return new Map(
    order.map((phase, i) => {
      const angle = -Math.PI / 2 + (i * 2 * Math.PI) / order.length;
      return [phase, { x: CENTER_X + RADIUS * Math.cos(angle), y: CENTER_Y + RADIUS * Math.sin(angle) }];
    }),
  );
}

function at(layout: Layout, phase: Phase): Point {
  const point = layout.get(phase);
  if (point === undefined) throw new Error(`no position for ${phase}`);
  return point;
}

/** Where the ray from a node's centre towards `toward` leaves the ellipse around its box. */
function boundaryPoint(center: Point, toward: Point): Point {
  const dx = toward.x - center.x;
  const dy = toward.y - center.y;
  const rx = NODE_WIDTH / 2 + 6;
  const ry = NODE_HEIGHT / 2 + 6;
  const t = 1 / Math.sqrt((dx / rx) ** 2 + (dy / ry) ** 2);
  return { x: center.x + dx * t, y: center.y + dy * t };
}

interface EdgeGroup {
  number: number;
  source: string;
  target: Phase;
  labels: string[];
}

function groupEdges(edges: MachineEdge[]): EdgeGroup[] {
  const groups: EdgeGroup[] = [];
  for (const edge of edges) {
    if (edge.source === edge.target || edge.target === 'New') continue;
    const target = edge.target;
    let group = groups.find((g) => g.source === edge.source && g.target === target);
    if (group === undefined) {
      group = { number: groups.length + 1, source: edge.source, target, labels: [] };
      groups.push(group);
    }
    const label = edgeLabel(edge);
    if (!group.labels.includes(label)) group.labels.push(label);
  }
  return groups;
}

/** The initial pseudo-state sits outside the circle, above the first phase. */
function startPoint(model: DiagramModel, layout: Layout): Point {
  const first = at(layout, model.phases[0] ?? '');
  return { x: first.x, y: first.y - 70 };
}

function bezierPoint(start: Point, control: Point, end: Point, t: number): Point {
  const u = 1 - t;
  return {
    x: u * u * start.x + 2 * u * t * control.x + t * t * end.x,
    y: u * u * start.y + 2 * u * t * control.y + t * t * end.y,
  };
}

/** Badges go at the middle of their arc, or slide along it until they clear earlier badges and the phases. */
function placeBadge(start: Point, control: Point, end: Point, taken: Point[], layout: Layout): Point {
  const clear = (p: Point) =>
    taken.every((q) => Math.hypot(p.x - q.x, p.y - q.y) > 2 * BADGE_RADIUS + 3) &&
    [...layout.values()].every(
      (c) =>
        Math.abs(p.x - c.x) > NODE_WIDTH / 2 + BADGE_RADIUS ||
        Math.abs(p.y - c.y) > NODE_HEIGHT / 2 + BADGE_RADIUS,
    );
  for (const t of [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74]) {
    const p = bezierPoint(start, control, end, t);
    if (clear(p)) return p;
  }
  return bezierPoint(start, control, end, 0.5);
}

function edgeSvg(model: DiagramModel, group: EdgeGroup, layout: Layout, badges: Point[]): string[] {
  const from = group.source === 'New' ? startPoint(model, layout) : at(layout, group.source);
  const to = at(layout, group.target);
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy);
  // Bend every arc to its right: the two directions between a pair of phases never overlap.
  const bend = group.source === 'New' ? 0 : 0.14 * length;
  const control = {
    x: (from.x + to.x) / 2 - (dy / length) * bend,
    y: (from.y + to.y) / 2 + (dx / length) * bend,
  };
  const start = group.source === 'New' ? { x: from.x, y: from.y + 5 } : boundaryPoint(from, control);
  const end = boundaryPoint(to, control);
  const badge = placeBadge(start, control, end, badges, layout);
  badges.push(badge);
  const title = `${group.source === 'New' ? 'None' : group.source} → ${group.target}: ${group.labels.join(', ')}`;
  return [
    `  <g class="edge"><title>${escapeXml(title)}</title>`,
    `    <path d="M${fmt(start.x)},${fmt(start.y)} Q${fmt(control.x)},${fmt(control.y)} ${fmt(end.x)},${fmt(end.y)}" fill="none" stroke="#4a5568" stroke-width="1.4" marker-end="url(#arrow)"/>`,
    `    <circle cx="${fmt(badge.x)}" cy="${fmt(badge.y)}" r="${BADGE_RADIUS}" fill="#ffffff" stroke="#2b6cb0"/>`,
    `    <text x="${fmt(badge.x)}" y="${fmt(badge.y + 3.5)}" text-anchor="middle" font-size="10" fill="#2b6cb0">${group.number}</text>`,
    '  </g>',
  ];
}

function nodeSvg(model: DiagramModel, phase: Phase, layout: Layout): string[] {
  const c = at(layout, phase);
  const x = c.x - NODE_WIDTH / 2;
  const y = c.y - NODE_HEIGHT / 2;
  const terminal = model.isTerminal(phase);
  const lines = [
    `  <g class="phase"><title>${phase}${terminal ? ' (terminal)' : ''}</title>`,
    `    <rect x="${fmt(x)}" y="${fmt(y)}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="17" fill="${terminal ? '#edf2f7' : '#ffffff'}" stroke="#1a202c" stroke-width="1.5"/>`,
  ];
  if (terminal) {
    lines.push(
      `    <rect x="${fmt(x + 3)}" y="${fmt(y + 3)}" width="${NODE_WIDTH - 6}" height="${NODE_HEIGHT - 6}" rx="14" fill="none" stroke="#1a202c" stroke-width="0.8"/>`,
    );
  }
  lines.push(
    `    <text x="${fmt(c.x)}" y="${fmt(c.y + 4.5)}" text-anchor="middle" font-size="13" font-weight="600" fill="#1a202c">${phase}</text>`,
    '  </g>',
  );
  return lines;
}

function legendSvg(model: DiagramModel, groups: EdgeGroup[]): { lines: string[]; height: number } {
  const edges = model.edges;
  const lines: string[] = [];
  let y = 40;
  const text = (x: number, content: string, extra = ' fill="#1a202c"') =>
    lines.push(`  <text x="${fmt(x)}" y="${fmt(y)}" font-size="12"${extra}>${escapeXml(content)}</text>`);
  text(
    LEGEND_X,
    'Phase changes (first matching guard wins, in this order per phase)',
    ' font-weight="600" fill="#1a202c"',
  );
  y += 22;
  for (const group of groups) {
    text(LEGEND_X, `${group.number}.`, ' fill="#2b6cb0"');
    text(
      LEGEND_X + 26,
      `${group.source === 'New' ? 'None' : group.source} → ${group.target}`,
      ' font-weight="600" fill="#1a202c"',
    );
    text(LEGEND_X + 190, group.labels.join(', '));
    y += 18;
  }
  y += 14;
  text(LEGEND_X, 'Stays in the phase while', ' font-weight="600" fill="#1a202c"');
  y += 22;
  for (const phase of model.phases) {
    const stays = edges
      .filter((e) => e.source === phase && e.target === phase && e.guard !== undefined)
      .map(edgeLabel);
    if (stays.length === 0) continue;
    text(LEGEND_X + 26, phase, ' font-weight="600" fill="#1a202c"');
    text(LEGEND_X + 190, stays.join(', '));
    y += 18;
  }
  return { lines, height: y };
}

/** Renders the session machine as an SVG document. */
export function toSvg(): string {
  return renderSvg({
    phases: PHASES,
    edges: sessionMachineEdges(),
    isTerminal: (phase) => isSessionPhase(phase) && isTerminalPhase(phase),
    startTitle: 'new session (no phase)',
  });
}

/** Renders a phase model as an SVG document. */
export function renderSvg(model: DiagramModel): string {
  const groups = groupEdges(model.edges);
  const legend = legendSvg(model, groups);
  const layout = circleLayout(model, groups);
  const width = LEGEND_X + 620;
  const height = Math.max(CENTER_Y + RADIUS + 60, legend.height + 20);
  const start = startPoint(model, layout);
  const badges: Point[] = [];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${fmt(height)}" viewBox="0 0 ${width} ${fmt(height)}" font-family="Helvetica, Arial, sans-serif">`,
    '  <!-- Generated from packages/machines (pnpm machines:diagram). Do not edit. -->',
    '  <defs>',
    '    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">',
    '      <path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/>',
    '    </marker>',
    '  </defs>',
    `  <rect width="${width}" height="${fmt(height)}" fill="#ffffff"/>`,
    `  <circle cx="${fmt(start.x)}" cy="${fmt(start.y)}" r="6" fill="#1a202c"><title>${escapeXml(model.startTitle)}</title></circle>`,
    ...groups.flatMap((group) => edgeSvg(model, group, layout, badges)),
    ...model.phases.flatMap((phase) => nodeSvg(model, phase, layout)),
    ...legend.lines,
    '</svg>',
    '',
  ].join('\n');
}
