// A standalone SVG: the (padded) input with one element's term cells highlighted, beside heat maps
// of dw and dx.
import type { Tensor } from '../tensor/tensor.js';
import type { Explanation } from './types.js';
import { findElement, num, type ElementRef } from './render_text.js';
import { locate, planesOf, sameIndex, type Plane } from './planes.js';

const CELL = 34;
const GAP = 18;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Blue (negative) – white – red (positive), scaled by the largest magnitude. */
function heat(v: number, maxAbs: number): string {
  const t = maxAbs === 0 ? 0 : Math.max(-1, Math.min(1, v / maxAbs));
  const mix = (a: number): number => Math.round(255 - (255 - a) * Math.abs(t));
  return t >= 0 ? `rgb(255,${mix(80)},${mix(80)})` : `rgb(${mix(60)},${mix(110)},255)`;
}

interface Block {
  width: number;
  height: number;
  body: string[];
}

/** Width of a monospace character at font size 10 (and 14 for titles), with a margin. */
const CHAR10 = 6.4;
const CHAR14 = 8.9;

function planeBlock(
  t: Tensor,
  plane: Plane,
  label: string,
  fill: (offset: number, row: number, col: number) => string,
  text: (v: number) => string,
): Block {
  const body: string[] = [`<text x="0" y="12" font-size="12" font-weight="bold">${esc(label)}</text>`];
  const texts = plane.offsets.map((o) => text(t.data[o]));
  const cell = Math.max(CELL, Math.ceil(Math.max(...texts.map((s) => s.length)) * CHAR10 + 8));
  for (let r = 0; r < plane.rows; r++) {
    for (let c = 0; c < plane.cols; c++) {
      const k = r * plane.cols + c;
      const x = c * cell;
      const y = 18 + r * CELL;
      body.push(
        `<rect x="${x}" y="${y}" width="${cell - 2}" height="${CELL - 2}" rx="3" fill="${fill(plane.offsets[k], r, c)}" stroke="#888" stroke-width="0.5"/>`,
      );
      body.push(`<text x="${x + (cell - 2) / 2}" y="${y + CELL / 2 + 2}" font-size="10" text-anchor="middle">${esc(texts[k])}</text>`);
    }
  }
  return { width: Math.max(plane.cols * cell, label.length * 7.5), height: 18 + plane.rows * CELL, body };
}

function row(blocks: Block[], title: string): Block {
  const body: string[] = [`<text x="0" y="14" font-size="14" font-weight="bold">${esc(title)}</text>`];
  let x = 0;
  let height = 0;
  for (const b of blocks) {
    body.push(`<g transform="translate(${x},22)">${b.body.join('')}</g>`);
    x += b.width + GAP;
    height = Math.max(height, b.height);
  }
  return { width: Math.max(x, title.length * CHAR14), height: height + 26, body };
}

/** The picture for one element (the first weight when none is given). */
export function renderSvg(e: Explanation, element: ElementRef | null = null): string {
  const ref = element ?? { kind: 'w' as const, index: e.w.shape.map(() => 0) };
  const el = findElement(e, ref);
  const spatial = e.config.dims;
  const source = e.xPadded;
  // Cells to highlight in the (padded) input: the cells this element's terms read.
  const marked: number[][] = [];
  for (const t of el.terms as { padded?: number[] | null; input?: number[] | null }[]) {
    const at = e.config.transposed ? (ref.kind === 'x' ? el.index : t.input) : ref.kind === 'b' ? null : t.padded;
    if (at !== null && at !== undefined && !marked.some((m) => sameIndex(m, at))) marked.push(at);
  }
  const isMarked = (plane: Plane, r: number, c: number): boolean =>
    marked.some((m) => {
      const at = locate(source.shape, spatial, m);
      return sameIndex(at.lead, plane.lead) && at.row === r && at.col === c;
    });
  const isPadding = (plane: Plane, r: number, c: number): boolean => {
    if (e.config.transposed) return false;
    const sp = spatial === 1 ? [c] : spatial === 2 ? [r, c] : [plane.lead[2], r, c];
    return sp.some((p, d) => p < e.config.paddingLo[d] || p >= e.config.paddingLo[d] + e.config.inputSize[d]);
  };
  // Only the planes of the batch and channel the element's terms read (all planes for a bias).
  const focus = marked.length > 0 ? marked[0].slice(0, 2) : null;
  const inputBlocks = planesOf(source, spatial)
    .filter((p) => focus === null || (p.lead[0] === focus[0] && p.lead[1] === focus[1]))
    .map((p) =>
      planeBlock(
        source,
        p,
        `x̃[${p.lead.join(', ')}]`,
        (_o, r, c) => (isMarked(p, r, c) ? '#ffb300' : isPadding(p, r, c) ? '#e6e6e6' : '#ffffff'),
        num,
      ),
    );
  /** Heat maps of a gradient, with the explained element's cell highlighted when it belongs to it. */
  const heatBlocks = (t: Tensor, name: string, highlight: boolean): Block[] => {
    let maxAbs = 0;
    for (const v of t.data) maxAbs = Math.max(maxAbs, Math.abs(v));
    const at = locate(t.shape, spatial, el.index);
    return planesOf(t, spatial).map((p) =>
      planeBlock(
        t,
        p,
        `${name}[${p.lead.join(', ')}]`,
        (o, r, c) => (highlight && sameIndex(at.lead, p.lead) && at.row === r && at.col === c ? '#ffb300' : heat(t.data[o], maxAbs)),
        (v) => String(Number(v.toPrecision(3))),
      ),
    );
  };
  const dwBlocks = heatBlocks(e.dw, 'dw', ref.kind === 'w');
  const dxBlocks = heatBlocks(e.dx, 'dx', ref.kind === 'x');
  const label = `${ref.kind === 'w' ? 'dw' : ref.kind === 'b' ? 'db' : 'dx'}[${el.index.join(', ')}] = Σ of ${el.terms.length} terms = ${num(el.value)} (autograd ${num(el.autograd)})`;
  const rows = [
    row(inputBlocks, `${e.config.transposed ? 'Input' : 'Padded input'}: highlighted, the cells the terms of ${label.split(' =')[0]} read`),
    row(dwBlocks, 'dw (weight gradient)'),
    row(dxBlocks, 'dx (input gradient)'),
  ];
  const width = Math.max(...rows.map((r) => r.width), label.length * (CHAR14 + 0.6)) + 2 * GAP;
  let y = 40;
  const parts: string[] = [];
  for (const r of rows) {
    parts.push(`<g transform="translate(${GAP},${y})">${r.body.join('')}</g>`);
    y += r.height + GAP;
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${y}" viewBox="0 0 ${Math.ceil(width)} ${y}" font-family="monospace">\n` +
    `<rect width="100%" height="100%" fill="#fafafa"/>\n` +
    `<text x="${GAP}" y="24" font-size="15" font-weight="bold">${esc(label)}</text>\n` +
    parts.join('\n') +
    '\n</svg>\n'
  );
}
