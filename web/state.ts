// The page's configuration, and how it lives in the URL (#dims=2&size=4x4&…): parsed, written back,
// and turned into the library's explain() configuration. Pure (no DOM), so tests use it too.
import type { ExplainConfig, Tensor } from '../src/index.js';
import { EXPLAIN_OPTIONS, parseOptionText, parseSizes, type ExplainOption } from '../src/explain/schema.js';
import { convOutputSize, convTransposeOutputSize, resolvePadding } from '../src/tensor/conv_params.js';

/**
 * The most grid cells the page draws (input, padded input, kernels, output, dw, db, dx): a setting past
 * it is refused before anything is computed, saying how many it would need, so no setting or shared link
 * can hang the tab. 32×32 with 8→16 channels and 5×5 kernels (about 61,000, with dy) fits.
 */
export const MAX_PAGE_CELLS = 80_000;

/** The page's options: the explain schema's (src/explain/schema.ts), less the CLI-only ones. */
export const PAGE_OPTIONS: readonly ExplainOption[] = EXPLAIN_OPTIONS.filter((o: ExplainOption) => o.cliOnly !== true);

type PageOption = Exclude<(typeof EXPLAIN_OPTIONS)[number], { cliOnly: true }>;
/** A control's value: numbers for 'int', booleans for switches, a choice, or the text typed ('4x4', '1', 'same'). */
type ValueOf<O> = O extends { kind: 'int' }
  ? number
  : O extends { kind: 'switch' }
    ? boolean
    : O extends { choices: readonly (readonly [infer V, string])[] }
      ? V
      : string;

/** The page's configuration: one value per schema option ('custom' input: editable cells), and what only the page has. */
export type PageState = { [O in PageOption as O['key']]: O['key'] extends 'input' ? ValueOf<O> | 'custom' : ValueOf<O> } & {
  dims: 1 | 2 | 3;
  /** The input's values when input is 'custom' (row-major; missing values are 0). */
  cells: number[];
  /** The depth slice shown for 3-D convolutions. */
  slice: number;
  /** The explained element, as 'w:0,0,1,1', 'b:1' or 'x:0,0,2,3' ('' for the first weight). */
  sel: string;
  /** An upstream gradient dy edited by hand (row-major over y; missing values 0); empty: the loss's. */
  dy: number[];
};

/** The selected element of a state: its kind and index, or null ('' or malformed). */
export function selectionOf(s: PageState): { kind: 'w' | 'b' | 'x'; index: number[] } | null {
  const m = /^([wbx]):(\d+(?:,\d+)*)$/.exec(s.sel);
  return m === null ? null : { kind: m[1] as 'w' | 'b' | 'x', index: m[2].split(',').map(Number) };
}

/** An option's value from its text (a default, or a URL value): null where the text is not one. */
function fromText(o: ExplainOption, text: string): number | boolean | string | null {
  if (o.kind === 'int') return /^-?\d+$/.test(text) ? Number(text) : null;
  if (o.kind === 'switch') return text === '1' || text === 'true';
  if (o.kind === 'choice') return (o.choices ?? []).some(([v]) => v === text) || (o.key === 'input' && text === 'custom') ? text : null;
  return text;
}

const PAGE_ONLY = { dims: 2, cells: [], slice: 0, sel: '', dy: [] } as const;

function defaults(): PageState {
  const s: Record<string, unknown> = { ...PAGE_ONLY, cells: [], dy: [] };
  for (const o of PAGE_OPTIONS) s[o.key] = fromText(o, o.default);
  return s as PageState;
}

export const DEFAULT_STATE: PageState = defaults();

const seed = (cin: number, cout: number, padding: number): Partial<PageState> => ({
  inChannels: cin,
  outChannels: cout,
  padding: String(padding),
  kernelSize: '3',
  inputSize: '4x4',
});

/** The seed's five experiments, then the hard cases. */
export const PRESETS: Record<string, { label: string; state: Partial<PageState> }> = {
  seed1: { label: 'Seed experiment 1: 1→1 channel, no padding', state: seed(1, 1, 0) },
  seed2: { label: 'Seed experiment 2: 1→2 channels, no padding', state: seed(1, 2, 0) },
  seed3: { label: 'Seed experiment 3: 2→1 channels, no padding', state: seed(2, 1, 0) },
  seed4: { label: 'Seed experiment 4: 2→2 channels, no padding', state: seed(2, 2, 0) },
  seed5: { label: 'Seed experiment 5: 1→2 channels, padding 1', state: seed(1, 2, 1) },
  stride2: {
    label: 'Hard case: stride 2 with a remainder (5×5, kernel 2)',
    state: { inputSize: '5x5', kernelSize: '2', stride: '2', padding: '0' },
  },
  dilation2: { label: 'Hard case: dilation 2', state: { inputSize: '5x5', kernelSize: '3', dilation: '2', padding: '1' } },
  groups2: { label: 'Hard case: groups 2 (2→4 channels)', state: { inChannels: 2, outChannels: 4, groups: 2, padding: '1' } },
  reflect: { label: 'Hard case: reflect padding', state: { padding: '1', paddingMode: 'reflect' } },
  transposed: {
    label: 'Hard case: transposed, stride 2, output padding 1',
    state: { inputSize: '3x3', transposed: true, stride: '2', padding: '1', outputPadding: '1' },
  },
};

/** The state of a preset: the defaults (seed input, mean loss, 2-D) with the preset's changes. */
export function presetState(name: string): PageState {
  const p = PRESETS[name];
  if (p === undefined) throw new Error(`preset=${name} is unknown; expected one of ${Object.keys(PRESETS).join(', ')}`);
  return { ...DEFAULT_STATE, ...p.state };
}

/** The URL key of each part of the state: the schema's, and the page's own. */
const KEYS: Record<string, string> = {
  dims: 'dims',
  cells: 'cells',
  slice: 'slice',
  sel: 'sel',
  dy: 'dy',
  ...Object.fromEntries(PAGE_OPTIONS.map((o) => [o.key, o.url])),
};
const stateOf = (s: PageState): Record<string, unknown> => s;

/** The URL fragment of a state (only what differs from the defaults). */
export function toHash(s: PageState): string {
  const q = new URLSearchParams();
  const state = stateOf(s);
  const defaults = stateOf(DEFAULT_STATE);
  for (const key of Object.keys(KEYS)) {
    const v = state[key];
    if (key === 'cells') {
      if (s.input === 'custom' && s.cells.length > 0) q.set(KEYS[key], s.cells.join(','));
      continue;
    }
    if (key === 'dy') {
      if (s.dy.length > 0) q.set(KEYS[key], s.dy.join(','));
      continue;
    }
    if (v !== defaults[key]) q.set(KEYS[key], typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const text = q.toString();
  return text === '' ? '' : `#${text}`;
}

/** A state from a URL fragment; unknown or malformed values fall back to the defaults. */
export function fromHash(hash: string): PageState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const s: Record<string, unknown> = { ...DEFAULT_STATE, cells: [], dy: [] };
  for (const o of PAGE_OPTIONS) {
    const text = q.get(o.url);
    const v = text === null ? null : fromText(o, text);
    if (v !== null) s[o.key] = v;
  }
  const int = (v: string | null, d: number): number => (v !== null && /^-?\d+$/.test(v) ? Number(v) : d);
  const dims = int(q.get(KEYS.dims), 2);
  s.dims = dims === 1 || dims === 3 ? dims : 2;
  // A depth slice below 0 is read as 0; past the depth, the page shows the last slice (and says so).
  s.slice = Math.max(0, int(q.get(KEYS.slice), 0));
  const sel = q.get(KEYS.sel);
  s.sel = sel !== null && /^[wbx]:\d+(,\d+)*$/.test(sel) ? sel : '';
  const cells = q.get(KEYS.cells);
  if (cells !== null && cells !== '') s.cells = cells.split(',').map((v) => (Number.isFinite(Number(v)) ? Number(v) : 0));
  const dy = q.get(KEYS.dy);
  if (dy !== null && dy !== '') s.dy = dy.split(',').map((v) => (Number.isFinite(Number(v)) ? Number(v) : 0));
  return s as PageState;
}

/** The spatial size of the input, one number per dimension. */
export function inputSize(s: PageState): number[] {
  const v = parseSizes(s.inputSize, 'input size', s.dims);
  return v.length === 1 ? Array<number>(s.dims).fill(v[0]) : v;
}

/** Whether an option applies to the state (output padding only when transposed, padding mode only when not). */
export function applies(o: ExplainOption, s: PageState): boolean {
  return o.transposed === undefined || o.transposed === s.transposed;
}

const product = (v: readonly number[]): number => v.reduce((a, b) => a * b, 1);
const perDim = (v: unknown, dims: number): number[] => (Array.isArray(v) ? v : new Array<number>(dims).fill(v as number));

/**
 * Refuses, before any work, a state beyond the page's limits: an int option outside its control's range
 * (a URL can say cin=1000000), or more grid cells than MAX_PAGE_CELLS. The message says how big it would be.
 */
/** Checks the page's limits (see MAX_PAGE_CELLS); returns the output's shape [N, C_out, …]. */
function checkPageLimits(s: PageState, config: Record<string, unknown>, size: number[]): number[] {
  const state = stateOf(s);
  for (const o of PAGE_OPTIONS) {
    if (o.kind !== 'int' || !applies(o, s)) continue;
    const v = state[o.key] as number;
    if ((o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max))
      throw new Error(`${o.label} ${v} is outside the page's range ${o.min ?? '…'}–${o.max ?? '…'} (explain() and the CLI take more)`);
  }
  const dims = s.dims;
  const k = perDim(config.kernelSize, dims);
  const stride = perDim(config.stride ?? 1, dims);
  const dilation = perDim(config.dilation ?? 1, dims);
  const outputPadding = perDim(config.outputPadding ?? 0, dims);
  const padding = config.padding === 'same' || config.padding === 'valid' ? config.padding : perDim(config.padding ?? 0, dims);
  const pad = resolvePadding(padding as number[] | 'same' | 'valid', k, dilation);
  const out = size.map((L, d) =>
    s.transposed
      ? convTransposeOutputSize(L, k[d], stride[d], pad.lo[d], dilation[d], outputPadding[d])
      : convOutputSize(L, k[d], stride[d], pad.lo[d], pad.hi[d], dilation[d]),
  );
  // 3-D shows one depth slice of each tensor.
  const plane = (v: readonly number[]): number => product(dims === 3 ? v.slice(1) : v);
  const padded = size.map((L, d) => (s.transposed ? L : L + pad.lo[d] + pad.hi[d]));
  const x = s.batch * s.inChannels * plane(size);
  const kernels = s.inChannels * (s.outChannels / Math.max(1, s.groups)) * plane(k);
  const y = s.batch * s.outChannels * plane(out.map((n) => Math.max(n, 0)));
  const cells = 2 * x + s.batch * s.inChannels * plane(padded) + 2 * kernels + 2 * y + s.outChannels; // y and dy
  if (cells > MAX_PAGE_CELLS)
    throw new Error(
      `this setting would draw ${cells.toLocaleString('en')} cells (input ${size.join('×')}, ${s.inChannels}→${s.outChannels} channels, kernel ${k.join('×')}); ` +
        `the page draws at most ${MAX_PAGE_CELLS.toLocaleString('en')}: use a smaller input or fewer channels (explain() and the CLI have no such limit)`,
    );
  return [s.batch, s.outChannels, ...out];
}

/** The explain() configuration of a state ('custom' input becomes a tensor, built by `makeInput`), each text parsed as the CLI parses it. */
export function explainConfig(s: PageState, makeInput: (values: number[], shape: number[]) => Tensor): ExplainConfig {
  const size = inputSize(s);
  const shape = [s.batch, s.inChannels, ...size];
  const count = shape.reduce((a, b) => a * b, 1);
  const state = stateOf(s);
  const config: Record<string, unknown> = {};
  for (const o of PAGE_OPTIONS) {
    if (!applies(o, s) || o.key === 'input') continue;
    const v = state[o.key];
    config[o.key] = typeof v === 'string' && o.kind !== 'choice' ? parseOptionText(o, v, o.label.toLowerCase(), s.dims) : v;
  }
  const yShape = checkPageLimits(s, config, size);
  // An edited dy replaces the loss's (explain then explains E = Σ dy·y).
  if (s.dy.length > 0)
    config.dy = makeInput(
      Array.from({ length: product(yShape) }, (_, i) => s.dy[i] ?? 0),
      yShape,
    );
  if (s.input === 'custom') {
    if (count > 100_000) throw new Error(`input of ${count} cells is too large to edit; expected at most 100000`);
    // Editable cells that a URL left out start as the seed's input (1, 2, 3, …), not as zeros.
    config.input = makeInput(
      Array.from({ length: count }, (_, i) => s.cells[i] ?? (s.cells.length === 0 ? i + 1 : 0)),
      shape,
    );
  } else config.input = s.input;
  return config as ExplainConfig;
}

/**
 * The state in another dimensionality: every per-dimension text (input size '4x4', kernel '3x2', …)
 * whose count no longer fits keeps its first number (one number applies to every dimension), and the
 * depth slice restarts at 0. A size that becomes too big is then refused by the page's limits, not drawn.
 */
export function withDims(s: PageState, dims: 1 | 2 | 3): PageState {
  const next: Record<string, unknown> = { ...s, dims, slice: 0 };
  for (const o of PAGE_OPTIONS) {
    const v = next[o.key];
    if (typeof v !== 'string' || !(o.kind === 'sizes' || o.kind === 'intOrSizes' || o.kind === 'padding')) continue;
    const parts = v.split('x');
    if (parts.length > 1 && parts.length !== dims) next[o.key] = parts[0];
  }
  return next as PageState;
}
