// Prints one hash of the outputs of every pass of 216 conv geometries (1-3 d, groups, stride, dilation,
// transposed) and of pooling, relu, bias, matmul and Adam/AMSGrad/AdamW steps, on 1 and 2 threads, through the
// public API of a built package: run it on two builds to check a refactor changed no bit.
//   node scripts/output-hash.mjs [DIST_DIR]   (default: ./dist)
import { createHash } from 'node:crypto';
const dist = process.argv[2] ?? new URL('../dist', import.meta.url).pathname;
const lib = await import(`${dist}/index.js`);
const { F, randn, Generator, setNumThreads, threadsReady, nn, optim } = lib;
const h = createHash('sha256');
const add = (t) => h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
const gen = new Generator().manualSeed(5);
const R = (s, dt = 'float32') => randn(s, { generator: gen, dtype: dt });
const cases = [];
for (const dims of [1, 2, 3])
  for (const [cin, cout, groups] of [
    [1, 6, 1],
    [3, 8, 1],
    [8, 8, 8],
    [16, 32, 1],
    [4, 24, 2],
    [32, 16, 1],
  ])
    for (const stride of [1, 2])
      for (const pad of [0, 1])
        for (const k of [1, 3, 5]) {
          const size = dims === 3 ? 7 : dims === 2 ? 14 : 50;
          cases.push({ dims, cin, cout, groups, stride, pad, k, size, dil: k === 3 && stride === 1 ? 2 : 1, n: dims === 3 ? 2 : 4 });
        }
async function run(threads) {
  setNumThreads(threads);
  await threadsReady();
  for (const c of cases) {
    const sp = Array(c.dims).fill(c.size);
    if (c.size + 2 * c.pad - c.dil * (c.k - 1) - 1 < 0) continue;
    const x = R([c.n, c.cin, ...sp]);
    x.requiresGrad = true;
    const w = R([c.cout, c.cin / c.groups, ...Array(c.dims).fill(c.k)]);
    w.requiresGrad = true;
    const b = R([c.cout]);
    b.requiresGrad = true;
    const f = F[`conv${c.dims}d`];
    const y = f(x, w, b, { stride: c.stride, padding: c.pad, dilation: c.dil, groups: c.groups });
    add(y);
    const dy = R(y.shape);
    y.backward(dy);
    add(x.grad);
    add(w.grad);
    add(b.grad);
    const wt = R([c.cin, c.cout / c.groups, ...Array(c.dims).fill(c.k)]);
    add(F[`convTranspose${c.dims}d`](R([c.n, c.cin, ...sp]), wt, null, { stride: c.stride, padding: c.pad, groups: c.groups }));
  }
  // training ops
  const x = R([8, 16, 12, 12]);
  add(F.relu(x));
  add(F.maxPool2d(x, 2));
  add(F.maxPool2d(x, 3, { stride: 2, padding: 1 }));
  const xr = R([8, 16, 12, 12]);
  xr.requiresGrad = true;
  const yr = F.maxPool2d(F.relu(xr), 2);
  yr.backward(R(yr.shape));
  add(xr.grad);
  add(F.sum(x, [0, 2, 3]));
  add(F.linear(R([33, 70]), R([20, 70]), R([20])));
  add(F.matmul(R([3, 5]), R([5, 2])));
  const model = new nn.Linear(50, 10);
  const opt = new optim.Adam(model.parameters(), { lr: 0.01, weightDecay: 0.1, amsgrad: true });
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    F.mseLoss(model.forward(R([7, 50])), R([7, 10])).backward();
    opt.step();
  }
  for (const p of model.parameters()) add(p);
  const opt2 = new optim.AdamW(model.parameters(), { lr: 0.01 });
  for (let i = 0; i < 3; i++) {
    opt2.zeroGrad();
    F.mseLoss(model.forward(R([7, 50])), R([7, 10])).backward();
    opt2.step();
  }
  for (const p of model.parameters()) add(p);
}
await run(1);
await run(2);
console.log(h.digest('hex'));
process.exit(0);
