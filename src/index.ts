// convgrad: convolution layers forward and backward exactly as PyTorch computes them.
import './ops/index.js';

export { Tensor, tensor } from './tensor/tensor.js';
export { isFloating } from './tensor/tensor.js';
export type {
  DType,
  FloatDType,
  NestedArray,
  TensorOptions,
  GradFn,
  BackwardOptions,
  Storage,
  Scalar,
  TensorOrScalar,
  GradHook,
  RemovableHandle,
} from './tensor/tensor.js';
export {
  zeros,
  ones,
  full,
  arange,
  range,
  rand,
  randn,
  randint,
  randperm,
  uniform_,
  normal_,
  zerosLike,
  onesLike,
  randnLike,
} from './tensor/creation.js';
export type { FactoryOptions, RandomOptions } from './tensor/creation.js';
export { manualSeed, Generator, getRngState, setRngState } from './tensor/random.js';
export { elementFormatter } from './tensor/format.js';
export { kaimingUniform_, kaimingNormal_, xavierUniform_, xavierNormal_, calculateGain } from './nn/init.js';
export type { PaddingMode, PaddingArg, IntOrTuple } from './tensor/conv_params.js';
export { grad, backward } from './autograd/backward.js';
export type { GradOptions } from './autograd/backward.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/mode.js';
export { tidy } from './tensor/resident.js';
export { gradcheck, gradgradcheck, GradcheckError } from './autograd/gradcheck.js';
export type { GradcheckOptions, GradgradcheckOptions, GradcheckFn } from './autograd/gradcheck.js';
export * from './ops/index.js';
export { getBackend, setBackend, backendInfo, kernelInventory } from './kernels/index.js';
export type { BackendInfo } from './kernels/index.js';
/** Every op as a function, as `torch.nn.functional` (the same functions the top level exports). */
export * as F from './functional.js';
/** Layers, containers, losses and initialization, as `torch.nn`. */
export * as nn from './nn/index.js';
/** Optimizers (SGD, Adam, AdamW) and learning-rate schedulers, as `torch.optim`. */
export * as optim from './optim/index.js';
/** Data: the built-in digits, IDX files (MNIST, Fashion-MNIST), image folders, TensorDataset, DataLoader and transforms. */
export * as datasets from './data/index.js';
/** Image transforms on [C, H, W] tensors, as torchvision's `transforms`. */
export * as transforms from './data/transforms.js';
/** Reading and writing safetensors files, checkpoints, and exporting to PyTorch and ONNX. */
export * as safetensors from './io/index.js';
export {
  save,
  load,
  saveCheckpoint,
  loadCheckpoint,
  exportPyTorch,
  exportOnnx,
  type Checkpoint,
  type LoadedCheckpoint,
  type ModelLike,
  type OptimizerLike,
  type SchedulerLike,
  type OptimizerState,
} from './io/index.js';
export { DataLoader, TensorDataset, randomSplit, type Batch, type DataLoaderOptions } from './data/index.js';
export { explain, MAX_EXPLAINED_TERMS } from './explain/explain.js';
export { explainLayer, type ExplainLayerOptions, type LayerExplanation, type LayerLoss } from './explain/layer.js';
export { explainChain, renderChain, type ChainStep, type ChainConsumer, type ChainTerm } from './explain/chain.js';
export {
  renderText as renderExplanation,
  renderElement,
  elementEquation,
  agrees as agreesWithAutograd,
  type ElementRef,
  type ElementKind,
  type TextOptions,
} from './explain/render_text.js';
export type {
  ExplainConfig,
  ExplainElement,
  Explanation,
  ElementExplanation,
  WeightTerm,
  BiasTerm,
  InputTerm,
  ResolvedConfig,
  LossInfo,
  ExplainLoss,
  ExplainInput,
} from './explain/types.js';
export { setNumThreads, getNumThreads, threadsReady } from './kernels/wasm/runtime.js';
export type { BackendName } from './kernels/index.js';
