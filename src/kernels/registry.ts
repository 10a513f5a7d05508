// The kernel registry (as TF.js's kernel_registry): every op's kernels by backend, looked up at call
// time. A backend that lacks a kernel falls back to the reference one, explicitly: `inventory()` lists
// which kernels each backend has, so the gaps are one call away.
import { wasmRuntime, wasmUnavailableReason } from './wasm/runtime.js';

export type BackendName = 'wasm' | 'reference';

let current: BackendName | null = null;

export function getBackend(): BackendName {
  if (current === null) current = wasmRuntime() !== null ? 'wasm' : 'reference';
  return current;
}

/** Chooses the kernels; 'wasm' throws, saying why, where this engine cannot run them. */
export function setBackend(name: BackendName): void {
  if (name !== 'wasm' && name !== 'reference') {
    throw new Error(`setBackend: backend=${JSON.stringify(name)} is not available; expected 'wasm' or 'reference'`);
  }
  if (name === 'wasm' && wasmRuntime() === null) {
    throw new Error(`setBackend: the wasm backend is unavailable here: ${wasmUnavailableReason()}`);
  }
  current = name;
}

/** One kernel with its implementations: `reference` always, others where they exist. */
export class Kernel<F> {
  constructor(
    readonly name: string,
    private readonly impls: { reference: F } & Partial<Record<BackendName, F>>,
  ) {}

  /** The current backend's implementation, or the reference one where that backend has none. */
  get impl(): F {
    return this.impls[getBackend()] ?? this.impls.reference;
  }

  /** The implementation of one backend (null where it has none). */
  on(backend: BackendName): F | null {
    return this.impls[backend] ?? null;
  }

  backends(): BackendName[] {
    return (Object.keys(this.impls) as BackendName[]).filter((b) => this.impls[b] !== undefined);
  }
}

const registry = new Map<string, Kernel<unknown>>();

/** Registers a kernel once, by name; the op that owns it calls `kernel.impl`. */
export function defineKernel<F>(name: string, impls: { reference: F } & Partial<Record<BackendName, F>>): Kernel<F> {
  if (registry.has(name)) throw new Error(`defineKernel: a kernel named ${name} is already registered`);
  const k = new Kernel<F>(name, impls);
  registry.set(name, k as Kernel<unknown>);
  return k;
}

/** Every registered kernel and the backends that implement it (the rest fall back to reference). */
export function kernelInventory(): { name: string; backends: BackendName[] }[] {
  return [...registry.values()].map((k) => ({ name: k.name, backends: k.backends() }));
}

/** A registered kernel by name (for tests that compare its backends); throws for an unknown name. */
export function getKernel<F>(name: string): Kernel<F> {
  const k = registry.get(name);
  if (k === undefined) throw new Error(`getKernel: no kernel named ${name}; registered: ${[...registry.keys()].join(', ')}`);
  return k as Kernel<F>;
}
