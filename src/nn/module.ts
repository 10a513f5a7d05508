// Module and Parameter, as torch.nn.Module and torch.nn.Parameter: submodules, parameters and buffers
// are the fields assigned in the constructor, registered in assignment order.
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { addToList, int64Overflow, isFloating, Tensor, type FloatDType, type RemovableHandle, bumpVersion } from '../tensor/tensor.js';
import { record } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/mode.js';
import { formatShape } from '../tensor/shape.js';
import { to } from '../ops/index.js';

/** A tensor that a module learns: requires grad, and prints as PyTorch prints a Parameter. */
export class Parameter extends Tensor {
  constructor(t: Tensor, requiresGrad = true) {
    super(t.data, t.shape, requiresGrad, t.dtype); // its own array, never a tidy() block's
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** A state dict: PyTorch's keys ('0.weight', 'bn.running_mean', …) to detached tensors, in PyTorch's order. */
export type StateDict = Record<string, Tensor>;

/** What loadStateDict reports, as PyTorch's: the keys missing from the dict and those the module does not have. */
export interface LoadStateDictResult {
  /** The module's keys the state dict did not have. */
  missingKeys: string[];
  /** The state dict's keys the module does not have. */
  unexpectedKeys: string[];
}

const BUFFERS = Symbol('buffers');
const HOOKS = Symbol('hooks');
const OWN_LAYER = Symbol('ownLayer');

/**
 * Marks the library's own layer classes: their forward calls no user code and keeps no reference to its
 * input or output past the call (only the autograd graph does). Internal (Sequential relies on it).
 */
export function markOwnLayers(...classes: (abstract new (...args: never[]) => Module)[]): void {
  for (const c of classes) Object.defineProperty(c.prototype, OWN_LAYER, { value: true });
}

/** Whether `m` is one of the library's own layers as the library wrote it: not a subclass, no hooks, no forward assigned to it. */
export function isOwnLayer(m: Module): boolean {
  return Object.hasOwn(Object.getPrototypeOf(m) as object, OWN_LAYER) && !Object.hasOwn(m, 'forward');
}

// biome-ignore-start lint/suspicious/noConfusingVoidType: a hook that returns nothing changes nothing
/** forwardPre(module, inputs) → new inputs or nothing. */
export type ForwardPreHook = (module: Module, inputs: Tensor[]) => Tensor | Tensor[] | undefined | void;
/** forward(module, inputs, output) → a new output or nothing. */
export type ForwardHook = (module: Module, inputs: Tensor[], output: Tensor) => Tensor | undefined | void;
/** backward(module, gradInput, gradOutput) → new gradInput or nothing (PyTorch's full backward hook). */
export type FullBackwardHook = (
  module: Module,
  gradInput: (Tensor | null)[],
  gradOutput: (Tensor | null)[],
) => (Tensor | null)[] | undefined | void;
// biome-ignore-end lint/suspicious/noConfusingVoidType: a hook that returns nothing changes nothing

interface Hooks {
  forwardPre: ForwardPreHook[];
  forward: ForwardHook[];
  backward: FullBackwardHook[];
}

/** A tensor with x's data as the output of an identity node named as PyTorch names a backward hook's. */
function hookIdentity(x: Tensor, rule: (g: Tensor) => Tensor | null): Tensor {
  return record(new Tensor(x.storage, x.shape, false, x.dtype), 'BackwardHookFunctionBackward', [x], (g) => [rule(g)], [], true);
}

/**
 * The base of every layer and model, as `torch.nn.Module`: subclasses assign their parameters and submodules
 * to fields (registered by name, in assignment order) and write forward(), which is called directly
 * (`model.forward(x)`; once a hook is registered it runs around forward, as PyTorch's `__call__`). Parameters,
 * buffers, state dicts, train/eval, double/float and the PyTorch repr come from here.
 */
export abstract class Module {
  /** True in training mode (dropout active, BatchNorm using batch statistics); set by train() and eval(). */
  training = true;

  /** The computation of this module on its inputs (subclasses define it; registered hooks run around it). */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** Names of the fields that are buffers (saved in the state dict, not learned). */
  private get bufferNames(): Set<string> {
    const self = this as unknown as { [BUFFERS]?: Set<string> };
    if (self[BUFFERS] === undefined) Object.defineProperty(this, BUFFERS, { value: new Set<string>(), enumerable: false });
    return self[BUFFERS]!;
  }

  /** Adds a buffer (e.g. BatchNorm's running mean): a tensor in the state dict and in to(dtype), not a parameter. */
  registerBuffer(name: string, tensor: Tensor | null): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new Error(`registerBuffer: name=${JSON.stringify(name)} is invalid; expected a non-empty string without '.'`);
    }
    if (tensor !== null && !(tensor instanceof Tensor)) throw new Error(`registerBuffer: ${name} must be a Tensor or null`);
    this.bufferNames.add(name);
    (this as unknown as Record<string, Tensor | null>)[name] = tensor;
  }

  private get hooks(): Hooks {
    const self = this as unknown as { [HOOKS]?: Hooks };
    if (self[HOOKS] === undefined) {
      Object.defineProperty(this, HOOKS, { value: { forwardPre: [], forward: [], backward: [] }, enumerable: false });
      // From the first hook on, forward runs through the hooks (PyTorch's __call__ around forward).
      const forward = Object.getPrototypeOf(this).forward as (...inputs: Tensor[]) => Tensor;
      Object.defineProperty(this, 'forward', {
        value: (...inputs: Tensor[]) => this.callWithHooks(forward, inputs),
        enumerable: false,
        writable: true,
        configurable: true,
      });
    }
    return self[HOOKS]!;
  }

  private addHook<K extends keyof Hooks>(kind: K, hook: Hooks[K][number], op: string): RemovableHandle {
    if (typeof hook !== 'function') throw new Error(`${op}: hook=${String(hook)} must be a function`);
    return addToList(this.hooks[kind] as Hooks[K][number][], hook);
  }

  /** hook(module, inputs) runs before each forward; a tensor (or list) it returns replaces the inputs. */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return this.addHook('forwardPre', hook, 'registerForwardPreHook');
  }

  /** hook(module, inputs, output) runs after each forward; a tensor it returns replaces the output. */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return this.addHook('forward', hook, 'registerForwardHook');
  }

  /**
   * hook(module, gradInput, gradOutput) runs when the gradients with respect to the module's inputs are
   * computed (gradInput holds null for an input that needs none); a list it returns replaces gradInput.
   * As PyTorch's register_full_backward_hook, for a module called with one tensor.
   */
  registerFullBackwardHook(hook: FullBackwardHook): RemovableHandle {
    return this.addHook('backward', hook, 'registerFullBackwardHook');
  }

  private callWithHooks(forward: (...inputs: Tensor[]) => Tensor, given: Tensor[]): Tensor {
    const { forwardPre, forward: after, backward } = this.hooks;
    let inputs = given;
    for (const hook of [...forwardPre]) {
      const r = hook(this, inputs);
      if (r !== undefined && r !== null) inputs = Array.isArray(r) ? r : [r];
    }
    const hooked = backward.length > 0 && isGradEnabled();
    if (hooked && inputs.length !== 1)
      throw new Error(
        `registerFullBackwardHook: the module was called with ${inputs.length} tensors; backward hooks take modules called with one`,
      );
    let gradOutput: Tensor | null = null;
    const runHooks = (gradInput: Tensor | null): Tensor | null => {
      let current: (Tensor | null)[] = [gradInput];
      for (const hook of [...backward]) {
        const r = hook(this, current, [gradOutput]);
        if (r !== undefined && r !== null) {
          if (!Array.isArray(r) || r.length !== 1)
            throw new Error('registerFullBackwardHook: a hook must return undefined or a list of one gradient');
          current = r;
        }
      }
      return current[0];
    };
    const x = inputs[0];
    const inputNeedsGrad = hooked && x instanceof Tensor && x.requiresGrad;
    if (inputNeedsGrad) inputs = [hookIdentity(x, (g) => runHooks(g))];
    let y = forward.apply(this, inputs);
    for (const hook of [...after]) {
      const r = hook(this, inputs, y);
      if (r !== undefined && r !== null) y = r;
    }
    if (hooked && y instanceof Tensor && y.requiresGrad)
      y = hookIdentity(y, (g) => {
        gradOutput = g;
        // No input needs a gradient: PyTorch calls the hooks here, with gradInput (None,).
        if (!inputNeedsGrad) runHooks(null);
        return g;
      });
    return y;
  }

  /** The module's direct submodules, in assignment order. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** The direct submodules, in assignment order (PyTorch's children()). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, depth first, with their dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix === '' ? name : `${prefix}.${name}`));
    return out;
  }

  /** This module and every descendant, depth first (PyTorch's modules()). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** The module's own parameters (not its children's), in assignment order. */
  private ownParameters(): [string, Parameter][] {
    return Object.entries(this).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  private ownBuffers(): [string, Tensor][] {
    return [...this.bufferNames]
      .map((name): [string, unknown] => [name, (this as unknown as Record<string, unknown>)[name]])
      .filter((e): e is [string, Tensor] => e[1] instanceof Tensor);
  }

  /** Every parameter with its dotted name, as PyTorch's named_parameters (each module's own first, then its children's). */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [path, m] of this.namedModules()) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix + (path === '' ? name : `${path}.${name}`), p]);
      }
    }
    return out;
  }

  /** Every parameter, in PyTorch's order: what an optimizer takes. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer (BatchNorm's running statistics, …) with its state-dict name. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules())
      for (const [name, b] of m.ownBuffers()) out.push([path === '' ? name : `${path}.${name}`, b]);
    return out;
  }

  /** Every buffer, in state-dict order. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Sets every parameter's gradient to null (PyTorch's zero_grad(set_to_none=True)), or to zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone || p.grad === null) p.grad = null;
      else {
        p.grad.storage.fill(0);
        bumpVersion(p.grad);
      }
    }
  }

  /** Sets training mode (dropout drops, BatchNorm uses batch statistics) on this module and its descendants. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new Error(`train: mode=${String(mode)} must be a boolean`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  /** Sets evaluation mode (dropout off, BatchNorm uses its running statistics): train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Converts every floating parameter and buffer to dtype in place (the Parameter objects stay the same). */
  to(dtype: FloatDType): this {
    if (dtype !== 'float32' && dtype !== 'float64')
      throw new Error(`to: dtype=${String(dtype)} is invalid; expected 'float32' or 'float64'`);
    for (const m of this.modules()) {
      for (const [, p] of m.ownParameters()) {
        if (p.dtype !== dtype) {
          p.setData_(to(p.detach(), dtype));
          if (p.grad !== null) p.grad = to(p.grad, dtype);
        }
      }
      for (const [, b] of m.ownBuffers()) if (isFloating(b.dtype) && b.dtype !== dtype) b.setData_(to(b, dtype));
    }
    return this;
  }

  /** Converts the floating parameters and buffers to float64, in place: to('float64'). */
  double(): this {
    return this.to('float64');
  }

  /** Converts the floating parameters and buffers to float32, in place: to('float32'). */
  float(): this {
    return this.to('float32');
  }

  /** PyTorch's state_dict: each module's parameters then buffers, then its children's; tensors detached (sharing data). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [path, m] of this.namedModules()) {
      const key = (name: string): string => (path === '' ? name : `${path}.${name}`);
      for (const [name, p] of m.ownParameters()) out[key(name)] = p.detach();
      for (const [name, b] of m.ownBuffers()) out[key(name)] = b.detach();
    }
    return out;
  }

  /**
   * Copies the tensors of `stateDict` into the parameters and buffers, converting dtypes. Every check
   * (missing and unexpected keys with `strict`, shapes always) runs before anything is copied.
   */
  loadStateDict(stateDict: StateDict, options: { strict?: boolean } = {}): LoadStateDictResult {
    if (typeof stateDict !== 'object' || stateDict === null) throw new Error('loadStateDict: stateDict must be an object of tensors');
    checkOptionKeys(options, ['strict'], 'loadStateDict');
    const strict = checkBoolean(options.strict, 'strict', 'loadStateDict', true);
    const own = this.stateDict();
    const targets = new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
    const missingKeys = Object.keys(own).filter((k) => !(k in stateDict));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !(k in own));
    const errors: string[] = [];
    if (strict && unexpectedKeys.length > 0)
      errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && missingKeys.length > 0) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    for (const [key, t] of Object.entries(stateDict)) {
      const target = targets.get(key);
      if (target === undefined) continue;
      if (!(t instanceof Tensor)) {
        errors.push(`value for ${key} is not a Tensor`);
        continue;
      }
      if (t.shape.length !== target.shape.length || t.shape.some((s, i) => s !== target.shape[i])) {
        errors.push(
          `size mismatch for ${key}: copying a param with shape ${formatShape(t.shape)} from checkpoint, the shape in current model is ${formatShape(target.shape)}.`,
        );
      }
      const bad = target.dtype === 'int64' ? int64Overflow(t.storage) : -1;
      if (bad >= 0) errors.push(`value ${t.storage[bad]} for ${key} (element ${bad}) cannot be converted to type int64 without overflow.`);
    }
    if (errors.length > 0) throw new Error(`loadStateDict: error(s) in loading state_dict:\n\t${errors.join('\n\t')}`);
    for (const [key, t] of Object.entries(stateDict)) {
      const target = targets.get(key);
      if (target === undefined) continue;
      target.storage.set(t.dtype === target.dtype ? t.storage : to(t.detach(), target.dtype).storage);
      bumpVersion(target);
    }
    return { missingKeys, unexpectedKeys };
  }

  /** PyTorch's extra_repr: the constructor arguments worth showing. */
  extraRepr(): string {
    return '';
  }

  /** The class name in the repr; built-in modules name themselves so minified bundles print the same. */
  protected typeName(): string {
    return this.constructor.name;
  }

  /** PyTorch's module repr. */
  toString(): string {
    const children = this.namedChildren();
    const name = this.typeName();
    if (children.length === 0) return `${name}(${this.extraRepr()})`;
    const lines = [this.extraRepr(), ...children.map(([key, m]) => `(${key}): ${m.toString().split('\n').join('\n  ')}`)].filter(
      (l) => l !== '',
    );
    return `${name}(\n  ${lines.join('\n  ')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** A Python tuple as PyTorch prints it: (3,) or (3, 3). */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

/** An int or a tuple as given, printed as Python prints it. */
export function pyIntOrTuple(v: number | readonly number[]): string {
  return typeof v === 'number' ? String(v) : pyTuple(v);
}

/** Python's repr of a float: shortest round-trip digits, '1e-05' below 1e-4, '0.1', '1.0'. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const [mantissa, expPart] = v.toExponential().split('e');
  const e = Number(expPart);
  if (e < -4 || e >= 16) {
    const m = mantissa.includes('.') ? mantissa : mantissa;
    return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const s = String(v);
  return Number.isInteger(v) ? `${s}.0` : s;
}
