#!/usr/bin/env node
// The convgrad command line: argument parsing only; the work is in the library.
import { seedReport } from './seed.js';
import { EXPLAIN_USAGE, runExplain } from './explain.js';
import { runPredict, runTrain, TRAIN_USAGE, type CliIO } from './train.js';

const USAGE = `usage: convgrad <command> [options]

commands:
  explain  explain where every element of dw, db and dx comes from (the default command)
  train    train a CNN on the digits or Fashion-MNIST (progress, accuracy, safetensors weights)
  predict  evaluate saved weights on a test set
  seed     run the seed's five experiments (conv weight gradients with out.mean()) and print
           the padded inputs, outputs and weight gradients as PyTorch prints them;
           --torch-seed N starts each with torch.manual_seed(N), so the outputs are PyTorch's too
  help     show this message

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

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'explain', ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        return await runTrain(rest, terminalIO());
      case 'predict':
        return await runPredict(rest, terminalIO());
      case 'explain':
        return runExplain(rest, { out: (s) => process.stdout.write(s), isTTY: process.stdout.isTTY === true, env: process.env });
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
          return runExplain(argv, { out: (s) => process.stdout.write(s), isTTY: process.stdout.isTTY === true, env: process.env });
        throw new Error(`convgrad: unknown command ${JSON.stringify(command)}; expected explain, train, predict, seed or help`);
    }
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
