// `convgrad explain`: flags → an explanation as text, JSON or SVG. Parsing only; the work is in explain/.
import { writeFileSync } from 'node:fs';
import { explain } from '../explain/explain.js';
import type { ExplainConfig, Explanation } from '../explain/types.js';
import { findElement, renderText, type ElementKind, type ElementRef } from '../explain/render_text.js';
import { renderSvg } from '../explain/render_svg.js';
import { EXPLAIN_OPTIONS, explainOptionsHelp, parseOptionText, type ExplainOption } from '../explain/schema.js';
import { explainLayer } from '../explain/layer.js';
import { noGrad } from '../autograd/mode.js';
import { loadTrained } from './predict.js';

export const EXPLAIN_USAGE = `usage: convgrad explain [options]

Explains where every element of the weight, bias and input gradients of a convolution comes from.
Defaults: the seed's last experiment (1→2 channels, 3x3 kernel, padding 1, input range(1, 16) as
1x1x4x4, loss mean).

${explainOptionsHelp()}
  --element w:0,0,1,2 | b:1 | x:0,0,3,3   explain one element
  --json                          print the explanation as JSON
  --svg FILE                      write a picture of the chosen element (default w:0,…,0)
  --no-color                      no colour even on a terminal (NO_COLOR is respected too)

usage: convgrad explain --weights FILE.safetensors --layer NAME [--images A:B] [--split test|train]
                        [--element w:o,c,i,j | b:o | x:n,c,i,j] [--json] [--svg FILE]

Explains a gradient inside a network trained by convgrad train (weights or a checkpoint): the model and
data set named in the file, images A to B-1 of the test set (0:32) as the batch, cross-entropy against
their labels, and the conv layer NAME ('0', '3', as in the state dict). The configuration comes from
the layer; --dataset, --data and --model override the file's metadata.`;

export interface ExplainCommand {
  config: ExplainConfig;
  element: ElementRef | null;
  json: boolean;
  svg: string | null;
  color: boolean | null;
}

export function parseElement(value: string): ElementRef {
  const m = /^([wbx]):(\d+(,\d+)*)$/.exec(value);
  if (m === null) {
    throw new Error(
      `convgrad explain: --element ${JSON.stringify(value)} is invalid; expected w:o,c,k… or b:o or x:n,c,i… (e.g. w:0,0,1,2)`,
    );
  }
  return { kind: m[1] as ElementKind, index: m[2].split(',').map(Number) };
}

/** The schema's options by flag. */
const BY_FLAG = new Map<string, ExplainOption>(EXPLAIN_OPTIONS.map((o: ExplainOption) => [o.flag, o]));
/** The CLI's own flags that take a value (the rest of its flags come from the schema). */
const CLI_VALUE_FLAGS = new Set(['--element', '--svg']);

export function parseExplainArgs(argv: readonly string[]): ExplainCommand {
  const config: Record<string, unknown> = {};
  const cmd: ExplainCommand = { config: config as ExplainConfig, element: null, json: false, svg: null, color: null };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const option = BY_FLAG.get(flag);
    if ((CLI_VALUE_FLAGS.has(flag) || (option !== undefined && option.kind !== 'switch')) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`convgrad explain: ${flag} needs a value`);
    }
    const v = value ?? '';
    if (option !== undefined) {
      config[option.key] = option.kind === 'switch' ? true : parseOptionText(option, v, `convgrad explain: ${flag}`);
      continue;
    }
    switch (flag) {
      case '--element':
        cmd.element = parseElement(v);
        break;
      case '--svg':
        cmd.svg = v;
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
    throw new Error(
      'convgrad explain: --output-padding applies to transposed convolutions only; add --transposed (or drop --output-padding)',
    );
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

/** `convgrad explain --weights FILE --layer NAME …`: an element of a trained network's conv layer, on a batch of its data. */
export async function runExplainNetwork(argv: readonly string[], io: Io): Promise<number> {
  const op = 'convgrad explain';
  const flags = new Map<string, string>();
  const valued = ['--weights', '--layer', '--images', '--split', '--element', '--svg', '--dataset', '--data', '--model'];
  const switches = ['--json', '--color', '--no-color'];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2) as [string, string | undefined];
    if (switches.includes(flag)) {
      flags.set(flag, 'true');
      continue;
    }
    if (!valued.includes(flag)) {
      const why = BY_FLAG.has(flag) ? `; with --weights the configuration comes from the layer` : '';
      throw new Error(`${op}: ${flag} cannot be used with --weights${why} (expected ${[...valued, ...switches].join(', ')})`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new Error(`${op}: ${flag} needs a value`);
    flags.set(flag, value);
  }
  const layer = flags.get('--layer');
  if (layer === undefined) throw new Error(`${op}: --weights needs --layer NAME (a conv layer of the model, e.g. --layer 3)`);
  const split = flags.get('--split') ?? 'test';
  if (split !== 'test' && split !== 'train') throw new Error(`${op}: --split ${JSON.stringify(split)} is invalid; expected test or train`);
  const trained = await loadTrained('explain', flags.get('--weights')!, {
    dataset: flags.get('--dataset'),
    data: flags.get('--data'),
    model: flags.get('--model'),
  });
  const data = split === 'test' ? trained.test : trained.train;
  const range = flags.get('--images') ?? '0:32';
  const m = /^(\d+):(\d+)$/.exec(range);
  const [from, to] = m === null ? [Number.NaN, Number.NaN] : [Number(m[1]), Number(m[2])];
  if (m === null || from >= to || to > data.length)
    throw new Error(
      `${op}: --images ${JSON.stringify(range)} is invalid; expected A:B with 0 ≤ A < B ≤ ${data.length} (the ${split} set's size)`,
    );
  const input = data.images.slice(0, from, to);
  const target = data.labels.slice(0, from, to);
  const element = flags.has('--element') ? parseElement(flags.get('--element')!) : null;
  trained.model.eval();
  const e = explainLayer(trained.model, { input, target, layer, elements: element === null ? 'worked' : [element] });
  if (element !== null) findElement(e, element);
  const predicted = noGrad(() => trained.model.forward(input).argmax(1));
  const correct = predicted.data.filter((p, i) => p === target.data[i]).length;
  const svg = flags.get('--svg') ?? null;
  if (svg !== null) writeFileSync(svg, renderSvg(e, element));
  const where = `layer ${JSON.stringify(layer)} of ${trained.modelName} (${flags.get('--weights')}), ${trained.dataset} ${split} images ${from}:${to}`;
  if (flags.has('--json')) {
    io.out(
      `${JSON.stringify({ layer, images: [from, to], split, lossValue: e.lossValue, correct, ...explanationJson(e, element) }, null, 2)}\n`,
    );
  } else {
    const color = flags.has('--no-color')
      ? false
      : flags.has('--color') || (io.isTTY && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === ''));
    io.out(`${where}: cross-entropy ${e.lossValue.toFixed(6)}, ${correct} of ${to - from} right (eval mode)\n\n`);
    io.out(renderText(e, element, { color }));
    if (svg !== null) io.out(`\nwrote ${svg}\n`);
  }
  return 0;
}

export async function runExplain(argv: readonly string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(`${EXPLAIN_USAGE}\n`);
    return 0;
  }
  if (argv.some((a) => a === '--weights' || a.startsWith('--weights='))) return runExplainNetwork(argv, io);
  const cmd = parseExplainArgs(argv);
  // Only what will be shown is explained: the one element, or the worked elements of the text; the
  // JSON of every element is the only full explanation (and refused past the size budget).
  const elements = cmd.element !== null ? [cmd.element] : cmd.json ? undefined : 'worked';
  const e = explain({ ...cmd.config, elements });
  if (cmd.element !== null) findElement(e, cmd.element); // a clear error for a bad index, before any output
  if (cmd.svg !== null) writeFileSync(cmd.svg, renderSvg(e, cmd.element));
  if (cmd.json) io.out(`${JSON.stringify(explanationJson(e, cmd.element), null, 2)}\n`);
  else {
    const color = cmd.color ?? (io.isTTY && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === ''));
    io.out(renderText(e, cmd.element, { color }));
    if (cmd.svg !== null) io.out(`\nwrote ${cmd.svg}\n`);
  }
  return 0;
}
