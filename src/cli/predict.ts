// `convgrad predict FILE` and what `explain --weights` shares with it: the model a weights or checkpoint
// file names, built for its data set and loaded.
import { load } from '../io/safetensors.js';
import { modelStateDict } from '../io/checkpoint.js';
import type { Sequential } from '../nn/container.js';
import type { TensorDataset } from '../data/dataset.js';
import { buildModel, MODELS, type ModelName } from './models.js';
import { oneOf, parseFlags, stoppedCode, type CliIO } from './common.js';
import { checkNotEmpty, DATASETS, evaluate, loadDataset, renderConfusion, type DatasetName } from './data.js';

/** A model trained by `convgrad train`, from its weights or checkpoint file: built as the file's metadata names it (or as the flags say). */
export interface TrainedModel {
  model: Sequential;
  modelName: ModelName;
  dataset: DatasetName;
  train: TensorDataset;
  test: TensorDataset;
  classes: readonly string[] | null;
  classCount: number;
}

export async function loadTrained(
  command: string,
  path: string,
  overrides: { dataset?: string; data?: string; model?: string } = {},
): Promise<TrainedModel> {
  const file = load(path);
  const { metadata } = file;
  const tensors = modelStateDict(file.tensors, metadata);
  const dataset = oneOf(command, '--dataset', overrides.dataset ?? metadata.dataset ?? 'digits', DATASETS);
  const modelName = oneOf(command, '--model', overrides.model ?? metadata.model ?? 'lenet', MODELS);
  const imageSize = metadata.imageSize ? Number(metadata.imageSize) : null;
  const data = overrides.data ?? (dataset === 'folder' ? (metadata.data ?? null) : null);
  const { train, test, classes, classCount } = await loadDataset(dataset, data, imageSize);
  checkNotEmpty(test, 'test', command, overrides.data ?? dataset);
  const [, channels, height, width] = test.images.shape;
  const model = buildModel(modelName, height, width, classCount, channels);
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new Error(
      `convgrad ${command}: ${path} does not hold ${modelName} weights for ${dataset}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return { model, modelName, dataset, train, test, classes, classCount };
}

export async function runPredict(args: readonly string[], io: CliIO): Promise<number> {
  const { flags, rest } = parseFlags(args, 'predict', ['--dataset', '--data', '--model', '--json'], 1);
  if (rest.length !== 1) throw new Error('convgrad predict: expected one FILE.safetensors');
  const { model, modelName, dataset, test, classes, classCount } = await loadTrained('predict', rest[0], {
    dataset: flags.get('--dataset'),
    data: flags.get('--data'),
    model: flags.get('--model'),
  });
  const r = await evaluate(model, test, classCount, () => io.stopRequested());
  if (r === null) return stoppedCode(io);
  if (flags.has('--json')) io.out(`${JSON.stringify({ testAccuracy: r.accuracy, testLoss: r.loss, confusion: r.confusion })}\n`);
  else
    io.out(
      `${modelName} on ${dataset}: test accuracy ${(100 * r.accuracy).toFixed(2)}%, test loss ${r.loss.toFixed(4)}\n${renderConfusion(r.confusion, classes)}`,
    );
  return 0;
}
