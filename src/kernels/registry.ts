// The kernel registry (as TF.js's kernel_registry): an op declares each kernel once, with its
// reference implementation (defineKernel); each backend registers its implementations in one place
// (registerBackend, from its folder's register.ts). A backend's implementation returns false for a
// call it does not take (float64, a size past its limits), and the reference runs instead: that
// fallback is written here, once.
import type { KernelArgs, KernelName } from './signatures.js';
import { markWritten, zeroUnwritten } from '../tensor/storage.js';

/** 'reference' (the textbook loops, the oracle), 'wasm', or any backend registered later. */
export type BackendName = string;

/** A backend's implementation of kernel K: false where it does not take the call. */
export type BackendKernel<K extends KernelName> = (...args: KernelArgs[K]) => boolean;
/** The kernels a backend implements (the others run the reference kernel). */
export type BackendKernels = { [K in KernelName]?: BackendKernel<K> };

interface Backend {
  /** Why the backend cannot run here ('' where it can). */
  unavailableReason: () => string;
  kernels: BackendKernels;
}

const backends = new Map<BackendName, Backend>([['reference', { unavailableReason: () => '', kernels: {} }]]);
let current: BackendName | null = null;

/**
 * Registers a backend and its kernels. The first registered backend that is available becomes the
 * default (else 'reference'); a backend's folder calls this once, from its register.ts.
 */
export function registerBackend(name: BackendName, backend: Backend): void {
  if (backends.has(name)) throw new Error(`registerBackend: a backend named ${JSON.stringify(name)} is already registered`);
  backends.set(name, backend);
  for (const k of defined) k.forget();
}

function available(name: BackendName): boolean {
  return backends.get(name)?.unavailableReason() === '';
}

/** The backend kernels run on now: the fastest available ('wasm' where WebAssembly SIMD is) unless set. */
export function getBackend(): BackendName {
  if (current === null) current = [...backends.keys()].find((b) => b !== 'reference' && available(b)) ?? 'reference';
  return current;
}

/** Chooses the kernels; throws, saying why, for an unknown backend or one that cannot run here. */
export function setBackend(name: BackendName): void {
  const backend = backends.get(name);
  if (backend === undefined) {
    const known = [...backends.keys()].map((b) => `'${b}'`).join(' or ');
    throw new Error(`setBackend: backend=${JSON.stringify(name)} is not available; expected ${known}`);
  }
  const reason = backend.unavailableReason();
  if (reason !== '') throw new Error(`setBackend: the ${name} backend is unavailable here: ${reason}`);
  current = name;
}

/** One kernel: its reference implementation, and each backend's where it has one. */
export class Kernel<K extends KernelName> {
  private resolved = new Map<BackendName, (...args: KernelArgs[K]) => void>();

  constructor(
    readonly name: K,
    readonly reference: (...args: KernelArgs[K]) => void,
  ) {}

  /** The current backend's implementation, falling back to the reference one. */
  get impl(): (...args: KernelArgs[K]) => void {
    return this.on(getBackend()) ?? this.reference;
  }

  /**
   * One backend's implementation with the reference fallback (null where that backend has none). An
   * output allocated unzeroed (allocateKernelOutput) is zeroed before the reference kernel runs, and
   * counts as written after a fast kernel took the call.
   */
  on(backend: BackendName): ((...args: KernelArgs[K]) => void) | null {
    const reference = this.reference;
    let f = this.resolved.get(backend);
    if (f !== undefined) return f;
    if (backend === 'reference') {
      f = (...args: KernelArgs[K]): void => {
        zeroUnwritten(args);
        reference(...args);
      };
    } else {
      const fast: BackendKernel<K> | undefined = backends.get(backend)?.kernels[this.name];
      if (fast === undefined) return null;
      f = (...args: KernelArgs[K]): void => {
        if (fast(...args)) markWritten(args);
        else {
          zeroUnwritten(args);
          reference(...args);
        }
      };
      this.resolved.set(backend, f);
    }
    return f;
  }

  /** The backends that implement this kernel ('reference' always). */
  backends(): BackendName[] {
    return [...backends.entries()].filter(([b, backend]) => b === 'reference' || backend.kernels[this.name] !== undefined).map(([b]) => b);
  }

  /** Drops the resolved implementations (a backend was registered). */
  forget(): void {
    this.resolved.clear();
  }
}

/** The defined kernels, by name (typed per name) and in order (for the inventory). */
const kernels: { [K in KernelName]?: Kernel<K> } = {};
const defined: { name: KernelName; backends(): BackendName[]; forget(): void }[] = [];

/** Declares kernel `name` once, with its reference implementation; the op that owns it calls `kernel.impl`. */
export function defineKernel<K extends KernelName>(name: K, reference: (...args: KernelArgs[K]) => void): Kernel<K> {
  if (kernels[name] !== undefined) throw new Error(`defineKernel: a kernel named ${name} is already defined`);
  const k = new Kernel<K>(name, reference);
  Object.assign(kernels, { [name]: k });
  defined.push(k);
  return k;
}

/** Every defined kernel and the backends that implement it (the rest fall back to reference). */
export function kernelInventory(): {
  /** The kernel's name. */
  name: string;
  /** The backends that implement it ('reference' always). */
  backends: BackendName[];
}[] {
  return defined.map((k) => ({ name: k.name, backends: k.backends() }));
}

/** A defined kernel by name (tests compare its backends); throws for an unknown name. */
export function getKernel<K extends KernelName>(name: K): Kernel<K> {
  const k = kernels[name];
  if (k === undefined) throw new Error(`getKernel: no kernel named ${name}; defined: ${Object.keys(kernels).join(', ')}`);
  return k;
}
