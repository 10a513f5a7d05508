#!/usr/bin/env node
// The convgrad command line: argument parsing only; the work is in the library.
import { seedReport } from './seed.js';

const USAGE = `usage: convgrad <command>

commands:
  seed     run the seed's five experiments (conv weight gradients with out.mean()) and print
           the padded inputs, outputs and weight gradients as PyTorch prints them
  help     show this message`;

function main(argv: readonly string[]): number {
  const [command = 'seed', ...rest] = argv;
  switch (command) {
    case 'seed':
      if (rest.length > 0) {
        process.stderr.write(`convgrad seed: unexpected argument ${JSON.stringify(rest[0])}; seed takes no arguments yet\n`);
        return 2;
      }
      process.stdout.write(seedReport());
      return 0;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      process.stderr.write(`convgrad: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
