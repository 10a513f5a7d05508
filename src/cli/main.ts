#!/usr/bin/env node
// The convgrad command line: argument parsing only; the work is in the library.
import { readFileSync } from 'node:fs';
import { seedReport } from './seed.js';
import { EXPLAIN_USAGE, runExplain } from './explain.js';
import { runTrain, TRAIN_USAGE } from './train.js';
import { runPredict } from './predict.js';
import type { CliIO } from './common.js';
import { EXPORT_USAGE, runExport } from './export.js';

const USAGE = `usage: convgrad <command> [options]

commands:
  explain  explain where every element of dw, db and dx comes from (the default command)
  train    train a CNN on the digits or Fashion-MNIST (progress, accuracy, safetensors weights)
  predict  evaluate saved weights on a test set
  export   write a trained model as PyTorch source (--pytorch model.py) beside its weights
  seed     run the seed's five experiments (conv weight gradients with out.mean()) and print
           the padded inputs, outputs and weight gradients as PyTorch prints them;
           --torch-seed N starts each with torch.manual_seed(N), so the outputs are PyTorch's too
  help     show this message (and COMMAND --help, the options of one command)
  version  print convgrad's version (also --version)

${EXPLAIN_USAGE}

${TRAIN_USAGE}`;

/**
 * Terminal IO for train/predict: the first Ctrl-C asks the loop to stop (and save), a second one exits
 * at once. A closed stdout (`… | head -1`) stops the run the same way, and nothing more is written.
 */
function terminalIO(): CliIO {
  let interrupted = false;
  let closed = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
  });
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  });
  return {
    out: (s) => {
      if (!closed) process.stdout.write(s);
    },
    isTTY: process.stdout.isTTY === true,
    stopRequested: () => interrupted || closed,
    outputClosed: () => closed && !interrupted,
    now: () => performance.now(),
  };
}

/** The package's version, from its package.json: the first one above this file (dist/cli, or the tests' build/src/cli). */
function version(): string {
  for (const up of ['../../', '../../../']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'convgrad') return pkg.version;
    } catch {
      // not there: one folder higher
    }
  }
  throw new Error('convgrad: cannot find its package.json');
}

const wantsHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'explain', ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        if (wantsHelp(rest)) {
          process.stdout.write(`${TRAIN_USAGE}\n`);
          return 0;
        }
        return await runTrain(rest, terminalIO());
      case 'export':
        if (wantsHelp(rest)) {
          process.stdout.write(`${EXPORT_USAGE}\n`);
          return 0;
        }
        return await runExport(rest, { out: (s) => process.stdout.write(s) });
      case 'predict':
        if (wantsHelp(rest)) {
          process.stdout.write(`${TRAIN_USAGE.slice(TRAIN_USAGE.indexOf('usage: convgrad predict'))}\n`);
          return 0;
        }
        return await runPredict(rest, terminalIO());
      case '--version':
      case '-v':
      case 'version':
        process.stdout.write(`convgrad ${version()}\n`);
        return 0;
      case 'explain':
        return await runExplain(rest, { out: (s) => process.stdout.write(s), isTTY: process.stdout.isTTY === true, env: process.env });
      case 'seed': {
        let torchSeed: number | undefined;
        for (let i = 0; i < rest.length; i++) {
          const [flag, inline] = rest[i].split('=', 2);
          if (flag !== '--torch-seed') throw new Error(`convgrad seed: unknown option ${JSON.stringify(rest[i])}; expected --torch-seed N`);
          const value = inline ?? rest[++i];
          if (value === undefined || !/^-?\d+$/.test(value))
            throw new Error(`convgrad seed: --torch-seed ${JSON.stringify(value ?? '')} is invalid; expected an integer`);
          torchSeed = Number(value);
        }
        process.stdout.write(seedReport(torchSeed));
        return 0;
      }
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        if (command.startsWith('--'))
          return await runExplain(argv, { out: (s) => process.stdout.write(s), isTTY: process.stdout.isTTY === true, env: process.env });
        throw new Error(`convgrad: unknown command ${JSON.stringify(command)}; expected explain, train, predict, export, seed or help`);
    }
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
