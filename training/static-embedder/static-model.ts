import type { GraphNode, Initializer } from './onnx-proto.js';
import {
  ONNX_DATA_TYPE,
  encodeModel,
  float16Bytes,
  float32Bytes,
  int64Bytes,
} from './onnx-proto.js';

/** Options for {@link buildStaticEmbeddingModel}. */
export interface StaticModelOptions {
  /** Row-major `vocabSize × dimension` table; row i is token id i's (already weighted) vector. */
  readonly table: Float32Array;
  readonly vocabSize: number;
  readonly dimension: number;
  /** Storage type of the table. float16 halves the file; the graph casts to float32 after Gather. */
  readonly dtype: 'float32' | 'float16';
  /** Written to the model's doc string and metadata. */
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Default-domain opset of the graph (ReduceSum/Unsqueeze take axes as an input since opset 13). */
export const STATIC_MODEL_OPSET = 17;

/**
 * Build the ONNX bytes of a static embedding model:
 *
 *   input_ids [batch, sequence] int64, attention_mask [batch, sequence] int64
 *   last_hidden_state = Cast<float>(Gather(embeddings, input_ids))         [batch, sequence, dim]
 *   sentence_embedding = Σ_t mask·h_t / max(Σ_t mask, 1e-9)                 [batch, dim]
 *
 * `last_hidden_state` keeps the graph usable by the transformers.js feature-extraction pipeline
 * (`pooling: 'mean'`); `sentence_embedding` is the masked mean pooled in-graph (not L2-normalised),
 * the output TransformersEmbedder prefers.
 */
export function buildStaticEmbeddingModel(options: StaticModelOptions): Uint8Array {
  const { table, vocabSize, dimension, dtype } = options;
  if (table.length !== vocabSize * dimension) {
    throw new RangeError(`table has ${table.length} values, expected ${vocabSize}×${dimension}`);
  }
  const initializers: Initializer[] = [
    {
      name: 'embeddings',
      dataType: dtype === 'float16' ? ONNX_DATA_TYPE.float16 : ONNX_DATA_TYPE.float,
      dims: [vocabSize, dimension],
      raw: dtype === 'float16' ? float16Bytes(table) : float32Bytes(table),
    },
    { name: 'axis_sequence', dataType: ONNX_DATA_TYPE.int64, dims: [1], raw: int64Bytes([1]) },
    { name: 'axis_feature', dataType: ONNX_DATA_TYPE.int64, dims: [1], raw: int64Bytes([2]) },
    { name: 'min_count', dataType: ONNX_DATA_TYPE.float, dims: [], raw: float32Bytes([1e-9]) },
  ];
  const gathered = dtype === 'float16' ? 'token_vectors_f16' : 'last_hidden_state';
  const nodes: GraphNode[] = [
    {
      opType: 'Gather',
      name: 'lookup',
      inputs: ['embeddings', 'input_ids'],
      outputs: [gathered],
      intAttributes: { axis: 0 },
    },
    ...(dtype === 'float16'
      ? [
          {
            opType: 'Cast',
            name: 'to_float',
            inputs: [gathered],
            outputs: ['last_hidden_state'],
            intAttributes: { to: ONNX_DATA_TYPE.float },
          },
        ]
      : []),
    {
      opType: 'Cast',
      name: 'mask_to_float',
      inputs: ['attention_mask'],
      outputs: ['mask'],
      intAttributes: { to: ONNX_DATA_TYPE.float },
    },
    {
      opType: 'Unsqueeze',
      name: 'mask_expand',
      inputs: ['mask', 'axis_feature'],
      outputs: ['mask_3d'],
    },
    {
      opType: 'Mul',
      name: 'apply_mask',
      inputs: ['last_hidden_state', 'mask_3d'],
      outputs: ['masked'],
    },
    {
      opType: 'ReduceSum',
      name: 'sum_tokens',
      inputs: ['masked', 'axis_sequence'],
      outputs: ['summed'],
      intAttributes: { keepdims: 0 },
    },
    {
      opType: 'ReduceSum',
      name: 'count_tokens',
      inputs: ['mask_3d', 'axis_sequence'],
      outputs: ['count'],
      intAttributes: { keepdims: 0 },
    },
    { opType: 'Max', name: 'guard_empty', inputs: ['count', 'min_count'], outputs: ['count_safe'] },
    {
      opType: 'Div',
      name: 'mean',
      inputs: ['summed', 'count_safe'],
      outputs: ['sentence_embedding'],
    },
  ];
  return encodeModel({
    graphName: 'static_embedding',
    nodes,
    initializers,
    inputs: [
      { name: 'input_ids', elementType: ONNX_DATA_TYPE.int64, shape: ['batch', 'sequence'] },
      { name: 'attention_mask', elementType: ONNX_DATA_TYPE.int64, shape: ['batch', 'sequence'] },
    ],
    outputs: [
      {
        name: 'last_hidden_state',
        elementType: ONNX_DATA_TYPE.float,
        shape: ['batch', 'sequence', dimension],
      },
      {
        name: 'sentence_embedding',
        elementType: ONNX_DATA_TYPE.float,
        shape: ['batch', dimension],
      },
    ],
    opset: STATIC_MODEL_OPSET,
    producerName: 'arbiter/distill-static-embedder',
    producerVersion: '1',
    docString: options.description,
    metadata: options.metadata,
  });
}
