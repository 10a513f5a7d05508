// A model as PyTorch source: `exportPyTorch(model)` writes a Python file whose build() makes the same
// nn.Sequential (every module in PyTorch's own constructor syntax: convgrad's module reprs are PyTorch's,
// checked by the module fixtures) and whose load(path) reads convgrad's safetensors weights (a plain
// weights file or a checkpoint) with no package beyond torch. So a model trained here continues in PyTorch.
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/container.js';

/** The modules whose repr is their PyTorch constructor (strings aside, quoted below). */
const KNOWN = new Set([
  'Conv1d',
  'Conv2d',
  'Conv3d',
  'ConvTranspose1d',
  'ConvTranspose2d',
  'ConvTranspose3d',
  'Linear',
  'BatchNorm1d',
  'BatchNorm2d',
  'BatchNorm3d',
  'LayerNorm',
  'GroupNorm',
  'ReLU',
  'LeakyReLU',
  'GELU',
  'SiLU',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'Hardswish',
  'Hardtanh',
  'MaxPool1d',
  'MaxPool2d',
  'MaxPool3d',
  'AvgPool1d',
  'AvgPool2d',
  'AvgPool3d',
  'AdaptiveAvgPool1d',
  'AdaptiveAvgPool2d',
  'Flatten',
  'Dropout',
  'Dropout2d',
  'Identity',
]);

/** A leaf module as a PyTorch constructor call: its repr, with the bare words PyTorch's repr leaves unquoted quoted. */
function constructorOf(m: Module, path: string): string {
  const repr = String(m);
  const name = repr.slice(0, repr.indexOf('('));
  if (!KNOWN.has(name))
    throw new Error(
      `exportPyTorch: ${path === '' ? 'the model' : `module ${JSON.stringify(path)}`} is a ${name || m.constructor.name}, which the exporter does not know; it writes Sequential models of ${[...KNOWN].join(', ')}`,
    );
  return `nn.${repr.replace(/\b(padding|padding_mode)=(same|valid|zeros|reflect|replicate|circular)\b/g, "$1='$2'")}`;
}

function sequentialSource(m: Sequential, indent: string, path: string): string {
  const lines = m.namedChildren().map(([key, child]) => {
    const where = path === '' ? key : `${path}.${key}`;
    const inner = child instanceof Sequential ? sequentialSource(child, `${indent}    `, where) : constructorOf(child, where);
    return `${indent}    ${inner},`;
  });
  return `nn.Sequential(\n${lines.join('\n')}\n${indent})`;
}

/** Options of {@link exportPyTorch}. */
export interface ExportPyTorchOptions {
  /** The weights file load() reads by default (and the comment names). */
  weights?: string;
  /** A line saying what the model is, for the file's first comment. */
  description?: string;
}

/** The Python source of a module that rebuilds `model` (a Sequential, possibly nested) and loads its weights. */
export function exportPyTorch(model: Module, options: ExportPyTorchOptions = {}): string {
  if (!(model instanceof Sequential))
    throw new Error(
      `exportPyTorch: model must be an nn.Sequential (a Module subclass's forward cannot be read back as Python); got ${model instanceof Module ? `a ${model.constructor.name}` : String(model)}`,
    );
  const weights = options.weights ?? 'weights.safetensors';
  return `# ${options.description ?? 'A model exported by convgrad'}: build() makes it, load(path) reads its
# weights from a convgrad safetensors file (weights or a checkpoint). Needs only torch.
#   model = load(${JSON.stringify(weights)}); logits = model(images)
import json
import struct

import torch
from torch import nn


def build():
    return ${sequentialSource(model, '    ', '')}


DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "BOOL": torch.bool}


def read_safetensors(path):
    """The tensors and metadata of a safetensors file (the format is 8 bytes of header length, a JSON header, the data)."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors = {k: torch.frombuffer(bytearray(data[v["data_offsets"][0]:v["data_offsets"][1]]), dtype=DTYPES[v["dtype"]])
               .reshape(v["shape"]) for k, v in header.items()}
    return tensors, meta


def load(path=${JSON.stringify(weights)}):
    """build() with the weights of a convgrad file, in eval mode."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") == "convgrad.checkpoint":
        tensors = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    model = build()
    model.load_state_dict(tensors)
    return model.eval()


if __name__ == "__main__":
    import sys
    print(load(sys.argv[1] if len(sys.argv) > 1 else ${JSON.stringify(weights)}))
`;
}
