// What the CLI's commands share: their IO (output, Ctrl-C, a clock), the exit code of a stopped run, and
// the parsing of flags (`--name value`, `--name=value`, switches) with errors naming the flag and value.

export interface CliIO {
  out(s: string): void;
  isTTY: boolean;
  /** Whether the user asked to stop (Ctrl-C) or the output was closed; the loops check it between batches. */
  stopRequested(): boolean;
  /** Whether the output was closed (a pipe whose reader ended): the run stops, saves and ends quietly. */
  outputClosed?(): boolean;
  now(): number;
}

/** The exit code of a run stopped early: 130 for Ctrl-C (128 + SIGINT), 141 for a closed output (128 + SIGPIPE). */
export const stoppedCode = (io: CliIO): number => (io.outputClosed?.() ? 141 : 130);

/** Lets the event loop run (Ctrl-C, a closed pipe, progress output): the loops are otherwise synchronous. */
export const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function parseFlags(
  args: readonly string[],
  command: string,
  allowed: readonly string[],
  positional = 0,
): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  const booleans = new Set(['--json', '--continue-on-nan']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      if (rest.length >= positional) throw new Error(`convgrad ${command}: unexpected argument ${JSON.stringify(a)}`);
      rest.push(a);
      continue;
    }
    const [flag, inline] = a.split('=', 2);
    if (!allowed.includes(flag)) throw new Error(`convgrad ${command}: unknown option ${flag}; expected one of ${allowed.join(', ')}`);
    if (booleans.has(flag)) {
      if (inline !== undefined)
        throw new Error(`convgrad ${command}: ${flag} takes no value (got ${JSON.stringify(a)}); leave it out to turn it off`);
      flags.set(flag, 'true');
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`convgrad ${command}: ${flag} needs a value`);
    flags.set(flag, value);
  }
  return { flags, rest };
}

export function positiveInt(command: string, flag: string, v: string, max = 1e9): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max)
    throw new Error(`convgrad ${command}: ${flag} ${JSON.stringify(v)} is invalid; expected an integer from 1 to ${max}`);
  return Number(v);
}

export function oneOf<T extends string>(command: string, flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new Error(`convgrad ${command}: ${flag} ${JSON.stringify(v)} is invalid; expected one of ${allowed.join(', ')}`);
  return v as T;
}
