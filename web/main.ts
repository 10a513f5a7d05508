// The interactive page: where every conv gradient comes from. It runs the library itself (loaded from
// ./lib/, the compiled package) through the public explain() API and autograd, draws the (padded)
// input, the kernels, the output and dw, db, dx as heat grids, and explains any gradient cell that is
// clicked (or focused and Enter pressed): its terms light up, and a panel writes the sum.
import type * as Lib from '../src/index.js';
import { heat } from './heat.js';
import {
  PAGE_OPTIONS,
  PRESETS,
  applies,
  explainConfig,
  fromHash,
  presetState,
  selectionOf,
  toHash,
  withDims,
  type PageState,
} from './state.js';

const cg = (await import(/* @vite-ignore */ new URL('lib/index.js', document.baseURI).href)) as typeof Lib;
type Explanation = Lib.Explanation;
type Tensor = Lib.Tensor;
type Kind = 'w' | 'b' | 'x';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
let state: PageState = fromHash(location.hash);
let current: Explanation | null = null;
let selected: { kind: Kind; index: number[] } | null = null;

// ---- controls ----

interface Control {
  key: string;
  label: string;
  kind: 'select' | 'text' | 'number' | 'checkbox';
  options?: readonly (readonly [string, string])[];
  min?: number;
  max?: number;
  hint?: string;
}

const CONTROL_KINDS = { choice: 'select', switch: 'checkbox', int: 'number', sizes: 'text', intOrSizes: 'text', padding: 'text' } as const;

/** The controls: the dimensionality, then one per option of the explain schema (src/explain/schema.ts). */
const CONTROLS: Control[] = [
  {
    key: 'dims',
    label: 'Dimensions',
    kind: 'select',
    options: [
      ['1', '1-D'],
      ['2', '2-D'],
      ['3', '3-D'],
    ],
  },
  ...PAGE_OPTIONS.map((o) => ({
    key: o.key,
    label: o.label,
    kind: CONTROL_KINDS[o.kind],
    options: o.key === 'input' ? [...(o.choices ?? []), ['custom', 'editable cells'] as const] : o.choices,
    min: o.min,
    max: o.max,
    hint: o.hint,
  })),
];
const stateOf = (s: PageState): Record<string, unknown> => s;

/** data-testid of a control: its option name in kebab case ('input-size', 'kernel-size', 'padding-mode', …). */
const testId = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function buildControls(): void {
  const form = $('controls');
  const preset = document.createElement('select');
  preset.id = 'preset';
  preset.dataset.testid = 'preset';
  preset.append(new Option('— choose a preset —', ''));
  for (const [name, p] of Object.entries(PRESETS)) preset.append(new Option(p.label, name));
  preset.addEventListener('change', () => {
    if (preset.value === '') return;
    state = presetState(preset.value);
    commit();
  });
  form.append(field('Preset', preset, 'preset'));
  for (const c of CONTROLS) {
    let el: HTMLInputElement | HTMLSelectElement;
    if (c.kind === 'select') {
      el = document.createElement('select');
      for (const [v, label] of c.options!) el.append(new Option(label, v));
    } else {
      el = document.createElement('input');
      el.type = c.kind;
      if (c.min !== undefined) el.min = String(c.min);
      if (c.max !== undefined) el.max = String(c.max);
      if (c.kind === 'text') {
        el.size = 7;
        el.spellcheck = false;
        el.autocomplete = 'off';
      }
      if (c.hint) el.title = c.hint;
    }
    el.id = `control-${c.key}`;
    el.dataset.testid = testId(c.key);
    el.addEventListener('change', () => {
      const s = { ...state } as Record<string, unknown>;
      const v = el instanceof HTMLInputElement && el.type === 'checkbox' ? el.checked : el.value;
      s[c.key] = c.kind === 'number' || c.key === 'dims' ? Number(v) : v;
      // Editing starts from the input on show.
      if (c.key === 'input' && v === 'custom' && current !== null) s.cells = Array.from(current.x.data, Number);
      // Another dimensionality: sizes like '4x4' become one number that fits it.
      state = c.key === 'dims' ? withDims(state, Number(v) as 1 | 2 | 3) : (s as unknown as PageState);
      ($('preset') as HTMLSelectElement).value = '';
      commit();
    });
    form.append(field(c.label, el, c.key));
  }
  const slice = document.createElement('input');
  slice.type = 'number';
  slice.min = '0';
  slice.id = 'control-slice';
  slice.dataset.testid = 'depth-slice';
  slice.addEventListener('change', () => {
    state = { ...state, slice: Math.max(0, Number(slice.value) || 0) };
    commit();
  });
  form.append(field('Depth slice (3-D)', slice, 'slice'));
  // Edit dy: start from the loss's dy (all equal) and change any element; off goes back to the loss.
  const editDy = document.createElement('input');
  editDy.type = 'checkbox';
  editDy.id = 'control-dy';
  editDy.dataset.testid = 'edit-dy';
  editDy.addEventListener('change', () => {
    state = { ...state, dy: editDy.checked && current !== null ? Array.from(current.dy.data, Number) : [] };
    commit();
  });
  form.append(field('Edit dy', editDy, 'dy'));
}

function field(label: string, el: HTMLElement, key: string): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'field';
  wrap.dataset.field = key;
  const l = document.createElement('label');
  l.htmlFor = el.id;
  l.textContent = label;
  wrap.append(l, el);
  return wrap;
}

function syncControls(): void {
  for (const c of CONTROLS) {
    const el = $<HTMLInputElement>(`control-${c.key}`);
    const v = stateOf(state)[c.key];
    if (c.kind === 'checkbox') el.checked = v as boolean;
    else el.value = String(v);
  }
  $<HTMLInputElement>('control-slice').value = String(state.slice);
  $<HTMLInputElement>('control-dy').checked = state.dy.length > 0;
  // Options that do not apply are hidden: output padding without transposed, padding mode with it, the slice outside 3-D.
  const show = (key: string, on: boolean): void => {
    ($('controls').querySelector(`[data-field="${key}"]`) as HTMLElement).hidden = !on;
  };
  for (const o of PAGE_OPTIONS) show(o.key, applies(o, state));
  show('slice', state.dims === 3);
}

/** A state change: into the URL (shareable), then recompute. */
function commit(): void {
  const hash = toHash(state);
  history.replaceState(null, '', hash === '' ? location.pathname + location.search : hash);
  syncControls();
  compute();
}

// ---- numbers and colours ----

/** Five significant digits (the seed's 1.6875 exactly), integers plainly. */
function fmt(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(5)));
}

// ---- grids ----

interface PlaneRef {
  lead: number[]; // the indices before the spatial ones (e.g. [n, c])
  rows: number;
  cols: number;
  depth: number | null;
  at: (r: number, c: number) => number[]; // the full index of a cell
}

/** The planes of a tensor [A, B, …spatial] to draw: every (a, b), at the chosen depth for 3-D. */
function planes(shape: readonly number[], dims: number): PlaneRef[] {
  const [A, B] = shape;
  const spatial = shape.slice(2);
  const depth = dims === 3 ? Math.min(state.slice, spatial[0] - 1) : null;
  const rows = dims === 1 ? 1 : spatial[dims - 2];
  const cols = spatial[dims - 1];
  const out: PlaneRef[] = [];
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const lead = [a, b];
      out.push({
        lead,
        rows,
        cols,
        depth,
        at: (r, c) => (dims === 1 ? [a, b, c] : dims === 2 ? [a, b, r, c] : [a, b, depth!, r, c]),
      });
    }
  }
  return out;
}

const flat = (shape: readonly number[], index: readonly number[]): number => index.reduce((o, v, d) => o * shape[d] + v, 0);

/** The multi-index of a flat offset in a row-major shape (flat's inverse). */
function unravel(offset: number, shape: readonly number[]): number[] {
  const index: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = offset % shape[d];
    offset = Math.floor(offset / shape[d]);
  }
  return index;
}

interface GridOptions {
  name: string; // the key prefix: xp, x, w, y, dw, db, dx
  title: string;
  caption: (lead: number[]) => string;
  grad?: 'dw' | 'db' | 'dx';
  padded?: (index: number[]) => boolean; // cells of the padding
  editable?: boolean;
  /** For an editable grid: the new values of the whole tensor after one cell changed (default: the input's). */
  onEdit?: (values: number[]) => void;
}

function grid(t: Tensor, dims: number, o: GridOptions): HTMLElement {
  const section = document.createElement('section');
  section.className = 'view';
  section.dataset.view = o.name;
  const h = document.createElement('h3');
  h.textContent = o.title;
  section.append(h);
  let max = 0;
  for (const v of t.data) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  // One notation per tensor, as PyTorch prints it, and cells as wide as its widest number: nothing clipped.
  const number = cg.elementFormatter(t.data, t.dtype);
  const fmt = number.format;
  const shape = t.shape.length === 1 ? [1, t.shape[0], 1] : t.shape; // db: one row
  const list =
    t.shape.length === 1
      ? [{ lead: [0], rows: 1, cols: t.shape[0], depth: null, at: (_r: number, c: number) => [c] } as PlaneRef]
      : planes(shape, dims);
  const wrap = document.createElement('div');
  wrap.className = 'planes';
  // Planes without buttons can scroll sideways on a phone: a keyboard must reach them too.
  if (o.grad === undefined && !o.editable) {
    wrap.tabIndex = 0;
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', o.title);
  }
  for (const p of list) {
    const fig = document.createElement('figure');
    const cap = document.createElement('figcaption');
    cap.textContent = o.caption(p.lead) + (p.depth !== null ? `, depth ${p.depth}` : '');
    const g = document.createElement('div');
    g.className = 'grid';
    g.style.gridTemplateColumns = `repeat(${p.cols}, auto)`;
    g.style.setProperty('--cell-chars', String(number.width));
    g.setAttribute('role', 'group');
    g.setAttribute('aria-label', `${o.title}: ${cap.textContent}`);
    if (o.grad !== undefined) g.addEventListener('keydown', (ev) => moveInGrid(ev, g, p.cols));
    for (let r = 0; r < p.rows; r++) {
      for (let c = 0; c < p.cols; c++) {
        const index = p.at(r, c);
        const v = t.data[flat(t.shape, index)];
        let cell: HTMLElement;
        if (o.grad !== undefined) {
          const b = document.createElement('button');
          b.type = 'button';
          b.dataset.testid = 'grad-cell';
          b.dataset.tensor = o.grad;
          b.setAttribute('aria-label', `${o.grad}[${index.join(',')}] = ${fmt(v)}: explain`);
          b.addEventListener('click', () => {
            select(o.grad === 'dw' ? 'w' : o.grad === 'db' ? 'b' : 'x', index, true);
            revealExplanation();
          });
          // One tab stop per plane (roving tabindex); the arrow keys move inside it.
          b.tabIndex = r === 0 && c === 0 ? 0 : -1;
          cell = b;
        } else if (o.editable) {
          const input = document.createElement('input');
          input.type = 'number';
          input.step = 'any';
          input.value = String(v);
          input.setAttribute('aria-label', `x[${index.join(',')}]`);
          input.addEventListener('change', () => {
            const cells = Array.from(t.data, Number);
            cells[flat(t.shape, index)] = Number(input.value) || 0;
            if (o.onEdit !== undefined) o.onEdit(cells);
            else state = { ...state, input: 'custom', cells };
            const key = input.dataset.key!;
            commit();
            // The page was drawn again: focus goes back to the same cell, not to <body>.
            cellsByKey.get(key)?.[0]?.focus();
          });
          cell = input;
        } else {
          cell = document.createElement('span');
          cell.setAttribute('role', 'img');
          cell.setAttribute('aria-label', `${o.name}[${index.join(',')}] = ${fmt(v)}`);
        }
        cell.classList.add('cell');
        if (o.padded?.(index)) cell.classList.add('pad');
        cell.dataset.key = `${o.name}:${index.join(',')}`;
        cell.dataset.index = index.join(',');
        cell.dataset.value = String(v);
        cell.style.background = heat(v, max);
        if (!(cell instanceof HTMLInputElement)) cell.textContent = fmt(v);
        g.append(cell);
      }
    }
    fig.append(cap, g);
    wrap.append(fig);
  }
  section.append(wrap);
  return section;
}

// ---- compute and draw ----

function makeInput(values: number[], shape: number[]): Tensor {
  return cg.tensor(values, { shape });
}

function compute(): void {
  stop();
  // What the page shows now, for tests and tools: the URL fragment of the state last drawn.
  const rendered = (): void => {
    document.body.dataset.rendered = toHash(state);
  };
  const error = $('error');
  const views = $('views');
  try {
    const e = cg.explain({ ...explainConfig(state, makeInput), elements: [] });
    // A depth slice past the input's depth (a URL can say slice=99) becomes the last one, in the URL too.
    const depths = e.config.dims === 3 ? Math.max(e.x.shape[2], e.y.shape[2]) : 1;
    if (state.slice > depths - 1) {
      state = { ...state, slice: depths - 1 };
      const hash = toHash(state);
      history.replaceState(null, '', hash === '' ? location.pathname + location.search : hash);
      syncControls();
    }
    $<HTMLInputElement>('control-slice').max = String(depths - 1);
    current = e;
    error.hidden = true;
    error.textContent = '';
    draw(e);
    indexCells();
    // The element in the URL (a shared link), else the one selected before, else the first weight.
    const fromUrl = selectionOf(state);
    const keep =
      fromUrl !== null && inside(e, fromUrl)
        ? fromUrl
        : selected !== null && inside(e, selected)
          ? selected
          : { kind: 'w' as Kind, index: e.w.shape.map(() => 0) };
    select(keep.kind, keep.index);
  } catch (err) {
    current = null;
    views.replaceChildren();
    // Nothing of the last drawing stays: its summary and step line described another setting.
    $('explanation').textContent = '';
    $('summary').textContent = '';
    $('step-info').textContent = '';
    error.hidden = false;
    error.textContent = err instanceof Error ? err.message : String(err);
  }
  rendered();
}

function inside(e: Explanation, s: { kind: Kind; index: number[] }): boolean {
  const shape = s.kind === 'w' ? e.w.shape : s.kind === 'b' ? e.b?.shape : e.x.shape;
  return shape !== undefined && shape.length === s.index.length && s.index.every((v, d) => v < shape[d]);
}

/**
 * A kernel's caption: its two leading indices and, with groups, which channel of x (of y, transposed)
 * the second one is: in group g, kernel channel c reads x channel g·C_in/G + c.
 */
function kernelCaption(r: Explanation['config']): (lead: number[]) => string {
  return ([a, b]) => {
    if (r.groups === 1) return r.transposed ? `in ${a}, out ${b}` : `out ${a}, in ${b}`;
    if (r.transposed) {
      const group = Math.floor(a / (r.inChannels / r.groups));
      return `in ${a}, out ${b} (y channel ${group * (r.outChannels / r.groups) + b})`;
    }
    const group = Math.floor(a / (r.outChannels / r.groups));
    return `out ${a}, in ${b} (x channel ${group * (r.inChannels / r.groups) + b})`;
  };
}

function draw(e: Explanation): void {
  const r = e.config;
  const views = $('views');
  views.replaceChildren();
  const fwd = document.createElement('div');
  fwd.className = 'row';
  const lo = r.paddingLo;
  const isPad = (index: number[]): boolean => index.slice(2).some((p, d) => p < lo[d] || p >= lo[d] + r.inputSize[d]);
  if (r.transposed)
    fwd.append(
      grid(e.x, r.dims, { name: 'x', title: 'Input x', caption: ([n, c]) => `n=${n}, c=${c}`, editable: state.input === 'custom' }),
    );
  else {
    if (state.input === 'custom')
      fwd.append(
        grid(e.x, r.dims, { name: 'x', title: 'Input x (edit the cells)', caption: ([n, c]) => `n=${n}, c=${c}`, editable: true }),
      );
    fwd.append(
      grid(e.xPadded, r.dims, {
        name: 'xp',
        title:
          r.paddingLo.some((p) => p > 0) || r.paddingHi.some((p) => p > 0)
            ? `Padded input x̃ (${r.paddingMode} padding, shaded)`
            : 'Input x̃ (no padding)',
        caption: ([n, c]) => `n=${n}, c=${c}`,
        padded: isPad,
      }),
    );
  }
  fwd.append(
    grid(e.w, r.dims, {
      name: 'w',
      title: r.transposed ? 'Kernels w [in, out/groups, …]' : 'Kernels w [out, in/groups, …]',
      caption: kernelCaption(r),
    }),
  );
  fwd.append(
    grid(e.y, r.dims, {
      name: 'y',
      title: r.transposed ? 'Output y (the scattered contributions summed)' : 'Output y',
      caption: ([n, o]) => `n=${n}, o=${o}`,
    }),
  );
  const back = document.createElement('div');
  back.className = 'row';
  // dy, the upstream gradient: every element equal under a mean or sum loss; edit it to see dx's structure.
  const edited = state.dy.length > 0;
  back.append(
    grid(e.dy, r.dims, {
      name: 'dy',
      title: edited ? 'dy = ∂E/∂y (edited: E = Σ dy·y)' : `dy = ∂E/∂y (from the ${e.loss.kind} loss)`,
      caption: ([n, o]) => `n=${n}, o=${o}`,
      editable: edited,
      onEdit: (values) => {
        state = { ...state, dy: values };
      },
    }),
  );
  back.append(
    grid(e.dw, r.dims, {
      name: 'dw',
      title: 'dw = ∂E/∂w (click a cell)',
      caption: kernelCaption(r),
      grad: 'dw',
    }),
  );
  if (e.db !== null) back.append(grid(e.db, r.dims, { name: 'db', title: 'db = ∂E/∂b', caption: () => 'per output channel', grad: 'db' }));
  back.append(grid(e.dx, r.dims, { name: 'dx', title: 'dx = ∂E/∂x', caption: ([n, c]) => `n=${n}, c=${c}`, grad: 'dx' }));
  const h1 = document.createElement('h2');
  h1.textContent = 'Forward pass';
  const h2 = document.createElement('h2');
  h2.textContent = `Gradients of E = y.${e.loss.kind}()`;
  views.append(h1, fwd, h2, back);
  const summary =
    `${r.transposed ? 'ConvTranspose' : 'Conv'}${r.dims}d: x [${e.x.shape.join(', ')}] → y [${e.y.shape.join(', ')}], w [${e.w.shape.join(', ')}]` +
    (e.loss.kind === 'mean'
      ? `; E is the mean of M = ${e.loss.count} outputs, so every dy = 1/${e.loss.count}`
      : '; E is the sum of the outputs, so every dy = 1');
  $('summary').textContent = summary;
}

/** Arrow keys (and Home/End) inside a grid of gradient cells: focus moves, and so does the one tab stop. */
function moveInGrid(ev: KeyboardEvent, g: HTMLElement, cols: number): void {
  const cells = [...g.children] as HTMLElement[];
  const at = cells.indexOf(document.activeElement as HTMLElement);
  if (at < 0) return;
  const rows = Math.ceil(cells.length / cols);
  const [r, c] = [Math.floor(at / cols), at % cols];
  const to: Record<string, [number, number]> = {
    ArrowLeft: [r, Math.max(0, c - 1)],
    ArrowRight: [r, Math.min(cols - 1, c + 1)],
    ArrowUp: [Math.max(0, r - 1), c],
    ArrowDown: [Math.min(rows - 1, r + 1), c],
    Home: [r, 0],
    End: [r, cols - 1],
  };
  const next = to[ev.key];
  if (next === undefined) return;
  ev.preventDefault();
  const target = cells[next[0] * cols + next[1]];
  if (target === undefined) return;
  for (const el of cells) el.tabIndex = -1;
  target.tabIndex = 0;
  target.focus();
}

/** On a narrow screen the explanation sits below the grids: a click brings it into view. */
function revealExplanation(): void {
  if (window.matchMedia('(max-width: 900px)').matches) $('explanation').scrollIntoView({ block: 'start', behavior: 'instant' });
}

/** The drawn cells by data-key (one lookup per term, not one document query), rebuilt after each draw. */
let cellsByKey = new Map<string, HTMLElement[]>();
const marked = new Map<string, HTMLElement[]>();

function indexCells(): void {
  cellsByKey = new Map();
  for (const el of document.querySelectorAll<HTMLElement>('#views [data-key]')) {
    const list = cellsByKey.get(el.dataset.key!);
    if (list === undefined) cellsByKey.set(el.dataset.key!, [el]);
    else list.push(el);
  }
  marked.clear();
}

const TERM_NOTE = ', a term of the selected sum';

/** Lights the cells of `keys` (and says so to a screen reader, in their labels). */
function mark(keys: Iterable<string>, cls: string): void {
  for (const el of marked.get(cls) ?? []) {
    el.classList.remove(cls);
    const label = el.getAttribute('aria-label');
    if (label?.endsWith(TERM_NOTE)) el.setAttribute('aria-label', label.slice(0, -TERM_NOTE.length));
  }
  const now: HTMLElement[] = [];
  for (const k of keys)
    for (const el of cellsByKey.get(k) ?? []) {
      el.classList.add(cls);
      const label = el.getAttribute('aria-label');
      if (label !== null && !label.endsWith(TERM_NOTE)) el.setAttribute('aria-label', label + TERM_NOTE);
      now.push(el);
    }
  marked.set(cls, now);
}

/** Explains one gradient element: lights its terms up and writes the sum in the panel. */
function select(kind: Kind, index: number[], byUser = false): void {
  if (current === null) return;
  selected = { kind, index };
  // A selection the user makes lives in the URL too (a link opens on the same element), without redrawing.
  const sel = kind === 'w' && index.every((v) => v === 0) ? '' : `${kind}:${index.join(',')}`;
  if (byUser && state.sel !== sel) {
    state = { ...state, sel };
    const hash = toHash(state);
    history.replaceState(null, '', hash === '' ? location.pathname + location.search : hash);
    document.body.dataset.rendered = hash;
  }
  const panel = $('explanation');
  try {
    const e = cg.explain({ ...explainConfig(state, makeInput), elements: [{ kind, index }] });
    const keys = new Set<string>();
    const name = kind === 'w' ? 'dw' : kind === 'b' ? 'db' : 'dx';
    keys.add(`${name}:${index.join(',')}`);
    const xName = e.config.transposed ? 'x' : 'xp';
    // Only the products that reach an output are terms of the sum: a transposed convolution's products
    // that land in the cropped padding are listed in the details, not lit.
    if (kind === 'w') {
      keys.add(`w:${index.join(',')}`);
      for (const t of e.weight[0].terms) {
        if (t.output === null) continue;
        keys.add(`y:${t.output.join(',')}`);
        const at = e.config.transposed ? t.input : t.padded;
        if (at) keys.add(`${xName}:${at.join(',')}`);
      }
    } else if (kind === 'b') {
      for (const t of e.bias[0].terms) keys.add(`y:${t.output.join(',')}`);
    } else {
      keys.add(`x:${index.join(',')}`);
      for (const t of e.input[0].terms) {
        if (t.output === null) continue;
        keys.add(`w:${t.weight.join(',')}`);
        keys.add(`y:${t.output.join(',')}`);
        if (t.padded) keys.add(`xp:${t.padded.join(',')}`);
      }
    }
    // Each output's dy is a factor of its term too.
    for (const k of [...keys]) if (k.startsWith('y:')) keys.add(`d${k}`);
    mark(keys, 'term');
    // Only the gradient cells are toggles: Play keeps its own aria-pressed.
    for (const el of document.querySelectorAll('[data-testid="grad-cell"][aria-pressed]')) el.removeAttribute('aria-pressed');
    const chosen = cellsByKey.get(`${name}:${index.join(',')}`)?.[0];
    if (chosen !== undefined) {
      chosen.setAttribute('aria-pressed', 'true');
      for (const el of chosen.parentElement?.children ?? []) (el as HTMLElement).tabIndex = -1;
      chosen.tabIndex = 0;
    }
    const el = kind === 'w' ? e.weight[0] : kind === 'b' ? e.bias[0] : e.input[0];
    const contributing = (el.terms as { output: number[] | null }[]).filter((t) => t.output !== null).length;
    const ok = cg.agreesWithAutograd(e, el);
    const closed = kind === 'w' ? e.closedForm.weight : kind === 'b' ? e.closedForm.bias : e.closedForm.input;
    panel.replaceChildren();
    const h = document.createElement('h2');
    h.textContent = `Where ${name}[${index.join(',')}] comes from`;
    const eq = document.createElement('p');
    eq.className = 'equation';
    eq.dataset.testid = 'equation';
    eq.textContent = cg.elementEquation(e, { kind, index });
    const check = document.createElement('p');
    check.dataset.testid = 'autograd';
    check.textContent =
      `${ok ? '✓' : '✗'} autograd (backward()) computes ${el.autograd}; the ${contributing} term${contributing === 1 ? '' : 's'} sum to ${el.value}.` +
      (contributing === 0 && kind === 'x'
        ? ' No window reaches this element (the stride passes over it), so no output depends on it and its gradient is 0.'
        : '');
    const cf = document.createElement('p');
    cf.className = 'closed-form';
    cf.textContent = closed;
    const details = document.createElement('details');
    const sum = document.createElement('summary');
    sum.textContent = 'Every product, with the padded input marked';
    const pre = document.createElement('pre');
    pre.textContent = cg.renderElement(e, { kind, index });
    // It scrolls sideways: reachable by keyboard (axe: scrollable-region-focusable).
    pre.tabIndex = 0;
    pre.setAttribute('aria-label', `Every product of ${name}[${index.join(',')}]`);
    details.append(sum, pre);
    // The chain rule this sum is: through every output y the element reaches.
    const chain = document.createElement('p');
    chain.dataset.testid = 'chain-rule';
    const local = kind === 'w' ? (e.config.transposed ? 'x' : 'x̃') : kind === 'b' ? '1' : 'w';
    const of = `${kind}[${index.join(',')}]`;
    chain.textContent = `Chain rule: ∂E/∂${of} = Σ_y ∂E/∂y · ∂y/∂${of} = Σ dy · ${local}, over the outputs y that ${of} reaches.`;
    panel.append(h, eq, check, cf, chain);
    if (e.config.dims === 3) panel.append(depthNote(e, kind, index, keys));
    panel.append(details, checks(e, kind, index, el.autograd));
  } catch (err) {
    panel.textContent = err instanceof Error ? err.message : String(err);
  }
}

/**
 * 3-D: the grids show one depth slice, so say which depths the lit terms lie in, how many of them the
 * slice shown holds, and where the selected cell is when it is in another slice.
 */
function depthNote(e: Explanation, kind: Kind, index: number[], keys: Set<string>): HTMLElement {
  const p = document.createElement('p');
  p.dataset.testid = 'depth-note';
  const shown = Math.min(state.slice, e.x.shape[2] - 1);
  const depths = new Map<number, number>();
  for (const k of keys) {
    const [view, at] = k.split(':');
    if (view !== 'y') continue;
    const d = Number(at.split(',')[2]);
    depths.set(d, (depths.get(d) ?? 0) + 1);
  }
  const list = [...depths.keys()].sort((a, b) => a - b);
  const here = depths.get(Math.min(state.slice, e.y.shape[2] - 1)) ?? 0;
  let text = `3-D: the grids show depth ${shown}. The ${[...depths.values()].reduce((a, b) => a + b, 0)} outputs this sum reads lie at depth${list.length === 1 ? '' : 's'} ${list.join(', ') || '—'}; ${here} of them in the slice shown (the others are hidden: change the depth slice to see them).`;
  if (kind === 'x' && index[2] !== shown) text += ` The selected x[${index.join(',')}] is at depth ${index[2]}.`;
  p.textContent = text;
  return p;
}

// ---- checks beside an explanation: a finite difference, one SGD step ----

/** E of an output: the page's loss (mean or sum of y), or Σ dy·y when dy was given. In float64. */
function lossOf(y: Tensor, e: Explanation): number {
  let E = 0;
  for (let i = 0; i < y.numel; i++) E += e.loss.kind === 'given' ? e.dy.data[i] * y.data[i] : y.data[i];
  return e.loss.kind === 'mean' ? E / y.numel : E;
}

/** The output y of the page's convolution with these float64 tensors. */
function forward64(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const base = explainConfig(state, makeInput);
  return cg.explain({ ...base, dtype: 'float64', input: x, weight: w, ...(b === null ? {} : { biasValues: b }), elements: [] }).y;
}

const as64 = (t: Tensor): Tensor => cg.tensor(Array.from(t.data), { shape: [...t.shape], dtype: 'float64' });

/** Two buttons: check the element with a central finite difference; take one SGD step and see E fall. */
function checks(e: Explanation, kind: Kind, index: number[], autograd: number): HTMLElement {
  const box = document.createElement('div');
  box.className = 'checks';
  const fdButton = document.createElement('button');
  fdButton.type = 'button';
  fdButton.dataset.testid = 'fd-check';
  fdButton.textContent = 'Check with a finite difference';
  const fdOut = document.createElement('p');
  fdOut.dataset.testid = 'finite-difference';
  fdButton.addEventListener('click', () => {
    const [x, w] = [as64(e.x), as64(e.w)];
    const b = e.b === null ? null : as64(e.b);
    const target = kind === 'w' ? w : kind === 'b' ? b! : x;
    const at = flat(target.shape, index);
    const h = 1e-4;
    const E = (delta: number): number => {
      const saved = target.data[at];
      target.data[at] = saved + delta;
      const value = lossOf(forward64(x, w, b), e);
      target.data[at] = saved;
      return value;
    };
    const fd = (E(h) - E(-h)) / (2 * h);
    const agrees = Math.abs(fd - autograd) <= 1e-4 * Math.max(1, Math.abs(autograd));
    fdOut.dataset.value = String(fd);
    fdOut.textContent = `(E(${kind} + h) − E(${kind} − h)) / 2h with h = 1e-4, in float64: ${fd.toPrecision(7)} ${agrees ? '✓' : '✗'} autograd ${autograd}`;
  });
  const lr = document.createElement('input');
  lr.type = 'number';
  lr.step = 'any';
  lr.value = '0.1';
  lr.id = 'sgd-lr';
  lr.dataset.testid = 'sgd-lr';
  const lrLabel = document.createElement('label');
  lrLabel.htmlFor = lr.id;
  lrLabel.textContent = ' lr ';
  const sgdButton = document.createElement('button');
  sgdButton.type = 'button';
  sgdButton.dataset.testid = 'sgd';
  sgdButton.textContent = 'One SGD step';
  const sgdOut = document.createElement('p');
  sgdOut.dataset.testid = 'sgd-step';
  sgdButton.addEventListener('click', () => {
    const rate = Number(lr.value);
    if (!Number.isFinite(rate)) {
      sgdOut.textContent = `lr ${JSON.stringify(lr.value)} is not a number`;
      return;
    }
    const w = cg.tensor(
      Array.from(e.w.data, (v, i) => v - rate * e.dw.data[i]),
      { shape: [...e.w.shape], dtype: 'float64' },
    );
    const b =
      e.b === null
        ? null
        : cg.tensor(
            Array.from(e.b.data, (v, i) => v - rate * e.db!.data[i]),
            { shape: [...e.b.shape], dtype: 'float64' },
          );
    const before = lossOf(forward64(as64(e.x), as64(e.w), e.b === null ? null : as64(e.b)), e);
    const after = lossOf(forward64(as64(e.x), w, b), e);
    sgdOut.dataset.before = String(before);
    sgdOut.dataset.after = String(after);
    sgdOut.textContent = `w ← w − ${rate}·dw${e.b === null ? '' : `, b ← b − ${rate}·db`}: E goes from ${before.toPrecision(6)} to ${after.toPrecision(6)} (${after < before ? 'down' : 'not down'} by ${(before - after).toPrecision(3)})`;
  });
  box.append(fdButton, fdOut, sgdButton, lrLabel, lr, sgdOut);
  return box;
}

// ---- the sliding window (forward pass) ----

let timer: ReturnType<typeof setInterval> | null = null;
let step = -1;

function stop(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
  step = -1;
  $('play').textContent = 'Play';
  $('play').setAttribute('aria-pressed', 'false');
  mark([], 'window');
}

/**
 * One step of the backward pass, element by element: dx (the transposed convolution of dy with the
 * flipped kernel: each dx element reads a window of dy through the kernel's taps) or dw (the correlation
 * of x with dy: each dw element slides dy over x̃ at its kernel offset). Lights that element's terms.
 */
function showBackwardStep(e: Explanation, pass: 'dx' | 'dw'): void {
  const source = pass === 'dx' ? e.x : e.w;
  step = (step + 1) % source.numel;
  const index = unravel(step, source.shape);
  const kind = pass === 'dx' ? 'x' : 'w';
  const one = cg.explain({ ...explainConfig(state, makeInput), elements: [{ kind, index }] });
  const keys: string[] = [`${pass}:${index.join(',')}`];
  if (pass === 'dx') {
    for (const t of one.input[0].terms) {
      if (t.output === null) continue;
      keys.push(`w:${t.weight.join(',')}`, `dy:${t.output.join(',')}`);
    }
    keys.push(`x:${index.join(',')}`);
    $('step-info').textContent =
      `dx[${index.join(',')}] = Σ dy · w over the dy cells it reached, through the kernel flipped (the transposed convolution of dy) = ${fmt(one.input[0].value)}`;
  } else {
    const xName = e.config.transposed ? 'x' : 'xp';
    for (const t of one.weight[0].terms) {
      if (t.output === null) continue;
      keys.push(`dy:${t.output.join(',')}`);
      const at = e.config.transposed ? t.input : t.padded;
      if (at !== null) keys.push(`${xName}:${at.join(',')}`);
    }
    keys.push(`w:${index.join(',')}`);
    $('step-info').textContent =
      `dw[${index.join(',')}] = Σ x̃ · dy: dy slid over x̃ at this kernel offset (the correlation of x with dy) = ${fmt(one.weight[0].value)}`;
  }
  mark(keys, 'window');
}

/** Lights up one step of the chosen pass; forward: an output cell and the window it reads (transposed: one input cell and where it scatters). */
function showStep(): void {
  const e = current;
  if (e === null) return;
  const pass = ($<HTMLSelectElement>('pass')?.value ?? 'forward') as 'forward' | 'dx' | 'dw';
  if (pass !== 'forward') {
    showBackwardStep(e, pass);
    return;
  }
  const r = e.config;
  const source = r.transposed ? e.x : e.y;
  step = (step + 1) % source.numel;
  const index = unravel(step, source.shape);
  const [n, a, ...i] = index;
  const keys: string[] = [];
  const cinG = r.inChannels / r.groups;
  const coutG = r.outChannels / r.groups;
  const kernel = (f: (k: number[]) => void): void => {
    const total = r.kernelSize.reduce((p, v) => p * v, 1);
    for (let t = 0; t < total; t++) f(unravel(t, r.kernelSize));
  };
  if (!r.transposed) {
    const g = Math.floor(a / coutG);
    keys.push(`y:${index.join(',')}`);
    for (let c = 0; c < cinG; c++) {
      kernel((k) => {
        keys.push(`w:${[a, c, ...k].join(',')}`);
        keys.push(`xp:${[n, g * cinG + c, ...i.map((v, d) => v * r.stride[d] + k[d] * r.dilation[d])].join(',')}`);
      });
    }
    const bias = e.b === null ? '' : ` + b[${index[1]}]`;
    $('step-info').textContent = `y[${index.join(',')}] = Σ w · x̃ over its window${bias} = ${fmt(e.y.data[step])}`;
  } else {
    const g = Math.floor(a / cinG);
    keys.push(`x:${index.join(',')}`);
    for (let c = 0; c < coutG; c++) {
      kernel((k) => {
        keys.push(`w:${[a, c, ...k].join(',')}`);
        const j = i.map((v, d) => v * r.stride[d] + k[d] * r.dilation[d] - r.paddingLo[d]);
        if (j.every((v, d) => v >= 0 && v < r.outputSize[d])) keys.push(`y:${[n, g * coutG + c, ...j].join(',')}`);
      });
    }
    $('step-info').textContent = `x[${index.join(',')}] = ${fmt(e.x.data[step])} scatters x · w into the lit output cells`;
  }
  mark(keys, 'window');
}

function setupPlayer(): void {
  $('play').addEventListener('click', () => {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
      $('play').textContent = 'Play';
      $('play').setAttribute('aria-pressed', 'false');
      return;
    }
    $('play').textContent = 'Pause';
    $('play').setAttribute('aria-pressed', 'true');
    showStep();
    timer = setInterval(showStep, 800);
  });
  $('step').addEventListener('click', () => showStep());
  // Another pass starts from its first element.
  $('pass').addEventListener('change', () => {
    step = -1;
    mark([], 'window');
    $('step-info').textContent = '';
  });
}

// ---- start ----

function backendLine(): string {
  const info = cg.backendInfo();
  if (info.backend === 'wasm') {
    const n = info.wasm.threads;
    const threads = info.wasm.threadsReason ? `1 thread (${info.wasm.threadsReason})` : `${n} thread${n === 1 ? '' : 's'}`;
    return `Backend: WebAssembly SIMD${info.wasm.features === 'relaxed-simd' ? ' (relaxed SIMD)' : ''}, ${threads}; convolutions under 4096 multiply-adds run on the reference kernel (plain loops), as in Node.`;
  }
  return `Backend: reference kernels (plain JavaScript loops): ${info.wasm.reason || 'WebAssembly SIMD is unavailable'}.`;
}

buildControls();
setupPlayer();
$('backend').textContent = backendLine();
window.addEventListener('hashchange', () => {
  state = fromHash(location.hash);
  syncControls();
  compute();
});
syncControls();
compute();
document.body.dataset.ready = 'true';
