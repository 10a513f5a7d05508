// `convgrad explain`: flags → an explanation as text, JSON or SVG. Parsing only; the work is in explain/.
import { writeFileSync } from 'node:fs';
import type { DType } from '../tensor/tensor.js';
import type { PaddingMode } from '../tensor/conv_params.js';
import { explain, type ExplainConfig, type Explanation } from '../explain/explain.js';
import { findElement, renderText, type ElementKind, type ElementRef } from '../explain/render_text.js';
import { renderSvg } from '../explain/render_svg.js';

export const EXPLAIN_USAGE = `usage: convgrad explain [options]

Explains where every element of the weight, bias and input gradients of a convolution comes from.
Defaults: the seed's last experiment (1→2 channels, 3x3 kernel, padding 1, input range(1, 16) as
1x1x4x4, loss mean).

  --input-size 4x4        spatial size, 1-3 numbers (sets the dimensionality)
  --batch N               batch size (1)
  --in-channels N         (1)          --out-channels N   (2)
  --kernel-size 3|3x2     (3)          --stride 1|2x1     (1)
  --padding 1|1x2|same|valid (1)       --dilation 1|2x1   (1)
  --groups N              (1)          --padding-mode zeros|reflect|replicate|circular
  --bias                  add a bias   --transposed       a transposed convolution
  --output-padding 0|1x0  (transposed only)
  --loss mean|sum         (mean)       --input range|randn|ones (range)
  --seed N                weights as after torch.manual_seed(N) (0)
  --dtype float32|float64 (float32)
  --element w:0,0,1,2 | b:1 | x:0,0,3,3   explain one element
  --json                  print the explanation as JSON
  --svg FILE              write a picture of the chosen element (default w:0,…,0)
  --no-color              no colour even on a terminal (NO_COLOR is respected too)`;

export interface ExplainCommand {
  config: ExplainConfig;
  element: ElementRef | null;
  json: boolean;
  svg: string | null;
  color: boolean | null;
}

function sizes(flag: string, value: string): number[] {
  const parts = value.split('x');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new Error(`convgrad explain: ${flag} ${JSON.stringify(value)} is invalid; expected 1-3 non-negative integers joined by x, e.g. 3 or 3x2`);
  }
  return parts.map(Number);
}

function intOrSizes(flag: string, value: string): number | number[] {
  const s = sizes(flag, value);
  return s.length === 1 ? s[0] : s;
}

function integer(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new Error(`convgrad explain: ${flag} ${JSON.stringify(value)} is invalid; expected an integer of at most 2^53 in size`);
  }
  return Number(value);
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`convgrad explain: ${flag} ${JSON.stringify(value)} is invalid; expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function parseElement(value: string): ElementRef {
  const m = /^([wbx]):(\d+(,\d+)*)$/.exec(value);
  if (m === null) {
    throw new Error(`convgrad explain: --element ${JSON.stringify(value)} is invalid; expected w:o,c,k… or b:o or x:n,c,i… (e.g. w:0,0,1,2)`);
  }
  return { kind: m[1] as ElementKind, index: m[2].split(',').map(Number) };
}

export function parseExplainArgs(argv: readonly string[]): ExplainCommand {
  const config: ExplainConfig = {};
  const cmd: ExplainCommand = { config, element: null, json: false, svg: null, color: null };
  const valueFlags = new Set([
    '--input-size', '--batch', '--in-channels', '--out-channels', '--kernel-size', '--stride', '--padding', '--dilation', '--groups',
    '--padding-mode', '--output-padding', '--loss', '--input', '--seed', '--element', '--svg', '--dtype',
  ]);
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (valueFlags.has(flag) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`convgrad explain: ${flag} needs a value`);
    }
    const v = value ?? '';
    switch (flag) {
      case '--input-size':
        config.inputSize = sizes(flag, v);
        break;
      case '--batch':
        config.batch = integer(flag, v);
        break;
      case '--in-channels':
        config.inChannels = integer(flag, v);
        break;
      case '--out-channels':
        config.outChannels = integer(flag, v);
        break;
      case '--kernel-size':
        config.kernelSize = intOrSizes(flag, v);
        break;
      case '--stride':
        config.stride = intOrSizes(flag, v);
        break;
      case '--padding':
        config.padding = v === 'same' || v === 'valid' ? v : intOrSizes(flag, v);
        break;
      case '--dilation':
        config.dilation = intOrSizes(flag, v);
        break;
      case '--groups':
        config.groups = integer(flag, v);
        break;
      case '--padding-mode':
        config.paddingMode = oneOf<PaddingMode>(flag, v, ['zeros', 'reflect', 'replicate', 'circular']);
        break;
      case '--output-padding':
        config.outputPadding = intOrSizes(flag, v);
        break;
      case '--loss':
        config.loss = oneOf(flag, v, ['mean', 'sum'] as const);
        break;
      case '--input':
        config.input = oneOf(flag, v, ['range', 'randn', 'ones'] as const);
        break;
      case '--seed':
        config.seed = integer(flag, v);
        break;
      case '--dtype':
        config.dtype = oneOf<DType>(flag, v, ['float32', 'float64']);
        break;
      case '--element':
        cmd.element = parseElement(v);
        break;
      case '--svg':
        cmd.svg = v;
        break;
      case '--bias':
        config.bias = true;
        break;
      case '--transposed':
        config.transposed = true;
        break;
      case '--json':
        cmd.json = true;
        break;
      case '--no-color':
        cmd.color = false;
        break;
      case '--color':
        cmd.color = true;
        break;
      default:
        throw new Error(`convgrad explain: unknown option ${JSON.stringify(argv[i])}; see convgrad explain --help`);
    }
  }
  if (config.outputPadding !== undefined && config.transposed !== true) {
    throw new Error('convgrad explain: --output-padding applies to transposed convolutions only; add --transposed (or drop --output-padding)');
  }
  return cmd;
}

/** The JSON document `--json` prints: { config, loss, weight, bias, input } (see the README). */
export function explanationJson(e: Explanation, element: ElementRef | null): object {
  const pick = <T extends { index: number[] }>(kind: ElementKind, list: T[]): T[] =>
    element === null ? list : element.kind === kind ? list.filter((el) => el === (findElement(e, element) as unknown)) : [];
  return {
    config: e.config,
    loss: e.loss,
    weight: pick('w', e.weight),
    bias: pick('b', e.bias),
    input: pick('x', e.input),
  };
}

export interface Io {
  out: (s: string) => void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

export function runExplain(argv: readonly string[], io: Io): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(EXPLAIN_USAGE + '\n');
    return 0;
  }
  const cmd = parseExplainArgs(argv);
  // Only what will be shown is explained: the one element, or the worked elements of the text; the
  // JSON of every element is the only full explanation (and refused past the size budget).
  const elements = cmd.element !== null ? [cmd.element] : cmd.json ? undefined : 'worked';
  const e = explain({ ...cmd.config, elements });
  if (cmd.element !== null) findElement(e, cmd.element); // a clear error for a bad index, before any output
  if (cmd.svg !== null) writeFileSync(cmd.svg, renderSvg(e, cmd.element));
  if (cmd.json) io.out(JSON.stringify(explanationJson(e, cmd.element), null, 2) + '\n');
  else {
    const color = cmd.color ?? (io.isTTY && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === ''));
    io.out(renderText(e, cmd.element, { color }));
    if (cmd.svg !== null) io.out(`\nwrote ${cmd.svg}\n`);
  }
  return 0;
}
