// explainLayer: the explanation of a conv layer's gradients inside a real network, on a real batch. A
// forward hook captures the layer's input x and output y; the loss's gradient at y is dy; the layer's
// own configuration (channels, kernel, stride, padding, …) comes from the module. With x, w, b and dy,
// `explain` lists every product of the asked-for elements of dw, db and dx, exactly as for a standalone
// convolution, and checks them against autograd.
import type { Tensor } from '../tensor/tensor.js';
import { grad } from '../autograd/backward.js';
import { crossEntropy, mseLoss } from '../ops/index.js';
import type { Module } from '../nn/module.js';
import { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from '../nn/conv.js';
import { checkOptionKeys } from '../tensor/options.js';
import { explain } from './explain.js';
import type { ExplainElement, Explanation } from './types.js';

/** The loss the gradient comes from: cross-entropy (int64 class targets), mean squared error, or your own. */
export type LayerLoss = 'crossEntropy' | 'mse' | ((output: Tensor, target: Tensor) => Tensor);

/** Options of {@link explainLayer}: the batch, the loss and the layer. */
export interface ExplainLayerOptions {
  /** A batch of inputs, as the model takes them. */
  input: Tensor;
  /** The targets of the batch (class indices for cross-entropy). */
  target: Tensor;
  /** Default: cross-entropy for int64 targets, mean squared error for float ones. */
  loss?: LayerLoss;
  /** The conv layer, by its state-dict name: '3', 'layers.1.conv1'. */
  layer: string;
  /** The elements to explain ({ kind: 'w' | 'b' | 'x', index }), or 'worked' (one of each); default: 'worked'. */
  elements?: readonly ExplainElement[] | 'worked';
}

/** What {@link explainLayer} returns: the layer's explanation, its name, the loss value and the graph. */
export interface LayerExplanation extends Explanation {
  /** The layer's name in the model. */
  layer: string;
  /** The loss on the batch. */
  lossValue: number;
  /** The loss and the layer's output, with their graph kept: explainChain(graph.loss, graph.output, index) explains an element of dy. */
  graph: {
    /** The loss, a 0-d tensor. */
    loss: Tensor;
    /** The layer's output y. */
    output: Tensor;
  };
}

type ConvModule = Conv1d | Conv2d | Conv3d | ConvTranspose1d | ConvTranspose2d | ConvTranspose3d;
const CONVS = [Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d];
const isConv = (m: Module): m is ConvModule => CONVS.some((C) => m instanceof C);

/**
 * Runs the model forward and backward on one batch (in its current train/eval mode; the parameters'
 * .grad are left alone) and explains elements of the named conv layer's dw, db and dx.
 */
export function explainLayer(model: Module, options: ExplainLayerOptions): LayerExplanation {
  const op = 'explainLayer';
  if (typeof (model as Partial<Module>)?.namedModules !== 'function') throw new Error(`${op}: model must be a Module`);
  if (typeof options !== 'object' || options === null) throw new Error(`${op}: options must be { input, target, layer, elements?, loss? }`);
  checkOptionKeys(options, ['input', 'target', 'loss', 'layer', 'elements'], op);
  const convs = model.namedModules().filter(([, m]) => isConv(m));
  const found = model.namedModules().find(([name]) => name === options.layer);
  const names = convs.map(([n]) => JSON.stringify(n)).join(', ') || 'none';
  if (found === undefined)
    throw new Error(`${op}: layer=${JSON.stringify(options.layer)} is not a module of the model; its conv layers are ${names}`);
  const layer = found[1];
  if (!isConv(layer))
    throw new Error(
      `${op}: layer=${JSON.stringify(options.layer)} is a ${layer.constructor.name}, not a convolution; the model's conv layers are ${names}`,
    );
  const { input, target } = options;
  const loss = options.loss ?? (target?.dtype === 'int64' ? 'crossEntropy' : 'mse');
  const lossOf = (out: Tensor): Tensor =>
    typeof loss === 'function' ? loss(out, target) : loss === 'crossEntropy' ? crossEntropy(out, target) : mseLoss(out, target);
  if (typeof loss !== 'function' && loss !== 'crossEntropy' && loss !== 'mse')
    throw new Error(
      `${op}: loss=${JSON.stringify(loss)} is invalid; expected 'crossEntropy', 'mse' or a function (output, target) => Tensor`,
    );

  const calls: { x: Tensor; y: Tensor }[] = [];
  const handle = layer.registerForwardHook((_m, inputs, y) => {
    calls.push({ x: inputs[0], y });
  });
  let value: Tensor;
  try {
    value = lossOf(model.forward(input));
  } finally {
    handle.remove();
  }
  if (calls.length !== 1)
    throw new Error(
      `${op}: layer ${JSON.stringify(options.layer)} ran ${calls.length} times in the forward pass; expected once (a layer used twice has two dy)`,
    );
  if (value.numel !== 1) throw new Error(`${op}: the loss has shape [${value.shape.join(', ')}]; expected a single number`);
  const { x, y } = calls[0];
  if (!y.requiresGrad) throw new Error(`${op}: the layer's output does not require grad (are its parameters frozen, or is grad mode off?)`);
  const [dy] = grad([value], [y], { allowUnused: true, retainGraph: true });
  if (dy === null) throw new Error(`${op}: the loss does not depend on layer ${JSON.stringify(options.layer)}'s output`);

  // An unbatched call (C, …) is explained as a batch of one.
  const batched = x.ndim === layer.dims + 2;
  const xs = batched ? x.detach() : x.detach().unsqueeze(0);
  const dys = batched ? dy.detach() : dy.detach().unsqueeze(0);
  const e = explain({
    inputSize: xs.shape.slice(2),
    batch: xs.shape[0],
    inChannels: layer.inChannels,
    outChannels: layer.outChannels,
    kernelSize: layer.kernelSize,
    stride: layer.stride,
    padding: layer.padding,
    dilation: layer.dilation,
    groups: layer.groups,
    paddingMode: layer.paddingMode,
    bias: layer.bias !== null,
    transposed: layer.transposed,
    outputPadding: layer.outputPadding,
    dtype: xs.dtype,
    input: xs,
    weight: layer.weight.detach(),
    ...(layer.bias === null ? {} : { biasValues: layer.bias.detach() }),
    dy: dys,
    elements: options.elements ?? 'worked',
  });
  return { ...e, layer: options.layer, lossValue: value.item(), graph: { loss: value, output: y } };
}
