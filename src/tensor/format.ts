// String(t) exactly as PyTorch's str(t) (torch/_tensor_str.py): precision 4, linewidth 80,
// threshold 1000, edgeitems 3, automatic scientific mode, and Python's correctly rounded
// (round-half-even on the exact binary value) float formatting, which JS toFixed does not do.

export const PRINT_OPTIONS = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 } as const;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** |v| as m·2^e with m a BigInt (v finite). */
function exactBinary(v: number): { m: bigint; e: number } {
  f64[0] = Math.abs(v);
  const hi = LITTLE_ENDIAN ? u32[1] : u32[0];
  const lo = LITTLE_ENDIAN ? u32[0] : u32[1];
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (biased === 0) {
    e = -1074; // subnormal
  } else {
    m |= 1n << 52n;
    e = biased - 1075;
  }
  return { m, e };
}

/** round(|v| · 10^k) with ties to even, exactly; k may be negative. */
function roundScaled(v: number, k: number): bigint {
  const { m, e } = exactBinary(v);
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function nonFinite(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}

function isNegative(v: number): boolean {
  return v < 0 || Object.is(v, -0);
}

/** Python's `'{:.{precision}f}'.format(v)`. */
export function formatFixed(v: number, precision: number): string {
  const special = nonFinite(v);
  if (special !== null) return special;
  const digits = roundScaled(v, precision)
    .toString()
    .padStart(precision + 1, '0');
  const sign = isNegative(v) ? '-' : '';
  if (precision === 0) return sign + digits;
  return `${sign}${digits.slice(0, digits.length - precision)}.${digits.slice(digits.length - precision)}`;
}

/** Python's `'{:.{precision}e}'.format(v)`: mantissa rounded half-even, exponent of at least 2 digits. */
export function formatScientific(v: number, precision: number): string {
  const special = nonFinite(v);
  if (special !== null) return special;
  const sign = isNegative(v) ? '-' : '';
  let exponent = 0;
  let digits = 0n;
  if (v !== 0) {
    exponent = Math.floor(Math.log10(Math.abs(v)));
    const lowest = 10n ** BigInt(precision);
    const highest = lowest * 10n;
    // log10 can be off by one near powers of ten: settle the exponent exactly.
    for (;;) {
      digits = roundScaled(v, precision - exponent);
      if (digits >= highest) exponent += 1;
      else if (digits < lowest) exponent -= 1;
      else break;
    }
  }
  const s = digits.toString().padStart(precision + 1, '0');
  const mantissa = precision > 0 ? `${s[0]}.${s.slice(1)}` : s;
  const expSign = exponent < 0 ? '-' : '+';
  return `${sign}${mantissa}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** torch._tensor_str._Formatter for floating tensors. */
export class Formatter {
  intMode = true;
  sciMode = false;
  maxWidth = 1;
  /** Integer and bool tensors print their values as Python's str does, right-aligned. */
  readonly integer: 'int64' | 'bool' | null;

  constructor(values: ArrayLike<number>, dtype: PrintInfo['dtype'] = 'float32') {
    const p = PRINT_OPTIONS.precision;
    this.integer = dtype === 'int64' || dtype === 'bool' ? dtype : null;
    if (this.integer !== null) {
      for (let i = 0; i < values.length; i++) {
        const s = this.integer === 'bool' ? (values[i] !== 0 ? 'True' : 'False') : String(values[i]);
        this.maxWidth = Math.max(this.maxWidth, s.length);
      }
      return;
    }
    const finite: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v) && v !== 0) finite.push(v);
    }
    if (finite.length === 0) return;
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
    }
    this.intMode = finite.every((v) => v === Math.ceil(v));
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatScientific(v, p).length);
      } else {
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatFixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatScientific(v, p).length);
    } else {
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatFixed(v, p).length);
    }
  }

  format(v: number): string {
    const p = PRINT_OPTIONS.precision;
    if (this.integer !== null) return (this.integer === 'bool' ? (v !== 0 ? 'True' : 'False') : String(v)).padStart(this.maxWidth, ' ');
    let s: string;
    if (this.sciMode) s = formatScientific(v, p);
    else if (this.intMode) {
      s = formatFixed(v, 0);
      if (Number.isFinite(v)) s += '.';
    } else s = formatFixed(v, p);
    return s.padStart(this.maxWidth, ' ');
  }
}

/** A read-only n-d view used by the printer: element (flat) offset and shape. */
interface View {
  data: ArrayLike<number>;
  shape: readonly number[];
  offset: number;
  strides: readonly number[];
}

function sub(view: View, i: number): View {
  return { data: view.data, shape: view.shape.slice(1), offset: view.offset + i * view.strides[0], strides: view.strides.slice(1) };
}

/** The values the formatter sees when printing is summarized (get_summarized_data). */
function summarizedValues(view: View, out: number[]): void {
  const e = PRINT_OPTIONS.edgeitems;
  if (view.shape.length === 0) {
    out.push(view.data[view.offset]);
    return;
  }
  const n = view.shape[0];
  const idx: number[] = [];
  if (n > 2 * e) {
    for (let i = 0; i < e; i++) idx.push(i);
    for (let i = n - e; i < n; i++) idx.push(i);
  } else for (let i = 0; i < n; i++) idx.push(i);
  for (const i of idx) summarizedValues(sub(view, i), out);
}

function vectorStr(view: View, indent: number, summarize: boolean, fmt: Formatter): string {
  const e = PRINT_OPTIONS.edgeitems;
  const elementLength = fmt.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((PRINT_OPTIONS.linewidth - indent) / elementLength));
  const n = view.shape[0];
  const at = (i: number): string => fmt.format(view.data[view.offset + i * view.strides[0]]);
  const data: string[] = [];
  if (summarize && n > 2 * e) {
    for (let i = 0; i < e; i++) data.push(at(i));
    data.push(' ...');
    for (let i = n - e; i < n; i++) data.push(at(i));
  } else for (let i = 0; i < n; i++) data.push(at(i));
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
  return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
}

function tensorStrWithFormatter(view: View, indent: number, summarize: boolean, fmt: Formatter): string {
  const dim = view.shape.length;
  if (dim === 0) return fmt.format(view.data[view.offset]);
  if (dim === 1) return vectorStr(view, indent, summarize, fmt);
  const e = PRINT_OPTIONS.edgeitems;
  const n = view.shape[0];
  const slices: string[] = [];
  if (summarize && n > 2 * e) {
    for (let i = 0; i < e; i++) slices.push(tensorStrWithFormatter(sub(view, i), indent + 1, summarize, fmt));
    slices.push('...');
    for (let i = n - e; i < n; i++) slices.push(tensorStrWithFormatter(sub(view, i), indent + 1, summarize, fmt));
  } else for (let i = 0; i < n; i++) slices.push(tensorStrWithFormatter(sub(view, i), indent + 1, summarize, fmt));
  return `[${slices.join(`,${'\n'.repeat(dim - 1)}${' '.repeat(indent + 1)}`)}]`;
}

/** PyTorch writes `dtype=torch.float64`; we write `dtype=float64` but wrap lines as PyTorch does. */
const TORCH_PREFIX_LENGTH = 'torch.'.length;

function addSuffixes(tensorStr: string, suffixes: readonly string[], indent: number): string {
  const parts = [tensorStr];
  // Same arithmetic as PyTorch (rfind returns -1 when there is no newline).
  let lastLineLen = tensorStr.length - tensorStr.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    const length = suffix.length + (suffix.startsWith('dtype=') ? TORCH_PREFIX_LENGTH : 0);
    if (lastLineLen + length + 2 > PRINT_OPTIONS.linewidth) {
      parts.push(`,\n${' '.repeat(indent)}${suffix}`);
      lastLineLen = indent + length;
    } else {
      parts.push(`, ${suffix}`);
      lastLineLen += length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

export interface PrintInfo {
  data: ArrayLike<number>;
  shape: readonly number[];
  dtype: 'float32' | 'float64' | 'int64' | 'bool';
  gradFnName: string | null;
  requiresGrad: boolean;
}

/** PyTorch's str(t) / repr(t) for a strided floating CPU tensor. */
export function formatTensor(t: PrintInfo): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  const numel = t.shape.reduce((a, b) => a * b, 1);
  let body: string;
  if (numel === 0) {
    if (t.shape.length !== 1) suffixes.push(`size=(${t.shape.join(', ')}${t.shape.length === 1 ? ',' : ''})`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=${t.dtype}`);
    body = '[]';
  } else {
    // PyTorch omits the dtype for its defaults: float32, int64 and bool.
    if (t.dtype === 'float64') suffixes.push(`dtype=${t.dtype}`);
    const strides: number[] = new Array<number>(t.shape.length);
    let s = 1;
    for (let i = t.shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= t.shape[i];
    }
    const view: View = { data: t.data, shape: t.shape, offset: 0, strides };
    const summarize = numel > PRINT_OPTIONS.threshold;
    let values: ArrayLike<number> = t.data;
    if (summarize) {
      const picked: number[] = [];
      summarizedValues(view, picked);
      values = picked;
    }
    body = tensorStrWithFormatter(view, indent, summarize, new Formatter(values, t.dtype));
  }
  if (t.gradFnName !== null) suffixes.push(`grad_fn=<${t.gradFnName}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + body, suffixes, indent);
}

/**
 * How PyTorch would print each element of `values` inside one tensor: one notation for all (fixed,
 * integer or scientific, chosen as torch._tensor_str chooses it), 4 decimals, and the width of the
 * widest, so a grid of cells shows every number whole and alike.
 */
export function elementFormatter(
  values: ArrayLike<number>,
  dtype: PrintInfo['dtype'] = 'float32',
): {
  /** v in the shared notation, without padding. */
  format(v: number): string;
  /** The width of the widest element, in characters. */
  width: number;
} {
  const f = new Formatter(values, dtype);
  return { format: (v) => f.format(v).trim(), width: f.maxWidth };
}
