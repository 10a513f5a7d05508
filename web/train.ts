// The training explorer: the digits CNN of `convgrad train` learns in the browser, with the loss and
// accuracy curves and conv1's and conv2's weights and gradients drawn live. Each step first computes the
// gradient of the next batch at the current weights (shown as dw), then applies it; pausing stops in
// between, so the dw on screen is exactly what explainLayer explains for that batch and those weights.
// A click on a dw element lists its terms over the batch (each image with the cells that weight read);
// a click on a dy element follows the chain rule up towards the loss (explainChain).
import type * as Lib from '../src/index.js';
import { heat } from './heat.js';

const cg = (await import(/* @vite-ignore */ new URL('lib/index.js', document.baseURI).href)) as typeof Lib;
type Tensor = Lib.Tensor;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const fmt = (v: number): string => String(Number(v.toPrecision(4)));
const h = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ''): HTMLElementTagNameMap[K] => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== '') el.textContent = text;
  return el;
};

await cg.threadsReady();
cg.manualSeed(0);
const { nn } = cg;
const model = new nn.Sequential(
  new nn.Conv2d(1, 16, 3, { padding: 1 }),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Conv2d(16, 32, 3, { padding: 1 }),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Flatten(),
  new nn.Linear(128, 120),
  new nn.ReLU(),
  new nn.Linear(120, 84),
  new nn.ReLU(),
  new nn.Linear(84, 10),
);
const conv1 = model.children()[0] as Lib.nn.Conv2d;
const conv2 = model.children()[3] as Lib.nn.Conv2d;
const { train, test } = cg.datasets.digits();
const optimizer = new cg.optim.Adam(model.parameters(), { lr: 0.005 });
const generator = new cg.Generator().manualSeed(0);

let loader = new cg.DataLoader(train, { batchSize: 32, shuffle: true, generator });
let batches = loader[Symbol.iterator]();
let step = 0;
let epoch = 0;
let running = false;
const losses: number[] = [];
const accuracies: number[] = [];
/** The batch whose gradient is computed (and shown) but not yet applied. */
let pending: { x: Tensor; y: Tensor; loss: number } | null = null;

function nextBatch(): Lib.Batch {
  let b = batches.next();
  if (b.done) {
    epoch++;
    accuracies.push(evaluate());
    batches = loader[Symbol.iterator]();
    b = batches.next();
  }
  return b.value as Lib.Batch;
}

function evaluate(): number {
  return cg.noGrad(() => {
    const predicted = model.forward(test.images).argmax(1).data;
    let right = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === test.labels.data[i]) right++;
    return right / predicted.length;
  });
}

/** The gradient of the next batch at the current weights: computed, shown, not applied. */
function computePending(): void {
  const [x, y] = nextBatch();
  optimizer.zeroGrad();
  const loss = cg.F.crossEntropy(model.forward(x), y);
  loss.backward();
  pending = { x, y, loss: loss.item() };
}

function applyPending(): void {
  if (pending === null) return;
  optimizer.step();
  losses.push(pending.loss);
  step++;
  pending = null;
}

// ---- drawing ----

/** conv1: 16 kernels of 3×3 as cell grids; dw cells are buttons that explain themselves. */
function drawConv1(): void {
  for (const [id, t, clickable] of [
    ['w1', conv1.weight, false],
    ['dw1', conv1.weight.grad, true],
  ] as const) {
    const box = $(id);
    if (t === null) continue;
    const max = Math.max(...Array.from(t.data, Math.abs));
    if (box.childElementCount === 0) {
      box.append(h('h3', {}, clickable ? 'dw' : 'w'));
      for (let o = 0; o < 16; o++) {
        const k = h('div', { class: 'kernel', role: 'group', 'aria-label': `${clickable ? 'dw' : 'w'}[${o}]` });
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) {
            const index = `${o},0,${i},${j}`;
            const cell = clickable
              ? h('button', { type: 'button', class: 'kcell', 'data-testid': 'dw1-cell', 'data-index': index })
              : h('span', { class: 'kcell', 'data-testid': 'w1-cell', 'data-index': index });
            if (clickable) cell.addEventListener('click', () => explainWeight('0', [o, 0, i, j]));
            k.append(cell);
          }
        box.append(k);
      }
    }
    const cells = box.querySelectorAll<HTMLElement>('.kcell');
    cells.forEach((cell, n) => {
      const v = t.data[n];
      cell.style.background = heat(v, max);
      cell.dataset.value = String(v);
      cell.title = `${clickable ? 'dw' : 'w'}[${cell.dataset.index}] = ${v}`;
      if (clickable) cell.setAttribute('aria-label', cell.title);
    });
  }
}

/** conv2's 32×16 kernels on a canvas: output channel o across, input channel c down, 4 px per weight. */
const CELL = 4;
const KERNEL = 3 * CELL + 4;
function drawConv2(): void {
  for (const [id, t] of [
    ['w2', conv2.weight],
    ['dw2', conv2.weight.grad],
  ] as const) {
    if (t === null) continue;
    const canvas = $<HTMLCanvasElement>(id);
    canvas.width = 32 * KERNEL;
    canvas.height = 16 * KERNEL;
    const ctx = canvas.getContext('2d')!;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const max = Math.max(...Array.from(t.data, Math.abs));
    for (let o = 0; o < 32; o++)
      for (let c = 0; c < 16; c++)
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) {
            ctx.fillStyle = heat(t.data[((o * 16 + c) * 3 + i) * 3 + j], max);
            ctx.fillRect(o * KERNEL + j * CELL, c * KERNEL + i * CELL, CELL, CELL);
          }
  }
}

function drawCurves(): void {
  const svg = $('curves');
  const W = 600;
  const H = 160;
  const maxLoss = Math.max(2.5, ...losses);
  const n = Math.max(losses.length, 2);
  const points = losses.map((l, i) => `${((i / (n - 1)) * W).toFixed(1)},${(H - (l / maxLoss) * H).toFixed(1)}`).join(' ');
  const perEpoch = Math.ceil(train.length / loader.batchSize);
  const dots = accuracies
    .map(
      (a, e) =>
        `<circle cx="${(Math.min(1, ((e + 1) * perEpoch) / (n - 1)) * W).toFixed(1)}" cy="${(H - a * H).toFixed(1)}" r="3" class="acc"><title>test accuracy after epoch ${e + 1}: ${(100 * a).toFixed(1)}%</title></circle>`,
    )
    .join('');
  svg.innerHTML = `<polyline points="${points}" class="loss"/>${dots}<text x="4" y="12">loss (line, 0–${fmt(maxLoss)}) · test accuracy (dots, 0–100%)</text>`;
}

function drawStatus(): void {
  const s = $('status');
  const acc = accuracies.length > 0 ? `, test accuracy ${(100 * accuracies[accuracies.length - 1]).toFixed(1)}%` : '';
  const last = losses.length > 0 ? `, loss ${losses[losses.length - 1].toFixed(4)}` : '';
  s.textContent = `${running ? 'training' : 'paused'}: step ${step}, epoch ${epoch + 1}${last}${acc}`;
  s.dataset.step = String(step);
  s.dataset.running = String(running);
}

function drawAll(): void {
  drawConv1();
  drawConv2();
  drawCurves();
  drawStatus();
}

// ---- explanations ----

function imagePlane(x: Tensor, n: number, c: number): { data: number[]; height: number; width: number } {
  const [, C, H, W] = x.shape;
  return { data: Array.from(x.data.subarray((n * C + c) * H * W, (n * C + c + 1) * H * W)), height: H, width: W };
}

/** An input plane as a small canvas, with the cells in `marked` outlined. */
function planeCanvas(plane: { data: number[]; height: number; width: number }, marked: number[][], label: string): HTMLCanvasElement {
  const s = 8;
  const canvas = h('canvas', { width: String(plane.width * s), height: String(plane.height * s), role: 'img', 'aria-label': label });
  const ctx = canvas.getContext('2d')!;
  const max = Math.max(...plane.data.map(Math.abs));
  plane.data.forEach((v, k) => {
    ctx.fillStyle = heat(v, max);
    ctx.fillRect((k % plane.width) * s, Math.floor(k / plane.width) * s, s, s);
  });
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 1.5;
  for (const [i, j] of marked) ctx.strokeRect(j * s + 0.75, i * s + 0.75, s - 1.5, s - 1.5);
  return canvas;
}

function pauseForExplaining(): boolean {
  if (pending === null) computePending();
  if (running) {
    running = false;
    $('run').textContent = 'Train';
    $('run').setAttribute('aria-pressed', 'false');
  }
  return pending !== null;
}

function explainWeight(layer: '0' | '3', index: number[]): void {
  if (!pauseForExplaining()) return;
  const { x, y } = pending!;
  const e = cg.explainLayer(model, { input: x, target: y, layer, elements: [{ kind: 'w', index }] });
  const el = e.weight[0];
  const conv = layer === '0' ? conv1 : conv2;
  const shown = conv.weight.grad!.data[((index[0] * conv.inChannels + index[1]) * 3 + index[2]) * 3 + index[3]];
  const panel = $('explanation');
  panel.replaceChildren();
  const name = `dw[${index.join(',')}] of ${layer === '0' ? 'conv1' : 'conv2'}`;
  panel.append(h('h2', {}, `${name}, over the batch of ${x.shape[0]} images`));
  const agrees = Math.abs(el.value - shown) <= 1e-5 * Math.max(1e-6, ...el.terms.map((t) => Math.abs(t.x * t.dy)));
  panel.append(
    h(
      'p',
      { 'data-testid': 'explain-sum', 'data-value': String(el.value), 'data-shown': String(shown) },
      `Σ of the ${el.terms.length} products x̃·dy = ${fmt(el.value)} ${agrees ? '✓' : '✗'} the gradient shown, ${fmt(shown)} (autograd ${fmt(el.autograd)})`,
    ),
  );
  panel.append(h('p', { class: 'equation' }, cg.elementEquation(e, { kind: 'w', index })));
  panel.append(
    h(
      'p',
      {},
      `Each image below: the ${layer === '0' ? 'input image' : `input channel ${index[1]} (conv1's pooled output)`}, outlined where this weight read it, what its products add and its largest product x̃·dy. Click an image for its dy; click a cell of dy (this layer's output gradient, channel ${index[0]}) to follow the chain rule towards the loss.`,
    ),
  );
  const list = h('div', { class: 'images' });
  for (let n = 0; n < x.shape[0]; n++) {
    const terms = el.terms.filter((t) => t.input !== null && t.input[0] === n);
    const sum = el.terms.filter((t) => t.output !== null && t.output[0] === n).reduce((s, t) => s + t.x * t.dy, 0);
    const figure = h('figure', { 'data-testid': 'explain-image' });
    figure.append(
      planeCanvas(
        imagePlane(e.x, n, index[1]),
        terms.map((t) => t.input!.slice(2)),
        `image ${n}, the cells dw read`,
      ),
    );
    // Beside each image: its part of the sum, and its largest product x̃·dy (with that dy).
    const top = el.terms
      .filter((t) => t.output !== null && t.output[0] === n)
      .reduce<(typeof el.terms)[number] | null>((a, t) => (a === null || Math.abs(t.x * t.dy) > Math.abs(a.x * a.dy) ? t : a), null);
    const largestTerm = top === null ? '' : `; largest ${fmt(top.x)}·${fmt(top.dy)} at y[${top.output!.slice(2).join(',')}]`;
    figure.append(h('figcaption', {}, `#${n} (label ${y.data[n]}): Σ ${fmt(sum)}${largestTerm}`));
    figure.title = `image ${n}: click for its dy`;
    figure.addEventListener('click', () => showDy(e, n, index[0]));
    list.append(figure);
  }
  panel.append(list);
  panel.append(h('div', { id: 'dy', 'data-testid': 'dy' }));
  panel.append(h('pre', { id: 'chain', 'data-testid': 'chain' }));
  showDy(e, 0, index[0]);
  panel.focus();
}

/** dy of the layer's output for one image and channel, as clickable cells. */
function showDy(e: Lib.LayerExplanation, n: number, o: number): void {
  const box = $('dy');
  box.replaceChildren(h('h3', {}, `dy[${n}, ${o}]: ∂E/∂(layer output), image ${n}, channel ${o}`));
  const [, , H, W] = e.dy.shape;
  const plane = Array.from(e.dy.data.subarray((n * e.dy.shape[1] + o) * H * W, (n * e.dy.shape[1] + o + 1) * H * W));
  const max = Math.max(...plane.map(Math.abs));
  const grid = h('div', { class: 'dygrid', style: `grid-template-columns: repeat(${W}, auto)` });
  plane.forEach((v, k) => {
    const index = [n, o, Math.floor(k / W), k % W];
    const cell = h(
      'button',
      { type: 'button', class: 'dycell', 'data-testid': 'dy-cell', 'data-index': index.join(','), title: `dy[${index.join(',')}] = ${v}` },
      fmt(v),
    );
    cell.style.background = heat(v, max);
    cell.addEventListener('click', () => follow(e.graph.loss, e.graph.output, index, 'y'));
    grid.append(cell);
  });
  box.append(grid);
}

/** One step of the chain rule as text, with buttons for its largest terms to take the next step. */
function follow(loss: Tensor, t: Tensor, index: number[], name: string): void {
  const stepOut = cg.explainChain(loss, t, index);
  const pre = $('chain');
  pre.textContent = cg.renderChain(stepOut, name);
  const next = stepOut.consumers
    .flatMap((c) => c.terms.map((term) => ({ c, term })))
    .sort((a, b) => Math.abs(b.term.local * b.term.upstream) - Math.abs(a.term.local * a.term.upstream))
    .slice(0, 4);
  for (const { c, term } of next) {
    if (c.output === loss) continue;
    const b = h('button', { type: 'button', 'data-testid': 'chain-next' }, `↑ o[${term.index.join(',')}] through ${c.op}`);
    b.addEventListener('click', () => follow(loss, c.output, term.index, 'o'));
    pre.append('\n', b);
  }
}

// conv2's canvas: a click finds the weight under the pointer.
$('dw2').addEventListener('click', (ev) => {
  const canvas = ev.currentTarget as HTMLCanvasElement;
  const r = canvas.getBoundingClientRect();
  const px = ((ev.clientX - r.left) * canvas.width) / r.width;
  const py = ((ev.clientY - r.top) * canvas.height) / r.height;
  const o = Math.floor(px / KERNEL);
  const c = Math.floor(py / KERNEL);
  const j = Math.floor((px - o * KERNEL) / CELL);
  const i = Math.floor((py - c * KERNEL) / CELL);
  if (o < 32 && c < 16 && i < 3 && j < 3) explainWeight('3', [o, c, i, j]);
});

// ---- controls ----

async function run(): Promise<void> {
  while (running) {
    applyPending();
    computePending();
    if (step % 5 === 0) drawAll();
    else drawStatus();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  drawAll();
}

$('run').addEventListener('click', () => {
  running = !running;
  $('run').textContent = running ? 'Pause' : 'Train';
  $('run').setAttribute('aria-pressed', String(running));
  if (running) void run();
  else drawAll();
});
$('step-once').addEventListener('click', () => {
  if (running) return;
  applyPending();
  computePending();
  drawAll();
});
$<HTMLInputElement>('lr').addEventListener('change', (ev) => {
  const v = Number((ev.target as HTMLInputElement).value);
  if (v > 0 && v <= 1) for (const g of optimizer.paramGroups) g.lr = v;
});
$<HTMLInputElement>('batch').addEventListener('change', (ev) => {
  const v = Number((ev.target as HTMLInputElement).value);
  if (!Number.isInteger(v) || v < 1 || v > 256) return;
  loader = new cg.DataLoader(train, { batchSize: v, shuffle: true, generator });
  batches = loader[Symbol.iterator]();
  pending = null;
  computePending();
  drawAll();
});

const info = cg.backendInfo();
$('backend').textContent =
  info.backend === 'wasm'
    ? `Backend: WebAssembly SIMD, ${info.wasm.threadsReason ? `1 thread (${info.wasm.threadsReason})` : `${info.wasm.threads} threads`}.`
    : `Backend: reference kernels (plain JavaScript): ${info.wasm.reason || 'WebAssembly SIMD is unavailable'}.`;
computePending();
drawAll();
document.body.dataset.ready = 'true';
