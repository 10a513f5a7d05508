// safetensors: round trips, malformed files refused with a clear error, and PyTorch ⇄ convgrad: each
// loads the LeNet-5 weights the other wrote and computes the same logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, type nn, safetensors, save, tensor, type DType, type Tensor } from '../src/index.js';
import { assertClose, fixture } from './helpers.js';

type Json = { shape: number[]; dtype: DType; data: number[] };
const fx = fixture<{ x: Json; torchLogits: Json; convgradMetadata: Record<string, string>; convgradLogitsInTorch: Json }>(
  'safetensors_cases.json',
);
const fixturePath = (name: string): string => new URL(`../../test/fixtures/${name}`, import.meta.url).pathname;
const helper = (await import(new URL('../../scripts/write-safetensors-fixture.mjs', import.meta.url).href)) as {
  lenet5(): nn.Sequential;
  convgradFixtureModel(): nn.Sequential;
};
const x = tensor(fx.x.data, { shape: fx.x.shape });

test('round trip of F32, F64, I64 and BOOL tensors with metadata, through bytes and through a file', () => {
  const tensors = {
    a: tensor([
      [1.5, -2],
      [3, 4e-30],
    ]),
    b: tensor([Math.PI], { dtype: 'float64' }),
    c: tensor([-3, 2 ** 40, 0], { dtype: 'int64' }),
    d: tensor([1, 0, 1], { dtype: 'bool' }),
    empty: tensor([]),
  };
  const bytes = safetensors.serialize(tensors, { epoch: '3' });
  assert.equal(new DataView(bytes.buffer).getUint32(0, true) % 8, 0, 'header padded to 8 bytes');
  const back = safetensors.deserialize(bytes);
  assert.deepEqual(back.metadata, { epoch: '3' });
  for (const [k, t] of Object.entries(tensors)) {
    assert.equal(back.tensors[k].dtype, t.dtype, k);
    assert.deepEqual(back.tensors[k].shape, t.shape, k);
    assert.deepEqual(Array.from(back.tensors[k].data), Array.from(t.data), k);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'convgrad-st-')), 'w.safetensors');
  save(tensors, file);
  assert.deepEqual(Array.from(load(file).tensors.c.data), [-3, 2 ** 40, 0]);
});

test("PyTorch → convgrad: the LeNet-5 PyTorch saved loads into convgrad and gives PyTorch's logits", () => {
  const { tensors, metadata } = load(fixturePath('lenet5_torch.safetensors'));
  assert.match(metadata.written_by, /^torch /);
  const model = helper.lenet5();
  model.loadStateDict(tensors);
  assertClose(model.forward(x), fx.torchLogits.data, 1e-5, 'logits');
});

test("convgrad → PyTorch: the file convgrad writes is the one PyTorch loaded, and PyTorch got convgrad's logits from it", () => {
  const model = helper.convgradFixtureModel();
  const bytes = safetensors.serialize(model.stateDict(), { written_by: 'convgrad' });
  assert.deepEqual(bytes, new Uint8Array(readFileSync(fixturePath('lenet5_convgrad.safetensors'))), 'same bytes as the committed file');
  assert.deepEqual(fx.convgradMetadata, { written_by: 'convgrad' });
  assertClose(model.forward(x), fx.convgradLogitsInTorch.data, 1e-5, 'logits');
});

/** A file from a header object and a data size (bytes of zeros). */
function craft(header: unknown, dataBytes: number, lengthOverride?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

test('malformed files are refused with an Error that says what is wrong, never a crash or a partial load', () => {
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /has 5 bytes, fewer than the 8 of the header length/],
    [craft(ok, 8, 1n << 40n), /header length 1099511627776 exceeds the limit/],
    [craft(ok, 8, 500n), /header length 500 runs past the end of the file/],
    [craft('{"w": [', 0), /the header is not UTF-8 JSON/],
    [craft('[1, 2]', 0), /the header is not a JSON object/],
    [craft({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4), /"w" has dtype "F16"; expected one of F32, F64, I64, BOOL/],
    [
      craft({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 5),
      /"w" ends at byte 8 of the data, past its end \(5 bytes\): the file is truncated/,
    ],
    [
      craft({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8),
      /"w" of shape \[3\] and dtype F32 needs 12 bytes, but its data_offsets span 8/,
    ],
    [
      craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8),
      /overlaps another tensor's/,
    ],
    [craft({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /bytes 0-4 of the data belong to no tensor/],
    [craft(ok, 12), /the data has 12 bytes but the tensors cover 8/],
    [craft({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, 0), /"w" has shape \[-1\]; expected non-negative integers/],
    [craft({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 4), /data_offsets \[4,0\]; expected \[begin, end\]/],
    [craft({ __metadata__: { a: 1 } }, 0), /__metadata__ "a" is not a string/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(
      () => safetensors.deserialize(bytes, 'crafted.safetensors'),
      (e: unknown) =>
        e instanceof Error &&
        /^safetensors: crafted.safetensors is not a valid safetensors file: /.test(e.message) &&
        message.test(e.message),
      String(message),
    );
  }
  const file = join(mkdtempSync(join(tmpdir(), 'convgrad-st-')), 'cut.safetensors');
  writeFileSync(file, readFileSync(fixturePath('lenet5_torch.safetensors')).subarray(0, 5000));
  assert.throws(() => load(file), new RegExp(`safetensors: ${file} is not a valid safetensors file: .* the file is truncated`));
  assert.throws(() => load('/nonexistent/w.safetensors'), /load: cannot read \/nonexistent\/w.safetensors/);
  assert.throws(() => safetensors.serialize({ w: 3 as unknown as Tensor }), /safetensors: "w" is not a Tensor/);
});
