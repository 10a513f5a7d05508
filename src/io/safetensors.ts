// The safetensors format (Hugging Face), read and written by hand: an 8-byte little-endian header
// length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": {…} }
// padded with spaces to 8 bytes, then the raw little-endian data. F32, F64, I64 and BOOL.
// Reading checks everything before building a tensor, so a malformed file is an Error naming the
// problem, never a crash or a partial load.
import { Tensor, type DType } from '../tensor/tensor.js';
import { formatShape, numelOf } from '../tensor/shape.js';

const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int64: 'I64', bool: 'BOOL' };
const DTYPES: Record<string, DType> = { F32: 'float32', F64: 'float64', I64: 'int64', BOOL: 'bool' };
const SIZES: Record<DType, number> = { float32: 4, float64: 8, int64: 8, bool: 1 };
/** A header larger than this is refused (the reference implementation's limit is 100 MB). */
const MAX_HEADER = 100_000_000;

/** The contents of a safetensors file: named tensors and the string metadata. */
export interface SafetensorsFile {
  /** The tensors by name, in the file's order. */
  tensors: Record<string, Tensor>;
  /** The string metadata (`__metadata__`). */
  metadata: Record<string, string>;
}

/** The bytes of a safetensors file holding `tensors` (in key order) and string `metadata`. */
export function serialize(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  if (typeof tensors !== 'object' || tensors === null) throw new Error('safetensors: tensors must be an object of name → Tensor');
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors: metadata ${JSON.stringify(k)} is ${typeof v}; expected a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) {
      const hint =
        typeof t === 'object' && t !== null
          ? '; to save a model with its optimizer and epoch, use saveCheckpoint(file, { model, optimizer, epoch })'
          : '';
      throw new Error(`safetensors: ${JSON.stringify(name)} is not a Tensor${hint}`);
    }
    if (name === '__metadata__') throw new Error('safetensors: a tensor cannot be named __metadata__');
    const bytes = t.numel * SIZES[t.dtype];
    header[name] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const encoded = new TextEncoder().encode(json);
  const padded = Math.ceil(encoded.length / 8) * 8;
  json += ' '.repeat(padded - encoded.length);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const [, t] of entries) {
    const n = t.numel;
    for (let i = 0; i < n; i++) {
      const v = t.data[i];
      switch (t.dtype) {
        case 'float32':
          view.setFloat32(at + 4 * i, v, true);
          break;
        case 'float64':
          view.setFloat64(at + 8 * i, v, true);
          break;
        case 'int64':
          view.setBigInt64(at + 8 * i, BigInt(v), true);
          break;
        case 'bool':
          out[at + i] = v !== 0 ? 1 : 0;
          break;
      }
    }
    at += n * SIZES[t.dtype];
  }
  return out;
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** Sets obj[key] as an own property, so a key like "__proto__" is a name like any other (not the prototype). */
function own<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The first key that appears twice in one object of a JSON text, or null (the text is valid JSON). */
function duplicateKey(json: string): string | null {
  const objects: (Set<string> | null)[] = []; // one per open object or array (null), innermost last
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const top = objects[objects.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (top.has(key)) return key;
        top.add(key);
      }
      expectKey = false;
      i = j;
    } else if (c === '{') {
      objects.push(new Set());
      expectKey = true;
    } else if (c === '[') objects.push(null);
    else if (c === '}' || c === ']') objects.pop();
    else if (c === ',') expectKey = objects[objects.length - 1] !== null;
  }
  return null;
}

/** The tensors and metadata of a safetensors file's bytes; `source` names the file in errors. */
export function deserialize(bytes: Uint8Array, source = 'safetensors data'): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new Error(`safetensors: ${source} must be a Uint8Array`);
  const fail = (why: string): never => {
    throw new Error(`safetensors: ${source} is not a valid safetensors file: ${why}`);
  };
  if (bytes.length < 8) fail(`it has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER)) fail(`the header length ${headerLength} exceeds the limit of ${MAX_HEADER} bytes`);
  const n = Number(headerLength);
  if (8 + n > bytes.length) fail(`the header length ${n} runs past the end of the file (${bytes.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`the header is not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
  // JSON.parse keeps the last of two equal keys: the reference reader refuses them, and so do we.
  const duplicate = duplicateKey(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  if (duplicate !== null) fail(`the header has the key ${JSON.stringify(duplicate)} twice`);
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info)) fail('__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ ${JSON.stringify(k)} is not a string`);
        own(metadata, k, v as string);
      }
      continue;
    }
    const e = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`the entry of ${JSON.stringify(name)} is not an object`);
    if (typeof e.dtype !== 'string' || !Object.hasOwn(DTYPES, e.dtype))
      fail(`${JSON.stringify(name)} has dtype ${JSON.stringify(e.dtype)}; expected one of ${Object.keys(DTYPES).join(', ')}`);
    if (!Array.isArray(e.shape) || e.shape.some((s) => !Number.isInteger(s) || s < 0))
      fail(`${JSON.stringify(name)} has shape ${JSON.stringify(e.shape)}; expected non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0) || off[0] > off[1]) {
      fail(`${JSON.stringify(name)} has data_offsets ${JSON.stringify(off)}; expected [begin, end] with 0 ≤ begin ≤ end`);
    }
    const dtype = DTYPES[e.dtype as string];
    const shape = e.shape as number[];
    const [begin, end] = off as [number, number];
    if (end > dataLength)
      fail(`${JSON.stringify(name)} ends at byte ${end} of the data, past its end (${dataLength} bytes): the file is truncated`);
    if (end - begin !== numelOf(shape) * SIZES[dtype]) {
      fail(
        `${JSON.stringify(name)} of shape ${formatShape(shape)} and dtype ${e.dtype} needs ${numelOf(shape) * SIZES[dtype]} bytes, but its data_offsets span ${end - begin}`,
      );
    }
    entries.push({ name, dtype, shape, begin, end });
  }
  // The data must be covered exactly, without overlaps or holes (as the reference reader requires).
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin < covered) fail(`the data of ${JSON.stringify(e.name)} overlaps another tensor's (bytes ${e.begin}-${e.end})`);
    if (e.begin > covered) fail(`bytes ${covered}-${e.begin} of the data belong to no tensor`);
    covered = e.end;
  }
  if (covered !== dataLength) fail(`the data has ${dataLength} bytes but the tensors cover ${covered}`);
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const count = numelOf(e.shape);
    const data = e.dtype === 'float32' ? new Float32Array(count) : new Float64Array(count);
    const at = dataStart + e.begin;
    for (let i = 0; i < count; i++) {
      switch (e.dtype) {
        case 'float32':
          data[i] = view.getFloat32(at + 4 * i, true);
          break;
        case 'float64':
          data[i] = view.getFloat64(at + 8 * i, true);
          break;
        case 'int64': {
          const v = view.getBigInt64(at + 8 * i, true);
          if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
            fail(`${JSON.stringify(e.name)} holds ${v}, beyond the ±2^53 that convgrad's int64 holds exactly`);
          data[i] = Number(v);
          break;
        }
        case 'bool':
          data[i] = bytes[at + i] !== 0 ? 1 : 0;
          break;
      }
    }
    own(tensors, e.name, new Tensor(data, e.shape, false, e.dtype));
  }
  return { tensors, metadata };
}

interface NodeFs {
  readFileSync(path: string): Uint8Array;
  statSync(path: string): { isFile(): boolean; isDirectory(): boolean; size: number };
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

function nodeFs(op: string): NodeFs {
  const g = globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } };
  const fs = g.process?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
  if (fs === undefined)
    throw new Error(`${op}: reading and writing files needs Node.js (≥ 20.16); in a browser use serialize/deserialize on a Uint8Array`);
  return fs;
}

/**
 * Writes a state dict (or any name → tensor object) to a .safetensors file, atomically: the bytes go to
 * a temporary file beside it, flushed to disk, then renamed over `file`. A failed or interrupted write
 * (a full disk, a file-size limit, a killed process) leaves any earlier `file` as it was.
 */
export function save(tensors: Record<string, Tensor>, file: string, metadata: Record<string, string> = {}): void {
  if (typeof file !== 'string' || file === '') throw new Error(`save: file=${JSON.stringify(file)} must be a path`);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new Error(`save: metadata=${String(metadata)} must be an object of strings (or left out)`);
  writeAtomically(serialize(tensors, metadata), file, 'save');
}

/** Writes bytes to `file` through a temporary file beside it, flushed and renamed (see save). */
export function writeAtomically(bytes: Uint8Array, file: string, op: string): void {
  const fs = nodeFs(op);
  const temporary = temporaryBeside(file);
  let fd = -1;
  try {
    fd = fs.openSync(temporary, 'wx');
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(temporary, file);
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    try {
      fs.unlinkSync(temporary);
    } catch {
      // never created, or already renamed
    }
    throw new Error(`${op}: cannot write ${file}: ${e instanceof Error ? e.message : String(e)} (any earlier ${file} is unchanged)`);
  }
}

/** A fresh name in the directory of `file` (a rename is atomic only within one file system). */
function temporaryBeside(file: string): string {
  const slash = file.lastIndexOf('/');
  const name = `.${file.slice(slash + 1)}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  return slash < 0 ? name : `${file.slice(0, slash + 1)}${name}`;
}

/**
 * Checks, before long work, that `save` will be able to write `file`: not a directory, in a directory
 * that exists and takes a new file (probed by creating and removing one). Throws an Error naming why.
 */
export function checkWritable(file: string, op = 'save'): void {
  if (typeof file !== 'string' || file === '') throw new Error(`${op}: file=${JSON.stringify(file)} must be a path`);
  const fs = nodeFs(op);
  let isDirectory = false;
  try {
    isDirectory = fs.statSync(file).isDirectory();
  } catch {
    // does not exist yet: fine
  }
  if (isDirectory) throw new Error(`${op}: ${file} is a directory; expected a file path`);
  const probe = temporaryBeside(file);
  try {
    fs.closeSync(fs.openSync(probe, 'wx'));
    fs.unlinkSync(probe);
  } catch (e) {
    throw new Error(`${op}: cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Reads a .safetensors file: its tensors (a state dict for loadStateDict) and metadata. */
export function load(file: string): SafetensorsFile {
  if (typeof file !== 'string' || file === '') throw new Error(`load: file=${JSON.stringify(file)} must be a path`);
  let bytes: Uint8Array;
  try {
    const fs = nodeFs('load');
    // Not a device or a pipe: /dev/zero would be read forever.
    if (!fs.statSync(file).isFile()) throw new Error('not a regular file');
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`load: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return deserialize(bytes, file);
}
