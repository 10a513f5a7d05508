// Weights on disk: the safetensors format.
export { save, load, serialize, deserialize, type SafetensorsFile } from './safetensors.js';
