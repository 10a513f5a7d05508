// Checkpoints: a model, its optimizer (every state buffer, float32 or float64), a scheduler, the epoch,
// the random generators and anything else a training loop keeps, in one safetensors file, so a run
// picks up where it stopped (PyTorch's torch.save({'model': …, 'optimizer': …, 'epoch': …}) habit).
// Tensors stay tensors: the model's under "model.<name>", the optimizer's buffers under
// "optimizer.state.<param index>.<key>"; the rest is JSON in the metadata. Python reads the file with
// safetensors.torch.load_file (strip "model." for model.load_state_dict).
import { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { checkOptionKeys } from '../tensor/options.js';
import { deserialize, load, serialize, writeAtomically } from './safetensors.js';

/** Anything with PyTorch's state_dict / load_state_dict pair of tensors (a Module). */
export interface ModelLike {
  /** The model's tensors by PyTorch's names. */
  stateDict(): Record<string, Tensor>;
  /** Puts tensors of those names back. */
  loadStateDict(stateDict: Record<string, Tensor>): unknown;
}

/** An optimizer's state dict as a checkpoint stores it: per-parameter buffers and numbers, and the groups' settings. */
export type OptimizerState = {
  /** Per parameter index: its buffers (momentum, moments) and step count. */
  state: Record<number, Record<string, Float32Array | Float64Array | number>>;
  /** Each group's settings. */
  paramGroups: object[];
};

/** An optimizer: its name (to refuse another kind's state) and its state dict. */
export interface OptimizerLike {
  /** The optimizer's class name ('SGD', 'Adam', 'AdamW'). */
  readonly name: string;
  /** Its state: buffers per parameter and the parameter groups' settings. */
  stateDict(): OptimizerState;
  /** Restores a state from stateDict(). */
  loadStateDict(stateDict: never): void;
}

/** A learning-rate scheduler: its state is plain numbers. */
export interface SchedulerLike {
  /** The scheduler's class name, when it has one. */
  readonly name?: string;
  /** Its state, plain numbers. */
  stateDict(): object;
  /** Restores a state from stateDict(). */
  loadStateDict(stateDict: never): void;
}

/** A JSON value: what `extra` may hold. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** What {@link saveCheckpoint} saves: a model and, optionally, the rest of a training run. */
export interface Checkpoint {
  /** The model: its state dict is saved under model.<name>. */
  model: ModelLike;
  /** The optimizer, its state and settings (or null). */
  optimizer?: OptimizerLike | null;
  /** The learning-rate scheduler (or null). */
  scheduler?: SchedulerLike | null;
  /** The epoch (or any step counter) the run has finished. */
  epoch?: number | null;
  /** Generators besides the global one (a DataLoader's, say), by name. */
  generators?: Record<string, Generator>;
  /** Save and restore the global generator (dropout masks, shuffles without a generator): true by default. */
  globalGenerator?: boolean;
  /** Anything else the loop needs to resume (history, a best score), as JSON. */
  extra?: JsonValue;
}

/** What {@link loadCheckpoint} returns besides restoring the parts given. */
export interface LoadedCheckpoint {
  /** The epoch saved, or null. */
  epoch: number | null;
  /** What was saved as extra (null if nothing). */
  extra: JsonValue;
  /** The file's own metadata (besides what the checkpoint uses). */
  metadata: Record<string, string>;
}

const FORMAT = 'convgrad.checkpoint';
const KNOWN = ['model', 'optimizer', 'scheduler', 'epoch', 'generators', 'globalGenerator', 'extra'];
const OWN_META = new Set(['format', 'version', 'optimizer', 'scheduler', 'epoch', 'generators', 'extra']);

// JSON has no Infinity or NaN (ReduceLROnPlateau's first best is ±Infinity): tagged objects carry them.
const encode = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v));
const decode = (text: string, what: string, file: string): unknown => {
  try {
    return JSON.parse(text, (_k, v: unknown) =>
      typeof v === 'object' && v !== null && Object.keys(v).length === 1 && typeof (v as { $number?: unknown }).$number === 'string'
        ? Number((v as { $number: string }).$number)
        : v,
    );
  } catch (e) {
    throw new Error(`loadCheckpoint: the ${what} of ${file} is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
};

const base64 = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const unbase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function checkParts(parts: Checkpoint, op: string): void {
  if (typeof parts !== 'object' || parts === null)
    throw new Error(`${op}: expected an object { model, optimizer?, scheduler?, epoch?, … }`);
  checkOptionKeys(parts, KNOWN, op);
  const m = parts.model as Partial<ModelLike> | undefined;
  if (typeof m?.stateDict !== 'function' || typeof m.loadStateDict !== 'function')
    throw new Error(`${op}: model must be a Module (something with stateDict and loadStateDict); got ${m === null ? 'null' : typeof m}`);
  for (const key of ['optimizer', 'scheduler'] as const) {
    const p = parts[key] as { stateDict?: unknown; loadStateDict?: unknown } | null | undefined;
    if (p !== undefined && p !== null && (typeof p.stateDict !== 'function' || typeof p.loadStateDict !== 'function'))
      throw new Error(`${op}: ${key} must have stateDict and loadStateDict`);
  }
  if (parts.epoch !== undefined && parts.epoch !== null && !Number.isSafeInteger(parts.epoch))
    throw new Error(`${op}: epoch=${String(parts.epoch)} must be an integer (or left out)`);
  if (parts.generators !== undefined) {
    if (typeof parts.generators !== 'object' || parts.generators === null)
      throw new Error(`${op}: generators must be an object of name → Generator`);
    for (const [k, g] of Object.entries(parts.generators))
      if (!(g instanceof Generator)) throw new Error(`${op}: generators.${k} is not a Generator`);
  }
  if (parts.globalGenerator !== undefined && typeof parts.globalGenerator !== 'boolean')
    throw new Error(`${op}: globalGenerator=${String(parts.globalGenerator)} must be a boolean`);
}

/**
 * The model's state dict in a file's tensors: a checkpoint's `model.*` tensors without the prefix, or a
 * plain weights file's tensors as they are (the one place that knows the checkpoint layout for readers).
 */
export function modelStateDict(tensors: Record<string, Tensor>, metadata: Record<string, string>): Record<string, Tensor> {
  if (metadata.format !== FORMAT) return tensors;
  return Object.fromEntries(Object.entries(tensors).flatMap(([k, t]) => (k.startsWith('model.') ? [[k.slice(6), t]] : [])));
}

/** The bytes of a checkpoint (serialize for the browser; saveCheckpoint writes them to a file). */
export function serializeCheckpoint(parts: Checkpoint, metadata: Record<string, string> = {}): Uint8Array {
  const op = 'saveCheckpoint';
  checkParts(parts, op);
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(parts.model.stateDict())) tensors[`model.${k}`] = t;
  const meta: Record<string, string> = { ...metadata, format: FORMAT, version: '1' };
  if (parts.optimizer) {
    const sd = parts.optimizer.stateDict();
    const numbers: Record<string, Record<string, number>> = {};
    for (const [id, s] of Object.entries(sd.state)) {
      numbers[id] = {};
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === 'number') numbers[id][k] = v;
        else tensors[`optimizer.state.${id}.${k}`] = new Tensor(v, [v.length], false, v instanceof Float64Array ? 'float64' : 'float32');
      }
    }
    meta.optimizer = encode({ type: parts.optimizer.name, paramGroups: sd.paramGroups, state: numbers });
  }
  if (parts.scheduler) meta.scheduler = encode({ type: parts.scheduler.name ?? null, state: parts.scheduler.stateDict() });
  if (parts.epoch !== undefined && parts.epoch !== null) meta.epoch = String(parts.epoch);
  const generators: Record<string, string> = {};
  if (parts.globalGenerator ?? true) generators['*global*'] = base64(defaultGenerator.getState());
  for (const [k, g] of Object.entries(parts.generators ?? {})) generators[k] = base64(g.getState());
  meta.generators = JSON.stringify(generators);
  if (parts.extra !== undefined) meta.extra = encode(parts.extra);
  return serialize(tensors, meta);
}

/**
 * Saves a checkpoint atomically (as `save`): `saveCheckpoint('ckpt.safetensors', { model, optimizer,
 * scheduler, epoch, generators: { loader: g }, extra })`. The global generator is saved too.
 */
export function saveCheckpoint(file: string, parts: Checkpoint, metadata: Record<string, string> = {}): void {
  if (typeof file !== 'string' || file === '') throw new Error(`saveCheckpoint: file=${JSON.stringify(file)} must be a path`);
  writeAtomically(serializeCheckpoint(parts, metadata), file, 'saveCheckpoint');
}

/** Restores the parts given from a checkpoint's bytes; see loadCheckpoint. */
export function deserializeCheckpoint(bytes: Uint8Array, parts: Checkpoint, source = 'checkpoint data'): LoadedCheckpoint {
  return restore(deserialize(bytes, source), parts, source);
}

/**
 * Loads a checkpoint into the live objects given: the model's weights, the optimizer's state and
 * groups, the scheduler, the named generators and (unless globalGenerator: false) the global one.
 * Everything is checked before anything changes where it can be; a part that fails puts the model back.
 * Returns the epoch, the extra JSON and the file's other metadata.
 */
export function loadCheckpoint(file: string, parts: Checkpoint): LoadedCheckpoint {
  return restore(load(file), parts, file);
}

function restore(
  { tensors, metadata }: { tensors: Record<string, Tensor>; metadata: Record<string, string> },
  parts: Checkpoint,
  file: string,
): LoadedCheckpoint {
  const op = 'loadCheckpoint';
  checkParts(parts, op);
  if (metadata.format !== FORMAT)
    throw new Error(
      `${op}: ${file} is not a convgrad checkpoint (its metadata has no format "${FORMAT}"); a file of weights loads with load() and model.loadStateDict`,
    );
  const fail = (what: string, e: unknown): never => {
    throw new Error(`${op}: cannot restore the ${what} from ${file}: ${e instanceof Error ? e.message : String(e)}`);
  };
  const model: Record<string, Tensor> = {};
  const optimizerBuffers: Record<string, Record<string, Float32Array | Float64Array>> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith('model.')) model[k.slice(6)] = t;
    else if (k.startsWith('optimizer.state.')) {
      const [id, ...key] = k.slice(16).split('.');
      optimizerBuffers[id] ??= {};
      optimizerBuffers[id][key.join('.')] = t.data as Float32Array | Float64Array;
    } else fail('tensors', new Error(`the tensor ${JSON.stringify(k)} belongs to no part (expected model.* or optimizer.state.*)`));
  }
  // Everything parsed and checked for presence before the first change.
  let optimizerState: OptimizerState | null = null;
  if (parts.optimizer) {
    if (metadata.optimizer === undefined) fail('optimizer', new Error('the checkpoint holds no optimizer state'));
    const o = decode(metadata.optimizer, 'optimizer state', file) as {
      type?: string;
      paramGroups?: object[];
      state?: Record<string, object>;
    };
    if (o.type !== parts.optimizer.name)
      fail('optimizer', new Error(`the checkpoint holds ${String(o.type)} state; the optimizer given is ${parts.optimizer.name}`));
    const state: Record<string, Record<string, Float32Array | Float64Array | number>> = {};
    for (const id of new Set([...Object.keys(o.state ?? {}), ...Object.keys(optimizerBuffers)]))
      state[id] = { ...((o.state?.[id] ?? {}) as Record<string, number>), ...(optimizerBuffers[id] ?? {}) };
    optimizerState = { state, paramGroups: o.paramGroups ?? [] };
  }
  let schedulerState: unknown = null;
  if (parts.scheduler) {
    if (metadata.scheduler === undefined) fail('scheduler', new Error('the checkpoint holds no scheduler state'));
    const s = decode(metadata.scheduler, 'scheduler state', file) as { type?: string | null; state?: unknown };
    if (s.type !== null && parts.scheduler.name !== undefined && s.type !== parts.scheduler.name)
      fail('scheduler', new Error(`the checkpoint holds ${String(s.type)} state; the scheduler given is ${parts.scheduler.name}`));
    schedulerState = s.state;
  }
  const generators =
    metadata.generators === undefined ? {} : (decode(metadata.generators, 'generator states', file) as Record<string, string>);
  const generatorStates: [Generator, Uint8Array][] = [];
  if (parts.globalGenerator ?? true) {
    if (generators['*global*'] === undefined) fail('global generator', new Error('the checkpoint holds no global generator state'));
    generatorStates.push([defaultGenerator, unbase64(generators['*global*'])]);
  }
  for (const [k, g] of Object.entries(parts.generators ?? {})) {
    if (generators[k] === undefined)
      fail(
        `generator ${JSON.stringify(k)}`,
        new Error(
          `the checkpoint holds ${
            Object.keys(generators)
              .filter((n) => n !== '*global*')
              .join(', ') || 'no named generators'
          }`,
        ),
      );
    generatorStates.push([g, unbase64(generators[k])]);
  }
  const epoch = metadata.epoch === undefined ? null : Number(metadata.epoch);
  if (epoch !== null && !Number.isSafeInteger(epoch)) fail('epoch', new Error(`epoch ${JSON.stringify(metadata.epoch)} is not an integer`));
  const extra = metadata.extra === undefined ? null : (decode(metadata.extra, 'extra', file) as JsonValue);

  // Now change things: the model first (it checks everything before copying), then the rest; a later
  // failure puts the model's previous values back.
  const before = Object.fromEntries(Object.entries(parts.model.stateDict()).map(([k, t]) => [k, t.detach().clone()]));
  try {
    parts.model.loadStateDict(model);
  } catch (e) {
    fail('model', e);
  }
  try {
    if (parts.optimizer && optimizerState !== null) parts.optimizer.loadStateDict(optimizerState as never);
    if (parts.scheduler) parts.scheduler.loadStateDict(schedulerState as never);
    for (const [, state] of generatorStates) new Generator().setState(state); // all valid before any is set
    for (const [g, state] of generatorStates) g.setState(state);
  } catch (e) {
    parts.model.loadStateDict(before);
    fail(parts.optimizer ? 'optimizer, scheduler or generators' : 'scheduler or generators', e);
  }
  const rest = Object.fromEntries(Object.entries(metadata).filter(([k]) => !OWN_META.has(k)));
  return { epoch, extra, metadata: rest };
}
