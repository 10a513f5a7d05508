// `convgrad export FILE.safetensors --pytorch model.py`: a trained model (weights or a checkpoint of
// `convgrad train`) as PyTorch source beside its weights: build() makes the same network, load() reads them.
import { writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { load } from '../io/safetensors.js';
import { modelStateDict } from '../io/checkpoint.js';
import { exportPyTorch } from '../io/export_pytorch.js';
import { exportOnnx } from '../io/export_onnx.js';
import { zeros } from '../tensor/creation.js';
import { buildModel, MODELS, type ModelName } from './models.js';

export const EXPORT_USAGE = `usage: convgrad export FILE.safetensors [--pytorch MODEL.py] [--onnx MODEL.onnx]

Writes the model of a file written by convgrad train (weights or a checkpoint) as a PyTorch nn.Module
source (build() makes the same network, load(path) reads the weights; only torch needed) and/or as an
ONNX model (opset 17, the batch size free) that onnxruntime and other ONNX runtimes run.`;

export async function runExport(args: readonly string[], io: { out(s: string): void }): Promise<number> {
  let file: string | null = null;
  let pytorch: string | null = null;
  let onnx: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === '--pytorch') {
      pytorch = inline ?? args[++i] ?? null;
      if (pytorch === null || pytorch === '') throw new Error('convgrad export: --pytorch needs a FILE.py');
    } else if (flag === '--onnx') {
      onnx = inline ?? args[++i] ?? null;
      if (onnx === null || onnx === '') throw new Error('convgrad export: --onnx needs a FILE.onnx');
    } else if (!flag.startsWith('--') && file === null) file = flag;
    else throw new Error(`convgrad export: unexpected argument ${JSON.stringify(args[i])}; see convgrad export --help`);
  }
  if (file === null) throw new Error('convgrad export: expected the FILE.safetensors written by convgrad train');
  if (pytorch === null && onnx === null) throw new Error('convgrad export: say what to write: --pytorch FILE.py and/or --onnx FILE.onnx');
  const { tensors, metadata } = load(file);
  const name = metadata.model ?? 'lenet';
  if (!(MODELS as readonly string[]).includes(name))
    throw new Error(`convgrad export: ${file} names model ${JSON.stringify(name)}; expected one of ${MODELS.join(', ')}`);
  const height = Number(metadata.height ?? 8);
  const width = Number(metadata.width ?? 8);
  const classes = metadata.classes ? (JSON.parse(metadata.classes) as string[]).length : 10;
  const channels = Number(metadata.channels ?? 1);
  const model = buildModel(name as ModelName, height, width, classes, channels);
  const weights = modelStateDict(tensors, metadata);
  try {
    model.loadStateDict(weights);
  } catch (e) {
    throw new Error(`convgrad export: ${file} does not hold ${name} weights: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (pytorch !== null) {
    const weightsPath = relative(dirname(resolve(pytorch)), resolve(file)) || basename(file);
    const description = `${name} for ${metadata.dataset ?? 'digits'} (${height}×${width}, ${classes} classes), exported by convgrad from ${basename(file)}`;
    writeFileSync(pytorch, exportPyTorch(model, { weights: weightsPath, description }));
    io.out(`wrote ${pytorch}: python3 ${basename(pytorch)} prints the model; import it and call load() for the trained network\n`);
  }
  if (onnx !== null) {
    writeFileSync(onnx, exportOnnx(model, zeros([1, channels, height, width])));
    io.out(`wrote ${onnx}: input "input" [batch, ${channels}, ${height}, ${width}], output "output" [batch, ${classes}]\n`);
  }
  return 0;
}
