// explain: for every element of dw, db and dx, the exact list of products that make it up.
// The seed's rule, finished for every option: a weight's gradient depends only on the input elements
// it was multiplied with; collect them and sum them, weighted by the upstream gradient dy:
//   dw[o, c, κ]  = Σ_{n, i} x̃[n, g·C_in/G + c, i·s + κ·d] · dy[n, o, i]     (x̃: the padded input)
//   db[o]        = Σ_{n, i} dy[n, o, i]
//   dx[n, c', j] = Σ over every (o, κ, i) whose tap reads j, through padding copies too, of w · dy
// The terms are enumerated here from the formula with explicit indices, independently of the
// kernels, and each value is checked against the library's autograd.
import { checkOptionKeys } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { ones, randn, range } from '../tensor/creation.js';
import { Generator as RandomGenerator } from '../tensor/random.js';
import {
  convOutputSize,
  convTransposeOutputSize,
  expandIntArg,
  padIndexMap,
  parseConvOptions,
  positive,
  resolvePadding,
} from '../tensor/conv_params.js';
import { stridesOf, numelOf, formatShape } from '../tensor/shape.js';
import { grad } from '../autograd/backward.js';
import { convNd, convTransposeNd } from '../ops/conv.js';
import { pad } from '../ops/pad.js';
import { EXPLAIN_KEYS, type EXPLAIN_VALUE_KEYS, type ExplainOptionKey } from './schema.js';
import { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from '../nn/conv.js';
import type {
  ExplainConfig,
  ExplainElement,
  ResolvedConfig,
  WeightTerm,
  BiasTerm,
  InputTerm,
  ElementExplanation,
  LossInfo,
  Explanation,
} from './types.js';

/**
 * The most terms one explanation collects (a term is an object of about 200 bytes: this is ~200 MB). A
 * full explanation lists every product twice (a weight term and an input term); one element of dw lists
 * one product per output position. Past the budget, explain refuses up front, saying how many.
 */
export const MAX_EXPLAINED_TERMS = 1_000_000;

// ExplainConfig is the typed view of the schema (explain/schema.ts): the compiler checks that each holds
// the other's keys, so an option added to one and not the other does not build.
type SchemaKeysCovered = Exclude<ExplainOptionKey | (typeof EXPLAIN_VALUE_KEYS)[number], keyof ExplainConfig>;
type ConfigKeysCovered = Exclude<keyof ExplainConfig, ExplainOptionKey | (typeof EXPLAIN_VALUE_KEYS)[number]>;
const schemaMatchesConfig: [SchemaKeysCovered, ConfigKeysCovered] extends [never, never] ? true : never = true;
void schemaMatchesConfig;

function positiveInt(value: unknown, arg: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`explain: ${arg}=${String(value)} is invalid; expected a positive integer`);
  }
  return value;
}

/** Multi-index of a flat offset in a row-major shape. */
export function unravel(offset: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = offset % shape[d];
    offset = Math.floor(offset / shape[d]);
  }
  return out;
}

function ravel(index: readonly number[], strides: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < index.length; d++) o += index[d] * strides[d];
  return o;
}

/** Every multi-index of a shape, row-major. */
function* indices(shape: readonly number[]): IterableIterator<number[]> {
  const n = numelOf(shape);
  for (let i = 0; i < n; i++) yield unravel(i, shape);
}

function resolve(c: ExplainConfig): ResolvedConfig {
  checkOptionKeys(c, EXPLAIN_KEYS, 'explain');
  const inputSize = [...(c.inputSize ?? (c.input instanceof Tensor ? c.input.shape.slice(2) : [4, 4]))];
  if (inputSize.length < 1 || inputSize.length > 3) {
    throw new Error(`explain: inputSize=[${inputSize.join(', ')}] must have 1, 2 or 3 sizes (one per spatial dimension)`);
  }
  inputSize.forEach((s) => positiveInt(s, 'inputSize'));
  const dims = inputSize.length;
  const transposed = c.transposed ?? false;
  const op = 'explain';
  const kernelSize = expandIntArg(c.kernelSize ?? 3, dims, 'kernelSize', op, positive, 'positive integers');
  const options = {
    stride: c.stride,
    dilation: c.dilation,
    padding: c.padding ?? 1,
    outputPadding: c.outputPadding,
    groups: c.groups,
    paddingMode: c.paddingMode,
  };
  const { stride, dilation, padding, outputPadding, groups, paddingMode } = parseConvOptions(options, dims, transposed, op);
  const { lo: paddingLo, hi: paddingHi } = resolvePadding(padding, kernelSize, dilation);
  const outputSize = transposed
    ? inputSize.map((L, i) => convTransposeOutputSize(L, kernelSize[i], stride[i], paddingLo[i], dilation[i], outputPadding[i]))
    : inputSize.map((L, i) => convOutputSize(L, kernelSize[i], stride[i], paddingLo[i], paddingHi[i], dilation[i]));
  const input = c.input instanceof Tensor ? 'given' : (c.input ?? 'range');
  if (input !== 'given' && input !== 'range' && input !== 'randn' && input !== 'ones') {
    throw new Error(`explain: input=${JSON.stringify(input)} is not supported; expected 'range', 'randn', 'ones' or a tensor`);
  }
  const loss = c.loss ?? 'mean';
  if (loss !== 'mean' && loss !== 'sum')
    throw new Error(`explain: loss=${JSON.stringify(loss)} is not supported; expected 'mean' or 'sum'`);
  const seed = c.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`explain: seed=${String(seed)} must be an integer`);
  return {
    dims,
    inputSize,
    batch: positiveInt(c.batch ?? 1, 'batch'),
    inChannels: positiveInt(c.inChannels ?? 1, 'inChannels'),
    outChannels: positiveInt(c.outChannels ?? 2, 'outChannels'),
    kernelSize,
    stride,
    padding,
    paddingLo,
    paddingHi,
    dilation,
    groups,
    paddingMode,
    bias: c.bias ?? false,
    transposed,
    outputPadding,
    outputSize,
    input,
    seed,
    dtype: c.dtype ?? (c.input instanceof Tensor ? c.input.dtype : 'float32'),
  };
}

const MODULES = [
  [Conv1d, Conv2d, Conv3d],
  [ConvTranspose1d, ConvTranspose2d, ConvTranspose3d],
] as const;

/** Builds the layer as PyTorch would after torch.manual_seed(seed), then the input. */
function buildTensors(r: ResolvedConfig, c: ExplainConfig): { x: Tensor; w: Tensor; b: Tensor | null } {
  const gen = new RandomGenerator().manualSeed(r.seed);
  const common = { stride: r.stride, dilation: r.dilation, groups: r.groups, bias: r.bias, dtype: r.dtype, generator: gen };
  const module = r.transposed
    ? new MODULES[1][r.dims - 1](r.inChannels, r.outChannels, r.kernelSize, {
        ...common,
        padding: r.padding as number[],
        outputPadding: r.outputPadding,
      })
    : new MODULES[0][r.dims - 1](r.inChannels, r.outChannels, r.kernelSize, { ...common, padding: r.padding, paddingMode: r.paddingMode });
  const xShape = [r.batch, r.inChannels, ...r.inputSize];
  let x: Tensor;
  if (c.input instanceof Tensor) {
    if (formatShape(c.input.shape) !== formatShape(xShape)) {
      throw new Error(
        `explain: input of shape ${formatShape(c.input.shape)} does not match the configuration; expected ${formatShape(xShape)}`,
      );
    }
    x = c.input.detach();
  } else if (r.input === 'range') x = range(1, numelOf(xShape), 1, { dtype: r.dtype }).view(xShape);
  else if (r.input === 'ones') x = ones(xShape, { dtype: r.dtype });
  else x = randn(xShape, { dtype: r.dtype, generator: gen });
  const w = c.weight?.detach() ?? module.weight.detach();
  const b = r.bias ? (c.biasValues?.detach() ?? module.bias!.detach()) : null;
  return { x: x.requiresGrad_(), w: w.requiresGrad_(), b: b === null ? null : b.requiresGrad_() };
}

/** The elements the text explanation works through: dw's first, db's first, and dx's middle element. */
export function workedElements(wShape: readonly number[], bShape: readonly number[] | null, xShape: readonly number[]): ExplainElement[] {
  const list: ExplainElement[] = [{ kind: 'w', index: wShape.map(() => 0) }];
  if (bShape !== null) list.push({ kind: 'b', index: [0] });
  list.push({ kind: 'x', index: xShape.map((n) => Math.floor((n - 1) / 2)) });
  return list;
}

/** Checks each requested element against its gradient's shape, naming the first that does not fit. */
function checkElements(
  elements: readonly ExplainElement[],
  wShape: readonly number[],
  bShape: readonly number[] | null,
  xShape: readonly number[],
): ExplainElement[] {
  if (!Array.isArray(elements)) throw new Error('explain: elements must be an array of { kind, index }');
  return elements.map((e, i) => {
    const kind = e?.kind;
    if (kind !== 'w' && kind !== 'b' && kind !== 'x')
      throw new Error(`explain: elements[${i}].kind=${String(kind)} is invalid; expected 'w', 'b' or 'x'`);
    if (kind === 'b' && bShape === null)
      throw new Error('explain: element b:… asks for a bias gradient, but the convolution has no bias (pass --bias)');
    const shape = kind === 'w' ? wShape : kind === 'b' ? bShape! : xShape;
    const index = e.index;
    if (!Array.isArray(index) || index.length !== shape.length || index.some((v, d) => !Number.isInteger(v) || v < 0 || v >= shape[d])) {
      throw new Error(
        `explain: element ${kind}:${Array.isArray(index) ? index.join(',') : String(index)} is not in ${kind} of shape [${shape.join(', ')}]; expected ${shape.length} indices within it`,
      );
    }
    return { kind, index: [...index] };
  });
}

/**
 * Explains every element of dw, db and dx for one convolution and loss.
 * @example explain({}).weight[0].terms.length // 16: the seed's w[0,0,0,0] met 16 padded cells
 */
export function explain(config: ExplainConfig = {}): Explanation {
  const r = resolve(config);
  const { x, w, b } = buildTensors(r, config);
  const y = r.transposed
    ? convTransposeNd(r.dims, x, w, b, {
        stride: r.stride,
        padding: r.paddingLo,
        outputPadding: r.outputPadding,
        groups: r.groups,
        dilation: r.dilation,
      })
    : convNd(r.dims, x, w, b, { stride: r.stride, padding: r.padding, dilation: r.dilation, groups: r.groups, paddingMode: r.paddingMode });

  // dy = ∂E/∂y: given, or the gradient of the mean (1/M everywhere) or of the sum (1 everywhere).
  let dy: Tensor;
  let loss: LossInfo;
  if (config.dy !== undefined) {
    if (!(config.dy instanceof Tensor) || formatShape(config.dy.shape) !== formatShape(y.shape)) {
      throw new Error(`explain: dy must be a tensor of the output's shape ${formatShape(y.shape)}`);
    }
    dy = config.dy.detach().to(r.dtype);
    loss = { kind: 'given', count: null, uniformDy: null };
  } else {
    const kind = config.loss ?? 'mean';
    const E = kind === 'mean' ? y.mean() : y.sum();
    [dy] = grad(E, [y], { retainGraph: true }) as [Tensor];
    loss = { kind, count: kind === 'mean' ? y.numel : null, uniformDy: dy.data[0] };
  }
  const inputs = b === null ? [x, w] : [x, w, b];
  const grads = grad(y, inputs, { gradOutputs: [dy] }) as Tensor[];
  const [dx, dw] = grads;
  const db = b === null ? null : grads[2];

  const xPadded = r.transposed
    ? x.detach()
    : pad(
        x.detach(),
        r.paddingLo.flatMap((_, i) => [r.paddingLo[r.dims - 1 - i], r.paddingHi[r.dims - 1 - i]]),
        r.paddingMode === 'zeros' ? 'constant' : r.paddingMode,
      );

  const xs = stridesOf(x.shape);
  const ws = stridesOf(w.shape);
  const ys = stridesOf(y.shape);
  // Which elements to explain: all of them, or the ones asked for (checked against the shapes first).
  const bShape = b === null ? null : b.shape;
  const wanted =
    config.elements === undefined
      ? null
      : checkElements(config.elements === 'worked' ? workedElements(w.shape, bShape, x.shape) : config.elements, w.shape, bShape, x.shape);
  // The terms this explanation would collect, checked against the budget before any is made.
  const outPositions = numelOf(r.transposed ? r.inputSize : r.outputSize) * r.batch;
  const products = (r.transposed ? x.numel * (r.outChannels / r.groups) : y.numel * (r.inChannels / r.groups)) * numelOf(r.kernelSize);
  const termsOf = (kind: ExplainElement['kind']): number =>
    kind === 'w' ? outPositions : kind === 'b' ? numelOf(r.outputSize) * r.batch : r.outChannels * numelOf(r.kernelSize);
  const terms = wanted === null ? 2 * products + (b === null ? 0 : y.numel) : wanted.reduce((n, e) => n + termsOf(e.kind), 0);
  if (terms > MAX_EXPLAINED_TERMS) {
    throw new Error(
      `explain: this explanation would list ${terms} terms (about ${Math.ceil((terms * 200) / 2 ** 20)} MB); the limit is ${MAX_EXPLAINED_TERMS}. ` +
        (wanted === null
          ? 'Explain single elements instead: --element w:…|b:…|x:… (explain({ elements: [{ kind, index }] }))'
          : 'An element of dw or db has one term per output position: use a smaller input (or batch) to explain it'),
    );
  }
  const entries = <T>(kind: ExplainElement['kind'], shape: readonly number[], grads: Tensor): ElementExplanation<T>[] => {
    const strides = stridesOf(shape);
    const list = wanted === null ? [...indices(shape)] : wanted.filter((e) => e.kind === kind).map((e) => [...e.index]);
    return list.map((index) => ({ index, value: 0, autograd: grads.data[ravel(index, strides)], terms: [] as T[] }));
  };
  const weight = entries<WeightTerm>('w', w.shape, dw);
  const input = entries<InputTerm>('x', x.shape, dx);
  const bias = b === null ? [] : entries<BiasTerm>('b', b.shape, db!);
  // Flat offset → the entry explaining it (only the explained elements have one).
  const byOffset = <T>(list: ElementExplanation<T>[], strides: number[]): Map<number, ElementExplanation<T>> =>
    new Map(list.map((e) => [ravel(e.index, strides), e]));
  const weightAt = byOffset(weight, ws);
  const inputAt = byOffset(input, xs);
  const biasAt = new Map(bias.map((e) => [e.index[0], e]));
  const K = r.kernelSize;
  const cinG = r.inChannels / r.groups;
  const coutG = r.outChannels / r.groups;

  if (!r.transposed) {
    const kappas = [...indices(K)];
    const weightsOnly = wanted !== null && !wanted.some((e) => e.kind === 'x');
    // Per dimension: which input index each padded position copies (−1: a zero-padding cell).
    const source = r.inputSize.map((L, d) =>
      padIndexMap(L, r.paddingLo[d], r.paddingHi[d], r.paddingMode === 'zeros' ? 'constant' : r.paddingMode),
    );
    // Explaining only weights (or biases): per output channel, the (c, κ) pairs wanted; every other product is skipped
    // without a lookup (one element of dw at 32×32, 8→16, k5 visits 900 outputs, not 2.9 million products).
    const wantedPairs = new Map<number, number[]>();
    if (weightsOnly)
      for (const at of weightAt.keys()) {
        const o = Math.floor(at / (cinG * kappas.length));
        wantedPairs.set(o, [...(wantedPairs.get(o) ?? []), at % (cinG * kappas.length)]);
      }
    const allPairs = Array.from({ length: cinG * kappas.length }, (_, k) => k);
    for (const out of indices(y.shape)) {
      const [n, o, ...i] = out;
      const pairs = weightsOnly ? (wantedPairs.get(o) ?? []) : allPairs;
      if (pairs.length === 0 && !biasAt.has(o)) continue;
      const dyv = dy.data[ravel(out, ys)];
      biasAt.get(o)?.terms.push({ output: out, dy: dyv });
      const g = Math.floor(o / coutG);
      for (const pair of pairs) {
        const c = Math.floor(pair / kappas.length);
        const kFlat = pair % kappas.length;
        const cg = g * cinG + c;
        const kappa = kappas[kFlat];
        const wAt = (o * cinG + c) * kappas.length + kFlat;
        const P = i.map((iv, d) => iv * r.stride[d] + kappa[d] * r.dilation[d]); // position in the padded input
        const src = P.map((p, d) => source[d][p]);
        const real = src.every((s) => s >= 0);
        const xIndex = real ? [n, cg, ...src] : null;
        const wIndex = [o, c, ...kappa];
        const xv = xIndex === null ? 0 : x.data[ravel(xIndex, xs)];
        weightAt.get(wAt)?.terms.push({ output: out, padded: [n, cg, ...P], input: xIndex, x: xv, dy: dyv });
        if (xIndex !== null)
          inputAt.get(ravel(xIndex, xs))?.terms.push({ weight: wIndex, output: out, padded: [n, cg, ...P], w: w.data[wAt], dy: dyv });
      }
    }
  } else {
    // y_t[n, g·C_out/G + c, i·s + κ·d − p] += w[ci, c, κ] · x_t[n, ci, i]; positions cut by padding are dropped.
    for (const inIndex of indices(x.shape)) {
      const [n, ci, ...i] = inIndex;
      const g = Math.floor(ci / cinG);
      const xv = x.data[ravel(inIndex, xs)];
      for (let c = 0; c < coutG; c++) {
        const co = g * coutG + c;
        for (const kappa of indices(K)) {
          const j = i.map((iv, d) => iv * r.stride[d] + kappa[d] * r.dilation[d] - r.paddingLo[d]);
          const inside = j.every((jv, d) => jv >= 0 && jv < r.outputSize[d]);
          const out = inside ? [n, co, ...j] : null;
          const dyv = out === null ? 0 : dy.data[ravel(out, ys)];
          const wIndex = [ci, c, ...kappa];
          const wAt = ravel(wIndex, ws);
          weightAt.get(wAt)?.terms.push({ output: out, padded: null, input: inIndex, x: xv, dy: dyv });
          inputAt.get(ravel(inIndex, xs))?.terms.push({ weight: wIndex, output: out, padded: null, w: w.data[wAt], dy: dyv });
        }
      }
    }
    if (bias.length > 0) for (const out of indices(y.shape)) biasAt.get(out[1])?.terms.push({ output: out, dy: dy.data[ravel(out, ys)] });
  }
  for (const e of weight) e.value = e.terms.reduce((s, t) => s + t.x * t.dy, 0);
  for (const e of bias) e.value = e.terms.reduce((s, t) => s + t.dy, 0);
  for (const e of input) e.value = e.terms.reduce((s, t) => s + t.w * t.dy, 0);

  return {
    config: r,
    loss,
    x: x.detach(),
    xPadded,
    w: w.detach(),
    b: b === null ? null : b.detach(),
    y: y.detach(),
    dy,
    dw,
    db,
    dx,
    weight,
    bias,
    input,
    closedForm: closedForms(r, loss),
  };
}

function closedForms(r: ResolvedConfig, loss: LossInfo): Explanation['closedForm'] {
  const L = r.outputSize.join('·');
  const M = `N·C_out·${r.outputSize.map((_, d) => `L${d}`).join('·')} = ${r.batch}·${r.outChannels}·${L} = ${loss.count ?? ''}`;
  const weighting = loss.kind === 'mean' ? `1/M · Σ S, with M = ${M}` : loss.kind === 'sum' ? 'Σ S (dy = 1 everywhere)' : 'Σ x̃·dy';
  const where = r.transposed
    ? 'S: the input elements x[n, ci, i] this weight multiplied, at every input position i whose product lands inside the output'
    : 'S: the padded-input elements x̃[n, g·C_in/G + c, i·s + κ·d] this weight multiplied, one per output position (zero-padding cells add 0' +
      (r.paddingMode === 'zeros' ? ')' : `; ${r.paddingMode} cells copy real elements)`);
  return {
    weight: `dw[o, c, κ] = Σ_{n, i} x̃ · dy = ${weighting}; ${where}`,
    bias:
      loss.kind === 'mean'
        ? `db[o] = Σ_{n, i} dy[n, o, i] = (N·∏L_out)/M = 1/C_out = 1/${r.outChannels}`
        : loss.kind === 'sum'
          ? `db[o] = Σ_{n, i} dy[n, o, i] = N·∏L_out = ${r.batch}·${L}`
          : 'db[o] = Σ_{n, i} dy[n, o, i]',
    input:
      loss.kind === 'mean'
        ? `dx[n, c, j] = Σ w·dy = 1/M · Σ W, with M = ${M}; W: the weights that multiplied this element (through padding copies too)`
        : loss.kind === 'sum'
          ? 'dx[n, c, j] = Σ W: the weights that multiplied this element (through padding copies too)'
          : 'dx[n, c, j] = Σ w·dy over every (weight, output position) pair that read this element',
  };
}
