// The seed's five experiments (shared/seed: conv-backward-notes), line by line:
//   conv = nn.Conv2d(in, out, 3, padding=p, bias=False); padding = nn.ConstantPad2d(p, 0)
//   inputv = torch.range(1, 16·in).view(1, in, 4, 4); out = conv(inputv); padded = padding(inputv)
//   print(padded); print(out); out.mean().backward(); print(conv.weight.grad)
import { manualSeed, nn, range } from '../index.js';

export interface SeedExperiment {
  inChannels: number;
  outChannels: number;
  padding: number;
}

export const SEED_EXPERIMENTS: readonly SeedExperiment[] = [
  { inChannels: 1, outChannels: 1, padding: 0 },
  { inChannels: 1, outChannels: 2, padding: 0 },
  { inChannels: 2, outChannels: 1, padding: 0 },
  { inChannels: 2, outChannels: 2, padding: 0 },
  { inChannels: 1, outChannels: 2, padding: 1 },
];

export interface SeedResult {
  experiment: SeedExperiment;
  padded: string;
  out: string;
  grad: string;
}

/**
 * One experiment, as the note's script runs it. With `torchSeed`, the script starts with
 * torch.manual_seed(torchSeed), so the weights, and the printed output, are PyTorch's.
 */
export function runSeedExperiment(e: SeedExperiment, torchSeed?: number): SeedResult {
  if (torchSeed !== undefined) manualSeed(torchSeed);
  const conv = new nn.Conv2d(e.inChannels, e.outChannels, 3, { padding: e.padding, bias: false, stride: 1 });
  const padding = new nn.ConstantPad2d(e.padding, 0);
  const inputv = range(1, 16 * e.inChannels).view(1, e.inChannels, 4, 4);
  const out = conv.forward(inputv);
  const padded = padding.forward(inputv);
  const printedOut = String(out);
  out.mean().backward();
  return { experiment: e, padded: String(padded), out: printedOut, grad: String(conv.weight.grad) };
}

/** The text `convgrad seed` prints. */
export function seedReport(torchSeed?: number): string {
  const parts: string[] = [];
  if (torchSeed !== undefined) parts.push(`# Each experiment starts with torch.manual_seed(${torchSeed}): the outputs are PyTorch's.`, '');
  SEED_EXPERIMENTS.forEach((e, i) => {
    const r = runSeedExperiment(e, torchSeed);
    parts.push(
      `# Experiment ${i + 1}: nn.Conv2d(in_channels=${e.inChannels}, out_channels=${e.outChannels}, kernel_size=3, padding=${e.padding}, bias=False), ` +
        `input range(1, ${16 * e.inChannels}).view(1, ${e.inChannels}, 4, 4), loss out.mean()`,
      r.padded,
      '# padded',
      r.out,
      '# out',
      r.grad,
      '# grad',
      '',
    );
  });
  return parts.join('\n');
}
