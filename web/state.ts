// The page's configuration, and how it lives in the URL (#dims=2&size=4x4&…): parsed, written back,
// and turned into the library's explain() configuration. Pure (no DOM), so tests use it too.
import type { ExplainConfig, Tensor } from '../src/index.js';

export type PaddingText = string; // '1', '1x2', 'same' or 'valid'

export interface PageState {
  dims: 1 | 2 | 3;
  size: string; // '4x4'
  batch: number;
  inChannels: number;
  outChannels: number;
  kernel: string; // '3' or '3x2'
  stride: string;
  padding: PaddingText;
  paddingMode: 'zeros' | 'reflect' | 'replicate' | 'circular';
  dilation: string;
  groups: number;
  bias: boolean;
  transposed: boolean;
  outputPadding: string;
  loss: 'mean' | 'sum';
  input: 'range' | 'randn' | 'ones' | 'custom';
  /** The input's values when input is 'custom' (row-major; missing values are 0). */
  cells: number[];
  seed: number;
  /** The depth slice shown for 3-D convolutions. */
  slice: number;
}

export const DEFAULT_STATE: PageState = {
  dims: 2, size: '4x4', batch: 1, inChannels: 1, outChannels: 2, kernel: '3', stride: '1', padding: '1', paddingMode: 'zeros',
  dilation: '1', groups: 1, bias: false, transposed: false, outputPadding: '0', loss: 'mean', input: 'range', cells: [], seed: 0, slice: 0,
};

const seed = (cin: number, cout: number, padding: number): Partial<PageState> => ({ inChannels: cin, outChannels: cout, padding: String(padding), kernel: '3', size: '4x4' });

/** The seed's five experiments, then the hard cases. */
export const PRESETS: Record<string, { label: string; state: Partial<PageState> }> = {
  seed1: { label: 'Seed experiment 1: 1→1 channel, no padding', state: seed(1, 1, 0) },
  seed2: { label: 'Seed experiment 2: 1→2 channels, no padding', state: seed(1, 2, 0) },
  seed3: { label: 'Seed experiment 3: 2→1 channels, no padding', state: seed(2, 1, 0) },
  seed4: { label: 'Seed experiment 4: 2→2 channels, no padding', state: seed(2, 2, 0) },
  seed5: { label: 'Seed experiment 5: 1→2 channels, padding 1', state: seed(1, 2, 1) },
  stride2: { label: 'Hard case: stride 2 with a remainder (5×5, kernel 2)', state: { size: '5x5', kernel: '2', stride: '2', padding: '0' } },
  dilation2: { label: 'Hard case: dilation 2', state: { size: '5x5', kernel: '3', dilation: '2', padding: '1' } },
  groups2: { label: 'Hard case: groups 2 (2→4 channels)', state: { inChannels: 2, outChannels: 4, groups: 2, padding: '1' } },
  reflect: { label: 'Hard case: reflect padding', state: { padding: '1', paddingMode: 'reflect' } },
  transposed: { label: 'Hard case: transposed, stride 2, output padding 1', state: { size: '3x3', transposed: true, stride: '2', padding: '1', outputPadding: '1' } },
};

/** The state of a preset: the defaults (seed input, mean loss, 2-D) with the preset's changes. */
export function presetState(name: string): PageState {
  const p = PRESETS[name];
  if (p === undefined) throw new Error(`preset=${name} is unknown; expected one of ${Object.keys(PRESETS).join(', ')}`);
  return { ...DEFAULT_STATE, ...p.state };
}

const KEYS: Record<keyof PageState, string> = {
  dims: 'dims', size: 'size', batch: 'batch', inChannels: 'cin', outChannels: 'cout', kernel: 'k', stride: 's', padding: 'p', paddingMode: 'mode',
  dilation: 'd', groups: 'g', bias: 'bias', transposed: 't', outputPadding: 'op', loss: 'loss', input: 'input', cells: 'cells', seed: 'seed', slice: 'slice',
};

/** The URL fragment of a state (only what differs from the defaults). */
export function toHash(s: PageState): string {
  const q = new URLSearchParams();
  for (const key of Object.keys(KEYS) as (keyof PageState)[]) {
    const v = s[key];
    const d = DEFAULT_STATE[key];
    if (key === 'cells') {
      if (s.input === 'custom' && s.cells.length > 0) q.set(KEYS[key], s.cells.join(','));
      continue;
    }
    if (v !== d) q.set(KEYS[key], typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const text = q.toString();
  return text === '' ? '' : `#${text}`;
}

/** A state from a URL fragment; unknown or malformed values fall back to the defaults. */
export function fromHash(hash: string): PageState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const s: PageState = { ...DEFAULT_STATE, cells: [] };
  const int = (v: string | null, d: number): number => (v !== null && /^-?\d+$/.test(v) ? Number(v) : d);
  const get = (k: keyof PageState): string | null => q.get(KEYS[k]);
  const dims = int(get('dims'), 2);
  s.dims = dims === 1 || dims === 3 ? dims : 2;
  for (const k of ['size', 'kernel', 'stride', 'padding', 'dilation', 'outputPadding'] as const) s[k] = get(k) ?? DEFAULT_STATE[k];
  s.batch = int(get('batch'), 1);
  s.inChannels = int(get('inChannels'), 1);
  s.outChannels = int(get('outChannels'), 2);
  s.groups = int(get('groups'), 1);
  s.seed = int(get('seed'), 0);
  s.slice = int(get('slice'), 0);
  s.bias = get('bias') === '1';
  s.transposed = get('transposed') === '1';
  const mode = get('paddingMode');
  if (mode === 'reflect' || mode === 'replicate' || mode === 'circular') s.paddingMode = mode;
  s.loss = get('loss') === 'sum' ? 'sum' : 'mean';
  const input = get('input');
  if (input === 'randn' || input === 'ones' || input === 'custom') s.input = input;
  const cells = get('cells');
  if (cells !== null && cells !== '') s.cells = cells.split(',').map((v) => (Number.isFinite(Number(v)) ? Number(v) : 0));
  return s;
}

/** '3' → 3, '3x2' → [3, 2]: one number, or one per spatial dimension. */
function sizes(text: string, name: string, dims: number, allowWords: readonly string[] = []): number | number[] | string {
  const t = text.trim();
  if (allowWords.includes(t)) return t;
  const parts = t.split(/\s*[x×,]\s*/);
  if (parts.length === 0 || parts.some((p) => !/^-?\d+$/.test(p))) {
    throw new Error(`${name}="${text}" is invalid; expected a whole number or ${dims} numbers such as ${Array(dims).fill(3).join('x')}${allowWords.length > 0 ? `, or ${allowWords.map((w) => `'${w}'`).join(' or ')}` : ''}`);
  }
  const v = parts.map(Number);
  if (v.length === 1) return v[0];
  if (v.length !== dims) throw new Error(`${name}="${text}" has ${v.length} numbers; expected 1 or ${dims} (one per spatial dimension)`);
  return v;
}

/** The spatial size of the input, one number per dimension. */
export function inputSize(s: PageState): number[] {
  const v = sizes(s.size, 'input size', s.dims);
  const list = typeof v === 'number' ? Array<number>(s.dims).fill(v) : (v as number[]);
  return list;
}

/** The explain() configuration of a state ('custom' input becomes a tensor, built by `makeInput`). */
export function explainConfig(s: PageState, makeInput: (values: number[], shape: number[]) => Tensor): ExplainConfig {
  const size = inputSize(s);
  const shape = [s.batch, s.inChannels, ...size];
  const count = shape.reduce((a, b) => a * b, 1);
  const config: ExplainConfig = {
    inputSize: size,
    batch: s.batch,
    inChannels: s.inChannels,
    outChannels: s.outChannels,
    kernelSize: sizes(s.kernel, 'kernel size', s.dims) as number | number[],
    stride: sizes(s.stride, 'stride', s.dims) as number | number[],
    padding: sizes(s.padding, 'padding', s.dims, s.transposed ? [] : ['same', 'valid']) as number | number[] | 'same' | 'valid',
    dilation: sizes(s.dilation, 'dilation', s.dims) as number | number[],
    groups: s.groups,
    bias: s.bias,
    loss: s.loss,
    seed: s.seed,
  };
  if (s.transposed) {
    config.transposed = true;
    config.outputPadding = sizes(s.outputPadding, 'output padding', s.dims) as number | number[];
  } else config.paddingMode = s.paddingMode;
  if (s.input === 'custom') {
    if (count > 100_000) throw new Error(`input of ${count} cells is too large to edit; expected at most 100000`);
    config.input = makeInput(Array.from({ length: count }, (_, i) => s.cells[i] ?? 0), shape);
  } else config.input = s.input;
  return config;
}
