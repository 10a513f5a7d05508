// The Tensor: a contiguous Float32Array or Float64Array with a shape, and the autograd fields.
// Differentiable methods are added by the op files that define them (defineMethods below, with the
// types declared beside them), so imports flow one way: tensor ← autograd ← ops.
import { checkOptionKeys } from './options.js';
import { formatTensor } from './format.js';
import { checkShape, formatShape, numelOf, stridesOf } from './shape.js';
import { DISPOSED, moveOutBlock, trackResident } from './resident.js';
import { allocate } from './storage.js';

/**
 * The element types. Integer (`int64`) and `bool` tensors hold exact integers in a Float64Array, so
 * every kernel sees one of two storage types; int64 values are exact up to ±2^53.
 */
export type DType = 'float32' | 'float64' | 'int64' | 'bool';
/** The dtypes that can carry gradients. */
export type FloatDType = 'float32' | 'float64';
/** A tensor's flat data: float32 in a Float32Array; float64, int64 and bool in a Float64Array. */
export type Storage = Float32Array | Float64Array;

/** True for float32 and float64 (PyTorch's `dtype.is_floating_point`). */
export function isFloating(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}
/** Nested number arrays, like Python lists given to torch.tensor. */
export type NestedArray = number | readonly NestedArray[];

/** A node of the autograd graph: how to turn the gradient of an output into gradients of its inputs. */
export interface GradFn {
  /** PyTorch's name for the node, e.g. `ConvolutionBackward0`. */
  readonly name: string;
  /** The differentiable inputs of the op, null where an input is absent (e.g. no bias). */
  readonly inputs: readonly (Tensor | null)[];
  /** True once a backward pass without retainGraph has freed the saved tensors. */
  readonly released: boolean;
  /** True where apply runs user code (a module's backward hooks): backward hands it gradients in JavaScript arrays it may keep. */
  readonly runsUserCode?: boolean;
  /** Gradients of the inputs given the output's gradient; `needs[i]` says which are wanted. */
  apply(dy: Tensor, needs: readonly boolean[]): (Tensor | null)[];
  /** Frees the saved tensors (backward does this unless retainGraph is set); a later apply() throws. */
  release(): void;
}

/** Options of {@link Tensor.backward}. */
export interface BackwardOptions {
  /** Keep the saved tensors so the graph can be walked again (default false). */
  retainGraph?: boolean;
  /** Build a graph of the backward pass itself, for double backward (default false). */
  createGraph?: boolean;
}

/** A plain number where a tensor is accepted: it takes the other operand's dtype, as a Python scalar does. */
export type Scalar = number;
/** A tensor or a plain number. */
export type TensorOrScalar = Tensor | Scalar;

/** A tensor's gradient hook: sees the gradient, may return a replacement. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing leaves the gradient as it is
export type GradHook = (grad: Tensor) => Tensor | undefined | void;

/** What registering a hook returns: remove() unregisters it (PyTorch's RemovableHandle). */
export interface RemovableHandle {
  /** Unregisters the hook; a second call does nothing. */
  remove(): void;
}

/** Appends `item` to `list`; the handle's remove() takes it out again (once). Every hook list registers through here. */
export function addToList<T>(list: T[], item: T): RemovableHandle {
  list.push(item);
  return {
    remove: () => {
      const i = list.indexOf(item);
      if (i >= 0) list.splice(i, 1);
    },
  };
}

/**
 * The version counters, kept outside the tensors so only this module (through bumpVersion) changes them;
 * a tensor never changed in place has none (its version is 0). (A symbol-keyed field did this before, but
 * TypeScript's incremental builds lost track of it after an edit of this file.)
 */
const versions = new WeakMap<Tensor, number>();

/** Records an in-place change of t's data (writing to .data directly does not: as in PyTorch); returns t. Internal. */
export function bumpVersion<T extends Tensor>(t: T): T {
  versions.set(t, (versions.get(t) ?? 0) + 1);
  return t;
}

function disposedError(what: string, block: number): Error {
  return new Error(
    block === DISPOSED
      ? `${what}: this tensor was made inside tidy() and freed when tidy returned; return it from the tidy function to keep it`
      : `${what}: this tensor is an activation inside a Sequential, freed with the graph's saved tensors by backward; ` +
          'pass { retainGraph: true } to backward to keep it',
  );
}

/**
 * An n-dimensional array with autograd, as PyTorch's `torch.Tensor`: contiguous row-major data, a shape, a
 * dtype and, once it takes part in a differentiable op, a node of the autograd graph. Make one with
 * {@link tensor}, {@link zeros}, {@link randn} and the other factories; ops are both functions (`add(a, b)`)
 * and methods (`a.add(b)`).
 */
export class Tensor {
  #storage: Storage;
  /** The block of the backend's memory the storage lies in while it is forward-resident, -1 when not, DISPOSED after tidy() freed it, RELEASED after backward did. Internal (resident.ts). */
  residentBlock = -1;

  /**
   * Where the elements lie now. Internal: a forward output may lie in the fast backend's memory
   * (resident.ts), where it is moved out to a JavaScript array later; library ops read and write it
   * within one call and never keep it past the call (read it once into a local before a loop: each read
   * checks for a tensor tidy() freed, which V8 does not lift out of the loop). Everyone else uses {@link data}.
   */
  get storage(): Storage {
    if (this.residentBlock < -1) throw disposedError('storage', this.residentBlock);
    return this.#storage;
  }

  /**
   * The elements in row-major order (C order); see {@link Storage} for which array holds which dtype.
   * An array you may keep: where the tensor lay in the fast backend's memory, it is moved out first.
   */
  get data(): Storage {
    if (this.residentBlock !== -1) {
      if (this.residentBlock < -1) throw disposedError('data', this.residentBlock);
      moveOutBlock(this.residentBlock);
    }
    return this.#storage;
  }

  /** Points the tensor at `storage` (resident.ts moves and disposes storage through this). Internal. */
  setStorage(storage: Storage, residentBlock: number): void {
    this.#storage = storage;
    this.residentBlock = residentBlock;
  }

  /** The size of each dimension (frozen). */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: DType;
  /** Whether autograd records ops on this tensor (set on leaves you want gradients of). */
  requiresGrad: boolean;
  /** The accumulated gradient of a leaf, after backward(). */
  grad: Tensor | null = null;
  /** The node that made this tensor (null for leaves), like PyTorch's grad_fn. */
  gradFn: GradFn | null = null;
  /** Keeps .grad on a non-leaf tensor, like retain_grad(). */
  retainsGrad = false;

  /** A tensor over `data`; `dtype` defaults to the storage's float type (int64 and bool need a Float64Array). */
  constructor(data: Storage, shape: readonly number[], requiresGrad = false, dtype?: DType) {
    if (data.length !== numelOf(shape)) {
      throw new Error(`Tensor: data of length ${data.length} does not match shape ${formatShape(shape)} (${numelOf(shape)} elements)`);
    }
    const own: DType = data instanceof Float64Array ? 'float64' : 'float32';
    if (dtype !== undefined && dtype !== own && !(own === 'float64' && !isFloating(dtype))) {
      throw new Error(
        `Tensor: dtype=${dtype} cannot be stored in a ${data.constructor === Float64Array ? 'Float64Array' : 'Float32Array'}`,
      );
    }
    this.#storage = data;
    this.residentBlock = trackResident(this, data);
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype ?? own;
    if (requiresGrad) checkCanRequireGrad(this.dtype);
    this.requiresGrad = requiresGrad;
  }

  /** The version counter of the data: every in-place op bumps it; backward checks the tensors it saved. */
  get version(): number {
    return versions.get(this) ?? 0;
  }

  /** The number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** The number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }
  /** The number of elements. */
  get numel(): number {
    return this.storage.length;
  }
  /** The shape as a new array (PyTorch's `size()`). */
  size(): number[];
  /** The size of dimension `dim` (negative counts from the end). */
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    const d = dim < 0 ? dim + this.shape.length : dim;
    if (!Number.isInteger(d) || d < 0 || d >= this.shape.length) {
      throw new Error(`size: dim=${dim} is out of range for a tensor of ${this.shape.length} dimensions`);
    }
    return this.shape[d];
  }
  /** Row-major strides, in elements. */
  get strides(): number[] {
    return stridesOf(this.shape);
  }
  /** True for tensors made by the user or with requiresGrad false: those whose .grad backward fills (PyTorch's is_leaf). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.storage.length !== 1) {
      throw new Error(`item: a tensor with ${this.storage.length} elements cannot be converted to a number; expected exactly 1 element`);
    }
    return this.storage[0];
  }

  /** The element at a full index, e.g. t.get(0, 1, 2). Negative indices count from the end. */
  get(...index: number[]): number {
    if (index.length !== this.shape.length) {
      throw new Error(`get: index [${index.join(', ')}] has ${index.length} entries; expected ${this.shape.length}`);
    }
    let offset = 0;
    const strides = this.strides;
    for (let i = 0; i < index.length; i++) {
      const n = this.shape[i];
      const k = index[i] < 0 ? index[i] + n : index[i];
      if (!Number.isInteger(k) || k < 0 || k >= n) {
        throw new Error(`get: index ${index[i]} is out of bounds for dimension ${i} with size ${n}`);
      }
      offset += k * strides[i];
    }
    return this.storage[offset];
  }

  /** Nested arrays, like tolist(). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.storage[offset];
      const stride = numelOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** A copy of the flat data as plain numbers. */
  toFlatArray(): number[] {
    return Array.from(this.storage);
  }

  /**
   * Points this tensor at other's storage, shape and dtype, in place and without recording a graph:
   * PyTorch's `t.data = other`. Modules use it so `model.double()` keeps every Parameter's identity.
   */
  setData_(other: Tensor): this {
    if (!(other instanceof Tensor)) throw new Error(`setData_: other must be a Tensor, got ${typeof other}`);
    if (this.requiresGrad) checkCanRequireGrad(other.dtype);
    const self = this as { shape: readonly number[]; dtype: DType };
    // other's array itself (moved out of a tidy() block first): this tensor may outlive the tidy.
    this.setStorage(other.data, -1);
    self.shape = other.shape;
    self.dtype = other.dtype;
    return bumpVersion(this);
  }

  /** A new leaf sharing no graph with this tensor (the data is shared, as in PyTorch). */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, false, this.dtype);
  }

  /** Sets requiresGrad in place and returns this (only leaves may turn it off), as PyTorch's `requires_grad_()`. */
  requiresGrad_(requiresGrad = true): this {
    if (typeof requiresGrad !== 'boolean') throw new Error(`requiresGrad_: requiresGrad=${String(requiresGrad)} must be a boolean`);
    if (requiresGrad) checkCanRequireGrad(this.dtype);
    if (!this.isLeaf && !requiresGrad) {
      throw new Error('requiresGrad_: requiresGrad=false is only allowed on leaf tensors; use detach() instead');
    }
    this.requiresGrad = requiresGrad;
    return this;
  }

  /** Keeps the gradient of this non-leaf tensor in .grad after backward, as PyTorch's `retain_grad()`. */
  retainGrad(): this {
    if (!this.isLeaf && !this.retainsGrad) {
      this.retainsGrad = true;
      // As PyTorch 1.13: .grad keeps the gradient as it is after the hooks registered before this call.
      this.retainAfterHooks = this.gradHooks?.length ?? 0;
    }
    return this;
  }

  /** How many of gradHooks run before a retained gradient is stored (see retainGrad). */
  retainAfterHooks = 0;

  /** The gradient hooks of this tensor, in registration order (see registerHook); null until the first. */
  gradHooks: GradHook[] | null = null;

  /**
   * Calls `hook(grad)` each time a gradient with respect to this tensor is computed (backward or grad),
   * as PyTorch's Tensor.register_hook: a tensor it returns replaces the gradient (for a leaf, before it
   * is added to .grad). Returns a handle whose remove() unregisters it.
   */
  registerHook(hook: GradHook): RemovableHandle {
    if (typeof hook !== 'function') throw new Error(`registerHook: hook=${String(hook)} must be a function (grad) => Tensor | undefined`);
    if (!this.requiresGrad) throw new Error("registerHook: cannot register a hook on a tensor that doesn't require gradient");
    if (this.gradHooks === null) this.gradHooks = [];
    return addToList(this.gradHooks, hook);
  }

  /** Exactly PyTorch's str(t), except `dtype=float64` for `dtype=torch.float64`. */
  toString(): string {
    return formatTensor({
      data: this.storage,
      shape: this.shape,
      dtype: this.dtype,
      gradFnName: this.gradFn === null ? null : this.gradFn.name,
      requiresGrad: this.requiresGrad,
    });
  }

  /** console.log(t) in Node prints what PyTorch prints. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Shape arguments given either spread (`view(2, 3)`) or as one array (`view([2, 3])`). */
export function flattenShapeArgs(args: number[] | [readonly number[]]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return args as number[];
}

/** Options of {@link tensor}. */
export interface TensorOptions {
  /** The shape, for flat data (a number[] or typed array); nested arrays give their own. */
  shape?: readonly number[];
  /** The element type (default float32, or the typed array's). */
  dtype?: DType;
  /** Make a leaf that records gradients (floating dtypes only; default false). */
  requiresGrad?: boolean;
}

/** Any dtype: 'float32', 'float64', 'int64' or 'bool'. */
export function checkAnyDType(dtype: unknown, op: string): DType {
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int64' && dtype !== 'bool') {
    throw new Error(`${op}: dtype=${String(dtype)} is not supported; expected 'float32', 'float64', 'int64' or 'bool'`);
  }
  return dtype;
}

/** A floating dtype, for ops and modules that only compute in floating point. */
export function checkDType(dtype: unknown, op: string): FloatDType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new Error(`${op}: dtype=${String(dtype)} is not supported; expected 'float32' or 'float64'`);
  }
  return dtype;
}

function checkCanRequireGrad(dtype: DType): void {
  if (!isFloating(dtype)) {
    throw new Error(`requiresGrad: only tensors of floating point dtype can require gradients; this tensor has dtype ${dtype}`);
  }
}

/**
 * Methods that op files add to Tensor. Each op file declares their types next to them by augmenting
 * the class (`declare module '../tensor/tensor.js' { interface Tensor { … } }`), so a method is
 * written in one place: the op's own file.
 */
export function defineMethods(methods: Record<string, (this: Tensor, ...args: never[]) => unknown>): void {
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

/** A value for an error message: JSON where JSON can say it, BigInts with their n. */
function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function inferShape(data: NestedArray, path: string): number[] {
  if (typeof data === 'number') return [];
  if (typeof data === 'bigint')
    throw new Error(`tensor: data${path}=${String(data)}n is a BigInt; expected numbers (convert with Number())`);
  if (!Array.isArray(data)) {
    throw new Error(`tensor: data${path}=${describe(data)} is not a number or an array of numbers`);
  }
  if (data.length === 0) return [0];
  const inner = inferShape(data[0], `${path}[0]`);
  return [data.length, ...inner];
}

function fillFromNested(data: NestedArray, shape: readonly number[], dim: number, out: number[], path: string): void {
  if (dim === shape.length) {
    if (Array.isArray(data)) throw new Error(`tensor: data${path} is ragged: found an array where a number was expected`);
    if (typeof data !== 'number') throw new Error(`tensor: data${path}=${describe(data)} is not a number; expected numbers`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data)) {
    const seen = typeof data === 'number' ? `the number ${data}` : describe(data);
    throw new Error(`tensor: data${path} is ragged or non-numeric: found ${seen} where an array of length ${shape[dim]} was expected`);
  }
  if (data.length !== shape[dim]) {
    throw new Error(`tensor: data${path} is ragged: it has length ${data.length}, expected ${shape[dim]} like its first sibling`);
  }
  for (let i = 0; i < data.length; i++) fillFromNested(data[i], shape, dim + 1, out, `${path}[${i}]`);
}

/**
 * Makes a tensor from nested arrays, or from flat data with `shape`.
 * @example tensor([[1, 2], [3, 4]], { requiresGrad: true })
 */
export function tensor(data: NestedArray | readonly number[] | Storage, options: TensorOptions = {}): Tensor {
  checkOptionKeys(options, ['shape', 'dtype', 'requiresGrad'], 'tensor');
  const dtype = checkAnyDType(
    options.dtype ?? (data instanceof Float64Array && options.shape !== undefined ? 'float64' : 'float32'),
    'tensor',
  );
  if (options.requiresGrad !== undefined && typeof options.requiresGrad !== 'boolean') {
    throw new Error(`tensor: requiresGrad=${String(options.requiresGrad)} must be a boolean`);
  }
  let flat: ArrayLike<number>;
  let shape: readonly number[];
  if (options.shape !== undefined) {
    checkShape(options.shape, 'tensor');
    shape = options.shape;
    if (data instanceof Float32Array || data instanceof Float64Array) flat = data;
    else if (Array.isArray(data)) {
      flat = flatten(data as readonly NestedArray[]);
    } else if (typeof data === 'number') flat = [data];
    else throw new Error(`tensor: data=${String(data)} must be a number, nested arrays, a Float32Array or a Float64Array`);
    if (flat.length !== numelOf(shape)) {
      throw new Error(
        `tensor: data has ${flat.length} elements, which does not match shape ${formatShape(shape)} (${numelOf(shape)} elements)`,
      );
    }
  } else {
    if (data instanceof Float32Array || data instanceof Float64Array) {
      shape = [data.length];
      flat = data;
    } else {
      shape = inferShape(data as NestedArray, '');
      const values: number[] = [];
      fillFromNested(data as NestedArray, shape, 0, values, '');
      flat = values;
    }
  }
  for (let i = 0; i < flat.length; i++) {
    if (typeof flat[i] !== 'number') throw new Error(`tensor: data element ${i} is ${describe(flat[i])}; expected a number`);
  }
  const storage = allocate(dtype, flat.length);
  storage.set(flat);
  // As torch.tensor(..., dtype=torch.int64) truncates toward zero, and bool keeps "is non-zero".
  if (dtype === 'int64') truncateToInt64(storage, 'tensor');
  if (dtype === 'bool') for (let i = 0; i < storage.length; i++) storage[i] = storage[i] !== 0 ? 1 : 0;
  return new Tensor(storage, shape, options.requiresGrad ?? false, dtype);
}

/**
 * Truncates values toward zero in place, as a conversion to int64 does, refusing those int64 cannot hold
 * (NaN, ±Inf, |v| ≥ 2^63) with PyTorch's error, where a cast would wrap them silently.
 */
export function truncateToInt64(values: Storage, op: string): void {
  const bad = int64Overflow(values);
  if (bad >= 0) throw new Error(`${op}: value ${values[bad]} (element ${bad}) cannot be converted to type int64 without overflow`);
  for (let i = 0; i < values.length; i++) values[i] = Math.trunc(values[i]);
}

/** The index of the first value int64 cannot hold once truncated (NaN, ±Inf, |v| ≥ 2^63), or −1. */
export function int64Overflow(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = Math.trunc(values[i]);
    if (!(v >= -(2 ** 63) && v < 2 ** 63)) return i;
  }
  return -1;
}

function flatten(data: readonly NestedArray[]): number[] {
  const out: number[] = [];
  const walk = (d: NestedArray, path: string): void => {
    if (typeof d === 'number') out.push(d);
    else if (Array.isArray(d)) d.forEach((v, i) => walk(v, `${path}[${i}]`));
    else throw new Error(`tensor: data${path}=${describe(d)} is not a number`);
  };
  data.forEach((v, i) => walk(v, `[${i}]`));
  return out;
}
