// The explanation as text for people: the padded input with one element's cells marked, the
// products written out, their sum, the normalization, and the check against autograd.
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { Formatter } from '../tensor/format.js';
import { workedElements } from './explain.js';
import type { Explanation, ElementExplanation, WeightTerm, BiasTerm, InputTerm } from './types.js';
import { locate, planesOf, sameIndex } from './planes.js';

/** Which gradient an element belongs to: the weight's ('w'), the bias's ('b') or the input's ('x'). */
export type ElementKind = 'w' | 'b' | 'x';

/** One element of one gradient, e.g. `{ kind: 'w', index: [0, 0, 1, 1] }` for ∂E/∂w[0,0,1,1]. */
export interface ElementRef {
  /** The gradient. */
  kind: ElementKind;
  /** The element's index, one entry per dimension of that gradient. */
  index: number[];
}

/** Options of the text renderers. */
export interface TextOptions {
  /** ANSI colour for the marked cells (else brackets). */
  color?: boolean;
}

const MARK_ON = '\u001b[1;30;43m';
const MARK_OFF = '\u001b[0m';

/** A number as people write it: integers plainly, others to 6 significant digits. */
export function num(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

const idx = (i: readonly number[] | null): string => (i === null ? '—' : `[${i.join(', ')}]`);

/** The tolerance within which the sum of the terms must equal autograd's value. */
export function agreementTolerance(e: Explanation): number {
  return e.config.dtype === 'float64' ? 1e-12 : 1e-5;
}

/** Whether the explained terms of `el` sum to autograd's value (within 1e-5 relative in float32, 1e-12 in float64). */
export function agrees(e: Explanation, el: ElementExplanation<unknown>): boolean {
  return Math.abs(el.value - el.autograd) <= agreementTolerance(e) * Math.max(1, Math.abs(el.autograd));
}

function check(e: Explanation, el: ElementExplanation<unknown>): string {
  return agrees(e, el) ? `✓ autograd ${num(el.autograd)}` : `✗ autograd ${num(el.autograd)} (the terms sum to ${num(el.value)})`;
}

/** Planes wider or taller than this print their first and last EDGE rows and columns only, as PyTorch summarizes. */
const SUMMARIZE_ABOVE = 24;
const EDGE = 3;

/** The rows or columns to print of n: all, or the first and last EDGE with a gap (−1) between. */
function shown(n: number): number[] {
  if (n <= SUMMARIZE_ABOVE) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: EDGE }, (_, i) => i), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
}

/** The (padded) input planes of batch n, channel c, with the given padded cells marked; linear in the cells shown. */
function grid(e: Explanation, n: number, c: number, marked: readonly number[][], options: TextOptions): string {
  const t = e.xPadded;
  const spatial = e.config.dims;
  const key = (lead: readonly number[], row: number, col: number): string => `${lead.join(',')}|${row}|${col}`;
  const hits = new Set<string>();
  for (const m of marked) {
    const at = locate(t.shape, spatial, m);
    hits.add(key(at.lead, at.row, at.col));
  }
  const lines: string[] = [];
  let hidden = 0;
  for (const plane of planesOf(t, spatial, [n, c])) {
    if (spatial === 3) lines.push(`  depth ${plane.lead[2]}:`);
    const rows = shown(plane.rows);
    const cols = shown(plane.cols);
    const values: number[] = [];
    for (const r of rows) for (const col of cols) if (r >= 0 && col >= 0) values.push(t.data[plane.offset(r, col)]);
    const fmt = new Formatter(values);
    for (const r of rows) {
      if (r < 0) {
        lines.push('  ...');
        continue;
      }
      const cells: string[] = [];
      for (const col of cols) {
        if (col < 0) {
          cells.push(' ... ');
          continue;
        }
        const s = fmt.format(t.data[plane.offset(r, col)]);
        const hit = hits.has(key(plane.lead, r, col));
        cells.push(hit ? (options.color ? ` ${MARK_ON}${s}${MARK_OFF} ` : `[${s}]`) : ` ${s} `);
      }
      lines.push(`  ${cells.join('')}`);
    }
    if (rows.length < plane.rows || cols.length < plane.cols) {
      const visible = new Set(
        rows.filter((r) => r >= 0).flatMap((r) => cols.filter((col) => col >= 0).map((col) => key(plane.lead, r, col))),
      );
      for (const h of hits) if (h.startsWith(`${plane.lead.join(',')}|`) && !visible.has(h)) hidden++;
    }
  }
  if (hidden > 0) lines.push(`  (${plane2(hidden)} in the rows and columns not shown)`);
  return lines.join('\n');
}

const plane2 = (n: number): string => `${n} marked cell${n === 1 ? '' : 's'}`;

/** Lines for a long list: all of them up to 2·LIST_EDGE, else the first and last LIST_EDGE and a count between. */
const LIST_EDGE = 20;
function listed<T>(items: readonly T[], line: (item: T) => string): string[] {
  if (items.length <= 2 * LIST_EDGE) return items.map(line);
  return [...items.slice(0, LIST_EDGE).map(line), `  … ${items.length - 2 * LIST_EDGE} more …`, ...items.slice(-LIST_EDGE).map(line)];
}

/**
 * The lines of an element's terms. With a given dy (a real network's) and a long list: the LIST_EDGE
 * largest products by magnitude, then "… and N more terms summing to s"; otherwise as `listed`.
 */
function listedTerms<T>(e: Explanation, items: readonly T[], product: (item: T) => number, line: (item: T) => string): string[] {
  if (e.loss.kind !== 'given' || items.length <= 2 * LIST_EDGE) return listed(items, line);
  const order = items.map((_, i) => i).sort((a, b) => Math.abs(product(items[b])) - Math.abs(product(items[a])) || a - b);
  const rest = order.slice(LIST_EDGE).reduce((sum, i) => sum + product(items[i]), 0);
  return [
    ...order.slice(0, LIST_EDGE).map((i) => line(items[i])),
    `  … and ${items.length - LIST_EDGE} more terms summing to ${num(rest)}`,
  ];
}

/** " (the 20 largest by magnitude)" where listedTerms shows only those. */
const largest = (e: Explanation, n: number): string =>
  e.loss.kind === 'given' && n > 2 * LIST_EDGE ? ` (the ${LIST_EDGE} largest by magnitude)` : '';

/** Terms as a learner writes a sum: `a + b - c` (a negative term after the first is subtracted). */
function terms(values: readonly number[], leading: boolean): string {
  return values.map((v, i) => (i === 0 && leading ? num(v) : v < 0 ? ` - ${num(-v)}` : ` + ${num(v)}`)).join('');
}

/** How many of a long sum's products an equation writes out (the largest by magnitude). */
const SUMMARY_TERMS = 10;

/**
 * Products `a·dy + b·dy …` as given; when there are more than 2·LIST_EDGE, the SUMMARY_TERMS largest by
 * magnitude and then "… and N more terms summing to s" (the JSON and the term list keep every one).
 */
function productsOf(pairs: readonly number[][]): string {
  const write = ([v, dy]: readonly number[]): string => (dy === undefined ? num(v) : `${num(v)}·${num(dy)}`);
  if (pairs.length <= 2 * LIST_EDGE) return pairs.map(write).join(' + ');
  const product = (p: readonly number[]): number => p[0] * (p[1] ?? 1);
  const order = pairs.map((_, i) => i).sort((a, b) => Math.abs(product(pairs[b])) - Math.abs(product(pairs[a])) || a - b);
  const rest = order.slice(SUMMARY_TERMS).reduce((sum, i) => sum + product(pairs[i]), 0);
  return `${order
    .slice(0, SUMMARY_TERMS)
    .map((i) => write(pairs[i]))
    .join(' + ')} + … and ${pairs.length - SUMMARY_TERMS} more terms summing to ${num(rest)}`;
}

/** a + b - c …, or its first and last terms with the count between when it is long. */
function sumOf(values: readonly number[]): string {
  if (values.length <= 2 * LIST_EDGE) return terms(values, true);
  return `${terms(values.slice(0, LIST_EDGE), true)} + … (${values.length - 2 * LIST_EDGE} more) …${terms(values.slice(-LIST_EDGE), false)}`;
}

function explainWeight(e: Explanation, el: ElementExplanation<WeightTerm>, options: TextOptions): string {
  const [o, c, ...kappa] = el.index;
  const out: string[] = [];
  const t = e.config.transposed;
  out.push(
    `dw${idx(el.index)}: the gradient of weight w${idx(el.index)} (${t ? 'input' : 'output'} channel ${o}, channel ${c} of its group, kernel position (${kappa.join(', ')}))`,
  );
  out.push(e.closedForm.weight);
  const first = el.terms[0];
  if (first !== undefined) {
    const n = (t ? first.input : first.padded)![0];
    const ch = (t ? first.input : first.padded)![1];
    const marked = el.terms.filter((k) => (t ? k.input : k.padded)![0] === n).map((k) => (t ? k.input : k.padded)!);
    out.push(
      `\n${t ? 'The input' : 'The padded input x̃'} (batch ${n}, channel ${ch}); ${options.color ? 'highlighted' : '[ ] marks'}: the ${marked.length} cells this weight multiplied` +
        (e.config.batch > 1 ? ` in batch ${n} (each batch has its own)` : '') +
        ':',
    );
    out.push(grid(e, n, ch, marked, options));
  }
  out.push(`\nThe ${el.terms.length} products x̃ · dy, one per ${t ? 'input' : 'output'} position${largest(e, el.terms.length)}:`);
  out.push(
    ...listedTerms(
      e,
      el.terms,
      (k) => k.x * k.dy,
      (k) => {
        const where = t
          ? `x${idx(k.input)} → y${idx(k.output)}`
          : `y${idx(k.output)} ← x̃${idx(k.padded)}${k.input === null ? ' (zero padding)' : k.padded !== null && !sameIndex(k.padded, k.input) ? ` = x${idx(k.input)}` : ''}`;
        return `  ${where}: ${num(k.x)} · ${num(k.dy)}`;
      },
    ),
  );
  out.push(`Sum of the products: ${num(el.value)}`);
  if (e.loss.kind === 'mean' && e.loss.count !== null) {
    out.push(
      `Normalization: the loss is the mean of M = ${e.loss.count} output elements, so dy = 1/${e.loss.count} at every output; ` +
        `dw = ${rightSide(
          e,
          el.terms.filter((k) => k.output !== null).map((k) => [k.x, k.dy]),
          el.value,
        )}`,
    );
  } else if (e.loss.kind === 'sum') {
    out.push(
      `Normalization: none: the loss is the sum, so dy = 1 at every output; dw = ${rightSide(
        e,
        el.terms.filter((k) => k.output !== null).map((k) => [k.x, k.dy]),
        el.value,
      )}`,
    );
  }
  out.push(check(e, el));
  return out.join('\n');
}

function explainBias(e: Explanation, el: ElementExplanation<BiasTerm>): string {
  const out = [`db${idx(el.index)}: the gradient of bias b${idx(el.index)}`, e.closedForm.bias];
  out.push(`\nThe ${el.terms.length} terms dy, one per output position of channel ${el.index[0]}${largest(e, el.terms.length)}:`);
  out.push(
    ...listedTerms(
      e,
      el.terms,
      (k) => k.dy,
      (k) => `  y${idx(k.output)}: ${num(k.dy)}`,
    ),
  );
  out.push(`Sum: ${num(el.value)}`);
  if (e.loss.kind === 'mean' && e.loss.count !== null) out.push(`Normalization: ${el.terms.length} / ${e.loss.count} = ${num(el.value)}`);
  out.push(check(e, el));
  return out.join('\n');
}

function explainInput(e: Explanation, el: ElementExplanation<InputTerm>, options: TextOptions): string {
  const out = [`dx${idx(el.index)}: the gradient of input element x${idx(el.index)}`, e.closedForm.input];
  const [n, c] = el.index;
  if (!e.config.transposed) {
    const copies: number[][] = [];
    const seen = new Set<string>();
    for (const k of el.terms) {
      if (k.padded === null || seen.has(k.padded.join(','))) continue;
      seen.add(k.padded.join(','));
      copies.push(k.padded);
    }
    out.push(
      `\nThe padded input x̃ (batch ${n}, channel ${c}); ${options.color ? 'highlighted' : '[ ] marks'}: the ${copies.length} padded cell(s) holding this element:`,
    );
    out.push(grid(e, n, c, copies, options));
  }
  out.push(
    `\nThe ${el.terms.length} products w · dy, one per (weight, output position) pair that read this element${largest(e, el.terms.length)}:`,
  );
  // The element's own cell in the padded input; other cells holding it are padding copies.
  const home = [n, c, ...el.index.slice(2).map((j, d) => j + e.config.paddingLo[d])];
  out.push(
    ...listedTerms(
      e,
      el.terms,
      (k) => k.w * k.dy,
      (k) => {
        const via = k.padded !== null && !sameIndex(k.padded, home) ? ` via the padding copy x̃${idx(k.padded)}` : '';
        return `  w${idx(k.weight)} · dy${idx(k.output)}${via}: ${num(k.w)} · ${num(k.dy)}`;
      },
    ),
  );
  out.push(`Sum of the products: ${num(el.value)}`);
  if (e.loss.kind === 'mean' && e.loss.count !== null) {
    const W = el.terms.filter((k) => k.output !== null).reduce((s, k) => s + k.w, 0);
    out.push(
      `Normalization: dy = 1/${e.loss.count} everywhere, so dx = (Σ of the ${el.terms.length} weights = ${num(W)}) / ${e.loss.count} = ${num(el.value)}`,
    );
  }
  out.push(check(e, el));
  return out.join('\n');
}

/** Finds the explanation of one element; throws naming the element when it does not exist. */
export function findElement(
  e: Explanation,
  ref: ElementRef,
): ElementExplanation<WeightTerm> | ElementExplanation<BiasTerm> | ElementExplanation<InputTerm> {
  const list = ref.kind === 'w' ? e.weight : ref.kind === 'b' ? e.bias : e.input;
  const shape = ref.kind === 'w' ? e.w.shape : ref.kind === 'b' ? (e.b?.shape ?? []) : e.x.shape;
  if (ref.kind === 'b' && e.b === null)
    throw new Error('explain: element b:… asks for a bias gradient, but the convolution has no bias (pass --bias)');
  const found = list.find((el) => sameIndex(el.index, ref.index));
  if (found !== undefined) return found;
  const inside = ref.index.length === shape.length && ref.index.every((v, d) => Number.isInteger(v) && v >= 0 && v < shape[d]);
  if (inside) throw new Error(`explain: element ${ref.kind}:${ref.index.join(',')} was not explained; pass it in explain({ elements })`);
  throw new Error(
    `explain: element ${ref.kind}:${ref.index.join(',')} is not in ${ref.kind} of shape [${shape.join(', ')}]; expected ${shape.length} indices within it`,
  );
}

/**
 * One element's gradient as a single equation with its numbers, as a learner would write it:
 * `∂E/∂w[0,0,0,0] = (0 + 0 + 0 + 0 + 0 + 1 + 2 + 3 + …) / 32 = 54 / 32 = 1.6875` (a mean loss: every
 * dy is 1/M), `∂E/∂b[0] = 16 / 32 = 0.5`, `∂E/∂x[…] = (w + w + …) / M = …`; under a sum loss without
 * the division, and with each product x̃·dy written out when dy was given.
 */
export function elementEquation(e: Explanation, ref: ElementRef): string {
  const el = findElement(e, ref);
  const name = `∂E/∂${ref.kind}[${ref.index.join(',')}]`;
  const M = e.loss.count;
  if (ref.kind === 'b') {
    const terms = (el as ElementExplanation<BiasTerm>).terms;
    if (e.loss.kind === 'mean' && M !== null) return `${name} = ${terms.length} / ${M} = ${num(el.value)}`;
    // Under a sum every dy is 1: the count of outputs times that 1 (not "16 = 16").
    if (e.loss.kind === 'sum') return `${name} = ${terms.length} · 1 = ${num(el.value)}`;
    return `${name} = ${terms.length === 0 ? '0' : productsOf(terms.map((k) => [k.dy]))} = ${num(el.value)}`;
  }
  // The factor besides dy: x̃ for a weight, w for an input element; products outside the output reach no dy.
  const pairs =
    ref.kind === 'w'
      ? (el as ElementExplanation<WeightTerm>).terms.filter((k) => k.output !== null).map((k) => [k.x, k.dy])
      : (el as ElementExplanation<InputTerm>).terms.filter((k) => k.output !== null).map((k) => [k.w, k.dy]);
  return `${name} = ${rightSide(e, pairs, el.value)}`;
}

/**
 * The right-hand side of an element's equation from its products' [factor, dy] pairs: under a mean
 * loss every dy is 1/M, so `(a + b …) / M = S / M = value`; under a sum `a + b … = value`; with a given
 * dy each product written out.
 */
function rightSide(e: Explanation, pairs: readonly number[][], value: number): string {
  const M = e.loss.count;
  const factors = pairs.map(([v]) => v);
  if (e.loss.kind === 'mean' && M !== null)
    return `(${sumOf(factors) || '0'}) / ${M} = ${num(factors.reduce((s, v) => s + v, 0))} / ${M} = ${num(value)}`;
  if (e.loss.kind === 'sum') return `${sumOf(factors) || '0'} = ${num(value)}`;
  return `${pairs.length === 0 ? '0' : productsOf(pairs)} = ${num(value)}`;
}

/** The text explanation of one gradient element: the equation, the cells read and the check against autograd. */
export function renderElement(e: Explanation, ref: ElementRef, options: TextOptions = {}): string {
  checkOptionKeys(options, ['color'], 'renderElement');
  checkBoolean(options.color, 'color', 'renderElement', false);
  const el = findElement(e, ref);
  if (ref.kind === 'w') return explainWeight(e, el as ElementExplanation<WeightTerm>, options);
  if (ref.kind === 'b') return explainBias(e, el as ElementExplanation<BiasTerm>);
  return explainInput(e, el as ElementExplanation<InputTerm>, options);
}

function describeConfig(e: Explanation): string {
  const r = e.config;
  const t = (v: readonly number[]): string => v.join('x');
  const parts = [
    `${r.transposed ? 'ConvTranspose' : 'Conv'}${r.dims}d ${r.inChannels}→${r.outChannels}, kernel ${t(r.kernelSize)}, stride ${t(r.stride)}, ` +
      `padding ${typeof r.padding === 'string' ? r.padding : t(r.padding)}, dilation ${t(r.dilation)}, groups ${r.groups}` +
      `${r.transposed ? `, output padding ${t(r.outputPadding)}` : `, padding mode ${r.paddingMode}`}${r.bias ? ', bias' : ', no bias'}`,
    `input ${r.input} of shape [${e.x.shape.join(', ')}] (${r.dtype}), output [${e.y.shape.join(', ')}], loss ${e.loss.kind}` +
      (e.loss.kind === 'mean' ? ` over M = ${e.loss.count} elements` : ''),
  ];
  return parts.join('\n');
}

/** The whole explanation: the gradients as PyTorch prints them, then one worked element each (or just `element`). */
export function renderText(e: Explanation, element: ElementRef | null = null, options: TextOptions = {}): string {
  checkOptionKeys(options, ['color'], 'renderText');
  checkBoolean(options.color, 'color', 'renderText', false);
  const head = describeConfig(e);
  if (element !== null) return `${head}\n\n${renderElement(e, element, options)}\n`;
  const parts = [head, '', 'dw (conv.weight.grad):', String(e.dw)];
  if (e.db !== null) parts.push('', 'db (conv.bias.grad):', String(e.db));
  parts.push('', 'dx (input.grad):', String(e.dx), '');
  for (const w of workedElements(e.w.shape, e.b === null ? null : e.b.shape, e.x.shape)) {
    const name = w.kind === 'w' ? 'dw' : w.kind === 'b' ? 'db' : 'dx';
    parts.push(`— worked element of ${name} —`, renderElement(e, { kind: w.kind, index: [...w.index] }, options), '');
  }
  return parts.join('\n');
}
