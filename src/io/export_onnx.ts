// ONNX export of Sequential models: each module becomes its ONNX operator (opset 17) with the weights as
// initializers, written as protobuf by hand (the few messages an ONNX model needs). Conv, ConvTranspose,
// BatchNorm (eval), ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, GELU (as erf), max / average / global average
// pooling, Flatten, Linear (Gemm), Dropout and Identity (eval: identity). Verified in onnxruntime-node.
import { Module } from '../nn/module.js';
import { Sequential, Flatten, Dropout, Identity } from '../nn/container.js';
import { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/normalization.js';
import { ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, GELU } from '../nn/activation.js';
import { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d } from '../nn/pooling.js';
import type { Tensor } from '../tensor/tensor.js';
import { withGradMode } from '../autograd/mode.js';
import { samePadding } from '../tensor/conv_params.js';

// ---- protobuf ----

/** A protobuf message being written: fields appended as (number, wire type, bytes). */
class Message {
  private readonly parts: number[] = [];

  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) byte |= 0x80;
      this.parts.push(byte);
    } while (x !== 0n);
  }

  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(BigInt(v));
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.parts.push(...b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(BigInt(b.length));
    for (const x of b) this.parts.push(x);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Message): this {
    return this.bytes(field, m.done());
  }

  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const FLOAT = 1;

function tensorProto(name: string, t: Tensor): Message {
  const m = new Message();
  for (const d of t.shape) m.int(1, d);
  m.int(2, FLOAT);
  m.string(8, name);
  const raw = new Uint8Array(4 * t.numel);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < t.numel; i++) view.setFloat32(4 * i, t.data[i], true);
  return m.bytes(9, raw);
}

type Attribute = number | number[] | { float: number } | { text: string };

function attribute(name: string, v: Attribute): Message {
  const m = new Message().string(1, name);
  if (typeof v === 'number') return m.int(3, v).int(20, 2);
  if (Array.isArray(v)) {
    for (const x of v) m.int(8, x);
    return m.int(20, 7);
  }
  if ('text' in v) return m.bytes(4, new TextEncoder().encode(v.text)).int(20, 3);
  return m.float(2, v.float).int(20, 1);
}

function valueInfo(name: string, shape: (number | string)[]): Message {
  const dims = new Message();
  for (const d of shape) dims.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, FLOAT).message(2, dims);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

// ---- the graph ----

interface Graph {
  nodes: Message[];
  initializers: Message[];
  count: number;
}

function node(g: Graph, op: string, inputs: string[], attrs: Record<string, Attribute> = {}): string {
  const out = `${op.toLowerCase()}_${g.count++}`;
  const m = new Message();
  for (const i of inputs) m.string(1, i);
  m.string(2, out).string(3, out).string(4, op);
  for (const [k, v] of Object.entries(attrs)) m.message(5, attribute(k, v));
  g.nodes.push(m);
  return out;
}

function initializer(g: Graph, name: string, t: Tensor): string {
  g.initializers.push(tensorProto(name, t.detach()));
  return name;
}

const per = (v: number | readonly number[], dims: number): number[] => (typeof v === 'number' ? new Array<number>(dims).fill(v) : [...v]);

/** One module's nodes after `x`; returns the name of its output. */
function emit(g: Graph, m: Module, x: string, path: string): string {
  if (m instanceof Sequential) {
    for (const [key, child] of m.namedChildren()) x = emit(g, child, x, path === '' ? key : `${path}.${key}`);
    return x;
  }
  const param = (name: string, t: Tensor): string => initializer(g, path === '' ? name : `${path}.${name}`, t);
  if (m instanceof Conv1d || m instanceof Conv2d || m instanceof Conv3d) {
    const dims = m.kernelSize.length;
    let lo: number[];
    let hi: number[];
    if (m.padding === 'valid') [lo, hi] = [new Array<number>(dims).fill(0), new Array<number>(dims).fill(0)];
    else if (m.padding === 'same') {
      const split = m.kernelSize.map((k, d) => samePadding(k, m.dilation[d]));
      [lo, hi] = [split.map((s) => s[0]), split.map((s) => s[1])];
    } else [lo, hi] = [[...m.padding], [...m.padding]];
    let input = x;
    if (m.paddingMode !== 'zeros' && lo.concat(hi).some((p) => p > 0)) {
      // Non-zero padding modes: an explicit Pad (reflect, edge, wrap) before a convolution without padding.
      const padsName = `${path}.pads`;
      g.initializers.push(int64Proto(padsName, [0, 0, ...lo, 0, 0, ...hi]));
      const mode = m.paddingMode === 'reflect' ? 'reflect' : m.paddingMode === 'replicate' ? 'edge' : 'wrap';
      input = node(g, 'Pad', [x, padsName], { mode: { text: mode } });
      [lo, hi] = [lo.map(() => 0), hi.map(() => 0)];
    }
    const inputs = [input, param('weight', m.weight)];
    if (m.bias !== null) inputs.push(param('bias', m.bias));
    return node(g, 'Conv', inputs, {
      kernel_shape: m.kernelSize,
      strides: m.stride,
      pads: [...lo, ...hi],
      dilations: m.dilation,
      group: m.groups,
    });
  }
  if (m instanceof ConvTranspose1d || m instanceof ConvTranspose2d || m instanceof ConvTranspose3d) {
    const inputs = [x, param('weight', m.weight)];
    if (m.bias !== null) inputs.push(param('bias', m.bias));
    const p = m.padding as number[];
    return node(g, 'ConvTranspose', inputs, {
      kernel_shape: m.kernelSize,
      strides: m.stride,
      pads: [...p, ...p],
      dilations: m.dilation,
      group: m.groups,
      output_padding: m.outputPadding,
    });
  }
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) {
    const bn = m as unknown as {
      weight: Tensor | null;
      bias: Tensor | null;
      runningMean: Tensor | null;
      runningVar: Tensor | null;
      eps: number;
      numFeatures: number;
    };
    if (bn.runningMean === null || bn.runningVar === null)
      throw new Error(`exportOnnx: ${path} is a BatchNorm without running statistics; ONNX's BatchNormalization needs them (eval mode)`);
    const ones = (bn.weight ?? bn.runningVar).detach().mul(0).add(1);
    const zeros = (bn.bias ?? bn.runningMean).detach().mul(0);
    return node(
      g,
      'BatchNormalization',
      [
        x,
        param('weight', bn.weight ?? ones),
        param('bias', bn.bias ?? zeros),
        param('running_mean', bn.runningMean),
        param('running_var', bn.runningVar),
      ],
      { epsilon: { float: bn.eps } },
    );
  }
  if (m instanceof ReLU) return node(g, 'Relu', [x]);
  if (m instanceof Sigmoid) return node(g, 'Sigmoid', [x]);
  if (m instanceof Tanh) return node(g, 'Tanh', [x]);
  if (m instanceof LeakyReLU)
    return node(g, 'LeakyRelu', [x], { alpha: { float: (m as unknown as { negativeSlope: number }).negativeSlope } });
  if (m instanceof Softmax) return node(g, 'Softmax', [x], { axis: m.dim });
  if (m instanceof GELU) {
    if (m.approximate !== 'none')
      throw new Error(`exportOnnx: ${path} is GELU(approximate='tanh'); the exporter writes the exact (erf) form only`);
    // gelu(x) = x · (1 + erf(x / √2)) / 2, from opset-17 operators.
    const c = (name: string, v: number): string => {
      g.initializers.push(floatScalar(`${path}.${name}`, v));
      return `${path}.${name}`;
    };
    const e = node(g, 'Erf', [node(g, 'Div', [x, c('sqrt2', Math.SQRT2)])]);
    return node(g, 'Mul', [node(g, 'Mul', [x, node(g, 'Add', [e, c('one', 1)])]), c('half', 0.5)]);
  }
  if (m instanceof MaxPool1d || m instanceof MaxPool2d) {
    const dims = m instanceof MaxPool1d ? 1 : 2;
    const k = per(m.kernelSize, dims);
    const p = per(m.padding, dims);
    return node(g, 'MaxPool', [x], {
      kernel_shape: k,
      strides: per(m.stride ?? m.kernelSize, dims),
      pads: [...p, ...p],
      dilations: per(m.dilation, dims),
      ceil_mode: m.ceilMode ? 1 : 0,
    });
  }
  if (m instanceof AvgPool1d || m instanceof AvgPool2d) {
    if (m.divisorOverride !== null) throw new Error(`exportOnnx: ${path} has divisorOverride, which ONNX's AveragePool lacks`);
    const dims = m instanceof AvgPool1d ? 1 : 2;
    const p = per(m.padding, dims);
    return node(g, 'AveragePool', [x], {
      kernel_shape: per(m.kernelSize, dims),
      strides: per(m.stride ?? m.kernelSize, dims),
      pads: [...p, ...p],
      ceil_mode: m.ceilMode ? 1 : 0,
      count_include_pad: m.countIncludePad ? 1 : 0,
    });
  }
  if (m instanceof AdaptiveAvgPool1d || m instanceof AdaptiveAvgPool2d) {
    if (per(m.outputSize, m instanceof AdaptiveAvgPool1d ? 1 : 2).some((s) => s !== 1))
      throw new Error(
        `exportOnnx: ${path} pools to ${JSON.stringify(m.outputSize)}; the exporter writes adaptive pooling to 1 (GlobalAveragePool)`,
      );
    return node(g, 'GlobalAveragePool', [x]);
  }
  if (m instanceof Flatten) {
    const f = m as unknown as { startDim: number; endDim: number };
    if (f.endDim !== -1) throw new Error(`exportOnnx: ${path} flattens up to dimension ${f.endDim}; ONNX's Flatten goes to the last`);
    return node(g, 'Flatten', [x], { axis: f.startDim });
  }
  if (m instanceof Linear) {
    const inputs = [x, param('weight', m.weight)];
    if (m.bias !== null) inputs.push(param('bias', m.bias));
    return node(g, 'Gemm', inputs, { transB: 1 });
  }
  if (m instanceof Dropout || m instanceof Identity) return x; // eval: the identity
  throw new Error(
    `exportOnnx: ${path === '' ? 'the model' : `module ${JSON.stringify(path)}`} is a ${m.constructor.name}, which the ONNX exporter does not write`,
  );
}

function int64Proto(name: string, values: number[]): Message {
  const m = new Message().int(1, values.length).int(2, 7); // INT64
  m.string(8, name);
  const raw = new Uint8Array(8 * values.length);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return m.bytes(9, raw);
}

function floatScalar(name: string, v: number): Message {
  const m = new Message().int(2, FLOAT).string(8, name);
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setFloat32(0, v, true);
  return m.bytes(9, raw);
}

/**
 * The graph of any Module, traced: the forward runs once on `x` (eval mode) with forward hooks on its leaf
 * modules; walking back from the output through the autograd graph, a tensor a leaf module made becomes
 * that module's nodes (emit), and the functional ops between them (a residual add, F.relu, a flatten, a
 * global average pool) become theirs, read from their gradient nodes' names and shapes.
 */
function trace(g: Graph, model: Module, x: Tensor): { out: string; y: Tensor } {
  const made = new Map<Tensor, { module: Module; path: string; input: Tensor }>();
  const leaves = model.namedModules().filter(([path, m]) => path !== '' && m.namedChildren().length === 0 && !(m instanceof Sequential));
  const handles = leaves.map(([path, m]) =>
    m.registerForwardHook((_m, inputs, y) => {
      made.set(y, { module: m, path, input: inputs[0] });
    }),
  );
  const input = x.detach().requiresGrad_();
  let y: Tensor;
  try {
    y = withGradMode(true, () => model.forward(input));
  } finally {
    for (const h of handles) h.remove();
  }
  const names = new Map<Tensor, string>([[input, 'input']]);
  const nameOf = (t: Tensor): string => {
    const known = names.get(t);
    if (known !== undefined) return known;
    let name: string;
    const m = made.get(t);
    if (m !== undefined) name = emit(g, m.module, nameOf(m.input), m.path);
    else {
      const fn = t.gradFn;
      const args = (fn?.inputs ?? []).filter((i): i is Tensor => i !== null);
      switch (fn?.name) {
        case 'ReluBackward0':
          name = node(g, 'Relu', [nameOf(args[0])]);
          break;
        case 'AddBackward0':
          name = node(g, 'Add', [nameOf(args[0]), nameOf(args[1])]);
          break;
        case 'MeanBackward1':
        case 'AdaptiveAvgPool2DBackward0':
          if (t.ndim === 4 && t.shape[2] === 1 && t.shape[3] === 1) {
            name = node(g, 'GlobalAveragePool', [nameOf(args[0])]);
            break;
          }
          throw new Error(`exportOnnx: a mean to shape [${t.shape.join(', ')}]; the tracer writes global average pooling only`);
        case 'ReshapeAliasBackward0':
        case 'ViewBackward0':
        case 'UnsafeViewBackward0': {
          // The batch dimension kept free (0: copy it), the rest as traced.
          const shapeName = `reshape_${g.count}.shape`;
          g.initializers.push(int64Proto(shapeName, [0, ...t.shape.slice(1)]));
          name = node(g, 'Reshape', [nameOf(args[0]), shapeName]);
          break;
        }
        default:
          throw new Error(
            `exportOnnx: the forward uses ${fn === null || fn === undefined ? 'a tensor from outside the graph' : fn.name.replace(/Backward\d*$/, '')} outside a module; the tracer writes modules and relu, add, flatten and global average pooling between them`,
          );
      }
    }
    names.set(t, name);
    return name;
  };
  return { out: nameOf(y), y };
}

/**
 * An ONNX model (opset 17) of `model` in eval form, for inputs shaped like `exampleInput` (the batch
 * dimension left free): the bytes of a .onnx file, input "input", output "output". A Sequential is written
 * module by module; any other Module is traced through its forward (residual blocks included).
 */
export function exportOnnx(model: Module, exampleInput: Tensor): Uint8Array {
  if (!(model instanceof Module)) throw new Error(`exportOnnx: model must be a Module; got ${String(model)}`);
  const g: Graph = { nodes: [], initializers: [], count: 0 };
  const wasTraining = model.training;
  model.eval();
  let out: string;
  let y: Tensor;
  try {
    if (model instanceof Sequential) {
      out = emit(g, model, 'input', '');
      y = withGradMode(false, () => model.forward(exampleInput.detach()));
    } else ({ out, y } = trace(g, model, exampleInput));
  } finally {
    if (wasTraining) model.train();
  }
  const graph = new Message();
  for (const n of g.nodes) graph.message(1, n);
  // The last node's output is renamed "output" by an Identity, so the graph has a stable output name.
  graph.message(1, new Message().string(1, out).string(2, 'output').string(3, 'output').string(4, 'Identity'));
  graph.string(2, 'convgrad');
  for (const i of g.initializers) graph.message(5, i);
  graph.message(11, valueInfo('input', ['batch', ...exampleInput.shape.slice(1)]));
  graph.message(12, valueInfo('output', ['batch', ...y.shape.slice(1)]));
  return new Message()
    .int(1, 8)
    .string(2, 'convgrad')
    .string(3, '0.1.0')
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, 17))
    .done();
}
