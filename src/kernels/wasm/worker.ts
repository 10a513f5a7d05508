// A pool thread: instantiates the kernels on the shared memory, then waits for jobs and runs their tasks.
import { bindExports } from './boundary.generated.js';
import { CONTROL, CTL, work, workerIdSlots } from './runtime.js';

interface Start {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  index: number;
  id: number;
}

function serve(start: Start): void {
  const instance = new WebAssembly.Instance(start.module, { env: { memory: start.memory } });
  const exports = bindExports(instance.exports);
  const ctl = new Int32Array(start.memory.buffer, CONTROL, 16);
  const ids = workerIdSlots(start.memory);
  let seen = Atomics.load(ctl, CTL.GEN);
  Atomics.store(ids, start.index, start.id);
  for (;;) {
    Atomics.wait(ctl, CTL.GEN, seen);
    const gen = Atomics.load(ctl, CTL.GEN);
    seen = gen;
    if (Atomics.load(ctl, CTL.QUIT) !== 0) return;
    // Ended (setNumThreads lowered the count) or replaced: never serve a job with another worker's index.
    if (Atomics.load(ids, start.index) !== start.id) return;
    // A job laid out scratch for CTL.THREADS threads: workers beyond that sit this one out.
    if (start.index >= Atomics.load(ctl, CTL.THREADS)) continue;
    work(
      ctl,
      exports,
      gen,
      Atomics.load(ctl, CTL.JOB),
      Atomics.load(ctl, CTL.TOTAL),
      start.index,
      Atomics.load(ctl, CTL.BATCH),
      Atomics.load(ctl, CTL.BASE),
    );
  }
}

const g = globalThis as {
  process?: { getBuiltinModule?: (m: string) => unknown };
  addEventListener?: (t: string, f: (e: { data: Start }) => void) => void;
};
const wt = g.process?.getBuiltinModule?.('node:worker_threads') as { workerData: Start } | undefined;
if (wt !== undefined && wt.workerData !== undefined && wt.workerData !== null) serve(wt.workerData);
else g.addEventListener?.('message', (e) => serve(e.data));
