// Weights on disk: the safetensors format.
export { save, load, serialize, deserialize, type SafetensorsFile } from './safetensors.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  serializeCheckpoint,
  deserializeCheckpoint,
  type Checkpoint,
  type LoadedCheckpoint,
  type JsonValue,
  type ModelLike,
  type OptimizerLike,
  type SchedulerLike,
  type OptimizerState,
} from './checkpoint.js';
export { exportPyTorch, type ExportPyTorchOptions } from './export_pytorch.js';
export { exportOnnx } from './export_onnx.js';
