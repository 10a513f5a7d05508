#!/usr/bin/env node
// The convgrad command line: argument parsing only; the work is in the library.
import { seedReport } from './seed.js';
import { EXPLAIN_USAGE, runExplain } from './explain.js';

const USAGE = `usage: convgrad <command> [options]

commands:
  explain  explain where every element of dw, db and dx comes from (the default command)
  seed     run the seed's five experiments (conv weight gradients with out.mean()) and print
           the padded inputs, outputs and weight gradients as PyTorch prints them;
           --torch-seed N starts each with torch.manual_seed(N), so the outputs are PyTorch's too
  help     show this message

${EXPLAIN_USAGE}`;

function main(argv: readonly string[]): number {
  const [command = 'explain', ...rest] = argv;
  try {
    switch (command) {
      case 'explain':
        return runExplain(rest, { out: (s) => process.stdout.write(s), isTTY: process.stdout.isTTY === true, env: process.env });
      case 'seed': {
        let torchSeed: number | undefined;
        for (let i = 0; i < rest.length; i++) {
          const [flag, inline] = rest[i].split('=', 2);
          if (flag !== '--torch-seed') throw new Error(`convgrad seed: unknown option ${JSON.stringify(rest[i])}; expected --torch-seed N`);
          const value = inline ?? rest[++i];
          if (value === undefined || !/^-?\d+$/.test(value)) throw new Error(`convgrad seed: --torch-seed ${JSON.stringify(value ?? '')} is invalid; expected an integer`);
          torchSeed = Number(value);
        }
        process.stdout.write(seedReport(torchSeed));
        return 0;
      }
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return 0;
      default:
        if (command.startsWith('--')) return runExplain(argv, { out: (s) => process.stdout.write(s), isTTY: process.stdout.isTTY === true, env: process.env });
        throw new Error(`convgrad: unknown command ${JSON.stringify(command)}; expected explain, seed or help`);
    }
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
