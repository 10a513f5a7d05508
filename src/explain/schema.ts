// The explain configuration, described once. Everything that names an option is derived from this
// list: the keys explain() accepts, the CLI's flags, its parser and its help text, and the page's
// controls, its URL keys and its state. Pure data and parsing (no tensors), so the page bundles it too.

/** How an option's value is written as text (a flag's value, a page field) and what it becomes. */
export type OptionKind =
  | 'sizes' // 1-3 numbers: '4x4' → [4, 4]
  | 'intOrSizes' // one number or one per dimension: '3' → 3, '3x2' → [3, 2]
  | 'padding' // as intOrSizes, or 'same' / 'valid'
  | 'int' // an integer
  | 'choice' // one of `choices`
  | 'switch'; // a flag without a value (the page: a checkbox)

export interface ExplainOption {
  /** The key in explain()'s configuration, the page's state, and the JSON's `config`. */
  key: string;
  /** The CLI flag (--kebab-case of the key). */
  flag: string;
  /** The page's URL key (short: links stay readable). */
  url: string;
  kind: OptionKind;
  /** The default, written as text (as a user would type it). */
  default: string;
  /** The page control's label. */
  label: string;
  /** The CLI help's value hint and description. */
  help: string;
  /** 'choice': the values, each with its label on the page. */
  choices?: readonly (readonly [value: string, label: string])[];
  /** 'int' on the page: the field's bounds. */
  min?: number;
  max?: number;
  /** The page's hint on a text field. */
  hint?: string;
  /** Not on the page (the CLI and explain() only). */
  cliOnly?: boolean;
  /** Applies only to transposed convolutions (true) or only to regular ones (false). */
  transposed?: boolean;
}

export const EXPLAIN_OPTIONS = [
  {
    key: 'inputSize',
    flag: '--input-size',
    url: 'size',
    kind: 'sizes',
    default: '4x4',
    label: 'Input size',
    help: 'spatial size, 1-3 numbers (sets the dimensionality)',
    hint: 'e.g. 4x4',
  },
  { key: 'batch', flag: '--batch', url: 'batch', kind: 'int', default: '1', label: 'Batch', help: 'batch size', min: 1, max: 2 },
  {
    key: 'inChannels',
    flag: '--in-channels',
    url: 'cin',
    kind: 'int',
    default: '1',
    label: 'In channels',
    help: 'input channels',
    min: 1,
    max: 16,
  },
  {
    key: 'outChannels',
    flag: '--out-channels',
    url: 'cout',
    kind: 'int',
    default: '2',
    label: 'Out channels',
    help: 'output channels',
    min: 1,
    max: 16,
  },
  {
    key: 'kernelSize',
    flag: '--kernel-size',
    url: 'k',
    kind: 'intOrSizes',
    default: '3',
    label: 'Kernel size',
    help: 'kernel size',
    hint: 'e.g. 3 or 3x2',
  },
  { key: 'stride', flag: '--stride', url: 's', kind: 'intOrSizes', default: '1', label: 'Stride', help: 'stride' },
  {
    key: 'padding',
    flag: '--padding',
    url: 'p',
    kind: 'padding',
    default: '1',
    label: 'Padding',
    help: "padding: numbers, 'same' or 'valid'",
    hint: "a number, 'same' or 'valid'",
  },
  {
    key: 'paddingMode',
    flag: '--padding-mode',
    url: 'mode',
    kind: 'choice',
    default: 'zeros',
    label: 'Padding mode',
    help: 'how the padding is filled',
    transposed: false,
    choices: [
      ['zeros', 'zeros'],
      ['reflect', 'reflect'],
      ['replicate', 'replicate'],
      ['circular', 'circular'],
    ],
  },
  { key: 'dilation', flag: '--dilation', url: 'd', kind: 'intOrSizes', default: '1', label: 'Dilation', help: 'dilation' },
  { key: 'groups', flag: '--groups', url: 'g', kind: 'int', default: '1', label: 'Groups', help: 'groups', min: 1, max: 8 },
  { key: 'bias', flag: '--bias', url: 'bias', kind: 'switch', default: 'false', label: 'Bias', help: 'add a bias' },
  {
    key: 'transposed',
    flag: '--transposed',
    url: 't',
    kind: 'switch',
    default: 'false',
    label: 'Transposed',
    help: 'a transposed convolution',
  },
  {
    key: 'outputPadding',
    flag: '--output-padding',
    url: 'op',
    kind: 'intOrSizes',
    default: '0',
    label: 'Output padding',
    help: 'output padding',
    transposed: true,
  },
  {
    key: 'loss',
    flag: '--loss',
    url: 'loss',
    kind: 'choice',
    default: 'mean',
    label: 'Loss',
    help: 'the loss whose gradient is explained',
    choices: [
      ['mean', 'mean (E = y.mean())'],
      ['sum', 'sum (E = y.sum())'],
    ],
  },
  {
    key: 'input',
    flag: '--input',
    url: 'input',
    kind: 'choice',
    default: 'range',
    label: 'Input',
    help: 'the input values',
    choices: [
      ['range', 'range(1, N) (the seed’s)'],
      ['randn', 'random (randn)'],
      ['ones', 'ones'],
    ],
  },
  {
    key: 'seed',
    flag: '--seed',
    url: 'seed',
    kind: 'int',
    default: '0',
    label: 'Seed',
    help: 'weights as after torch.manual_seed(N)',
    min: 0,
  },
  {
    key: 'dtype',
    flag: '--dtype',
    url: 'dtype',
    kind: 'choice',
    default: 'float32',
    label: 'Dtype',
    help: 'the tensors\u2019 dtype',
    choices: [
      ['float32', 'float32'],
      ['float64', 'float64'],
    ],
    cliOnly: true,
  },
] as const satisfies readonly ExplainOption[];

export type ExplainOptionKey = (typeof EXPLAIN_OPTIONS)[number]['key'];

/** explain()'s keys that take values no text can carry (tensors, element lists): outside the schema. */
export const EXPLAIN_VALUE_KEYS = ['dy', 'weight', 'biasValues', 'elements'] as const;

/** Every key explain() accepts. */
export const EXPLAIN_KEYS: readonly string[] = [...EXPLAIN_OPTIONS.map((o) => o.key), ...EXPLAIN_VALUE_KEYS];

/**
 * Parses sizes as written on the command line and on the page: numbers joined by x (× and , too), e.g.
 * '3' or '3x2'. With `dims`, one number or exactly `dims` numbers; without, 1-3. Throws `${name} "text"
 * is invalid; …`, naming what was expected.
 */
export function parseSizes(text: string, name: string, dims?: number): number[] {
  const parts = text.trim().split(/\s*[x×,]\s*/);
  const shape =
    dims === undefined
      ? '1-3 non-negative integers joined by x, e.g. 3 or 3x2'
      : `a non-negative integer or ${dims} joined by x, e.g. ${Array<number>(dims).fill(3).join('x')}`;
  if (parts.some((p) => !/^\d+$/.test(p)) || parts.length > (dims ?? 3))
    throw new Error(`${name} ${JSON.stringify(text)} is invalid; expected ${shape}`);
  const values = parts.map(Number);
  if (dims !== undefined && values.length !== 1 && values.length !== dims) {
    throw new Error(`${name} ${JSON.stringify(text)} has ${values.length} numbers; expected 1 or ${dims} (one per spatial dimension)`);
  }
  return values;
}

/** An integer as text (as the CLI and the URL write it). */
export function parseInteger(text: string, name: string): number {
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new Error(`${name} ${JSON.stringify(text)} is invalid; expected an integer of at most 2^53 in size`);
  }
  return Number(text);
}

/** The value of one option written as text; `dims` checks the number of sizes (the page knows it; the CLI does not yet). */
export function parseOptionText(option: ExplainOption, text: string, name: string, dims?: number): number | number[] | string | boolean {
  switch (option.kind) {
    case 'sizes':
      return parseSizes(text, name, dims);
    case 'intOrSizes':
    case 'padding': {
      if (option.kind === 'padding' && (text === 'same' || text === 'valid')) return text;
      const v = parseSizes(text, name, dims);
      return v.length === 1 ? v[0] : v;
    }
    case 'int':
      return parseInteger(text, name);
    case 'choice': {
      const allowed = (option.choices ?? []).map(([v]) => v);
      if (!allowed.includes(text)) throw new Error(`${name} ${JSON.stringify(text)} is invalid; expected one of ${allowed.join(', ')}`);
      return text;
    }
    case 'switch':
      return text === 'true' || text === '1';
  }
}

/** The CLI help's option lines: flag, value hint (the choices, or an example), description and default. */
export function explainOptionsHelp(): string {
  return EXPLAIN_OPTIONS.map((o: ExplainOption) => {
    const value =
      o.kind === 'switch'
        ? ''
        : o.kind === 'choice'
          ? (o.choices ?? []).map(([v]) => v).join('|')
          : o.kind === 'int'
            ? 'N'
            : o.kind === 'sizes'
              ? 'AxB'
              : o.kind === 'padding'
                ? 'N|AxB|same|valid'
                : 'N|AxB';
    const left = `  ${o.flag}${value === '' ? '' : ` ${value}`}`;
    const note = o.kind === 'switch' ? '' : ` (${o.default})`;
    const scope = o.transposed === true ? ', transposed only' : o.transposed === false ? ', regular convolutions only' : '';
    return `${left.padEnd(Math.max(34, left.length + 2))}${o.help}${note}${scope}`;
  }).join('\n');
}
