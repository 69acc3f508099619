/**
 * A minimal, dependency-free writer for the subset of the ONNX protobuf schema Arbiter's graphs need
 * (onnx/onnx.proto3, IR version 8): the static embedding model of training/ and the USE-Lite graph built
 * at first start (onnx-use-lite-graph.ts). Field numbers are taken from that file. Output is a pure
 * function of the input, so rebuilt artifacts are byte-identical.
 */

/** ONNX TensorProto.DataType values used here (onnx.proto3, enum DataType). */
export const ONNX_DATA_TYPE = { float: 1, int64: 7, float16: 10 } as const;

/** ONNX AttributeProto.AttributeType values used here. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, ints: 7 } as const;

type ProtoField = Uint8Array;

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const textEncoder = new TextEncoder();

function varint(value: number | bigint): number[] {
  // Negative int64 values are encoded as 10-byte two's complement (protobuf spec, "varint").
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return bytes;
}

function key(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function intField(field: number, value: number | bigint): ProtoField {
  return Uint8Array.from([...key(field, WIRE_VARINT), ...varint(value)]);
}

function floatField(field: number, value: number): ProtoField {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return Uint8Array.from([...key(field, WIRE_FIXED32), ...bytes]);
}

function bytesField(field: number, value: Uint8Array): ProtoField {
  return concat([
    Uint8Array.from([...key(field, WIRE_LENGTH_DELIMITED), ...varint(value.length)]),
    value,
  ]);
}

function stringField(field: number, value: string): ProtoField {
  return bytesField(field, textEncoder.encode(value));
}

function message(fields: readonly ProtoField[]): Uint8Array {
  return concat(fields);
}

/** A graph input or output: name, element type and shape (a string is a symbolic dimension). */
export interface ValueInfo {
  readonly name: string;
  readonly elementType: number;
  readonly shape: readonly (number | string)[];
}

/** A constant tensor stored in the graph. `raw` is little-endian element data. */
export interface Initializer {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  readonly raw: Uint8Array;
}

/** A node attribute: one integer, one float, or a list of integers. */
export type AttributeValue =
  { readonly int: number } | { readonly float: number } | { readonly ints: readonly number[] };

/** One operator node. */
export interface GraphNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name: string;
  /** Integer attributes (shorthand for `attributes` entries of `{ int }`). */
  readonly intAttributes?: Readonly<Record<string, number>>;
  /** Attributes of any supported type. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** Options for {@link encodeModel}. */
export interface ModelSpec {
  readonly graphName: string;
  readonly nodes: readonly GraphNode[];
  readonly initializers: readonly Initializer[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Default-domain opset version. */
  readonly opset: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString: string;
  /** Free-form key/value metadata (ModelProto.metadata_props). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** ONNX IR version written (IR v8 pairs with opsets up to 17/18). */
export const ONNX_IR_VERSION = 8;

function valueInfo(info: ValueInfo): Uint8Array {
  // TensorShapeProto.Dimension: dim_value = 1, dim_param = 2.
  const dims = info.shape.map((dim) =>
    bytesField(1, message([typeof dim === 'number' ? intField(1, dim) : stringField(2, dim)])),
  );
  const tensorType = message([intField(1, info.elementType), bytesField(2, message(dims))]);
  const typeProto = message([bytesField(1, tensorType)]);
  return message([stringField(1, info.name), bytesField(2, typeProto)]);
}

function tensor(initializer: Initializer): Uint8Array {
  return message([
    ...initializer.dims.map((dim) => intField(1, dim)),
    intField(2, initializer.dataType),
    stringField(8, initializer.name),
    bytesField(9, initializer.raw),
  ]);
}

function attribute(name: string, value: AttributeValue): Uint8Array {
  // AttributeProto: name = 1, f = 2, i = 3, ints = 8 (repeated, written unpacked), type = 20.
  if ('int' in value) {
    return message([
      stringField(1, name),
      intField(3, value.int),
      intField(20, ATTRIBUTE_TYPE.int),
    ]);
  }
  if ('float' in value) {
    return message([
      stringField(1, name),
      floatField(2, value.float),
      intField(20, ATTRIBUTE_TYPE.float),
    ]);
  }
  return message([
    stringField(1, name),
    ...value.ints.map((item) => intField(8, item)),
    intField(20, ATTRIBUTE_TYPE.ints),
  ]);
}

function node(spec: GraphNode): Uint8Array {
  const entries: [string, AttributeValue][] = [
    ...Object.entries(spec.intAttributes ?? {}).map(([name, value]): [string, AttributeValue] => [
      name,
      { int: value },
    ]),
    ...Object.entries(spec.attributes ?? {}),
  ];
  const attributes = entries.map(([name, value]) => bytesField(5, attribute(name, value)));
  return message([
    ...spec.inputs.map((input) => stringField(1, input)),
    ...spec.outputs.map((output) => stringField(2, output)),
    stringField(3, spec.name),
    stringField(4, spec.opType),
    ...attributes,
  ]);
}

/** Serialise a ModelProto. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const graph = message([
    ...spec.nodes.map((n) => bytesField(1, node(n))),
    stringField(2, spec.graphName),
    ...spec.initializers.map((init) => bytesField(5, tensor(init))),
    ...spec.inputs.map((input) => bytesField(11, valueInfo(input))),
    ...spec.outputs.map((output) => bytesField(12, valueInfo(output))),
  ]);
  const opset = message([stringField(1, ''), intField(2, spec.opset)]);
  const metadata = Object.entries(spec.metadata).map(([k, v]) =>
    bytesField(14, message([stringField(1, k), stringField(2, v)])),
  );
  return message([
    intField(1, ONNX_IR_VERSION),
    stringField(2, spec.producerName),
    stringField(3, spec.producerVersion),
    stringField(6, spec.docString),
    bytesField(7, graph),
    bytesField(8, opset),
    ...metadata,
  ]);
}

/** Little-endian bytes of int64 values. */
export function int64Bytes(values: readonly number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
  return new Uint8Array(view.buffer);
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Little-endian bytes of float32 values. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  // Fast path (28 MB of USE-Lite weights): a native little-endian copy.
  if (LITTLE_ENDIAN) return new Uint8Array(new Float32Array(values).buffer);
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
  return new Uint8Array(view.buffer);
}

/** Little-endian IEEE 754 half-precision bytes, rounded to nearest even. */
export function float16Bytes(values: ArrayLike<number>): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 2));
  for (let i = 0; i < values.length; i++)
    view.setUint16(i * 2, toFloat16Bits(values[i] ?? 0), true);
  return new Uint8Array(view.buffer);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Bits of the half-precision value nearest to `value` (ties to even; overflow to ±Infinity). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let bits = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and can reach Infinity).
  if (remainder > 0x1000 || (remainder === 0x1000 && (bits & 1) === 1)) bits += 1;
  return sign | bits;
}

/** The float value of half-precision bits (used to measure rounding error). */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
