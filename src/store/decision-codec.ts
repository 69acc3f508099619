/**
 * The compact row format of a decision (migration 6 in DuckDB, 3 in PostgreSQL), shared by both
 * stores. A decision used to cost 18 KB in DuckDB and 8 KB in PostgreSQL, almost all of it three
 * values: the embedding as 512 float32, every candidate's prediction as JSON, and the bandit's
 * feature vector as JSON. Now:
 *
 * - `embedding_q`: int8 with one float32 scale per vector, `[scale f32][q_0 .. q_{d-1} i8]`,
 *   x_i ≈ q_i · scale with scale = max|x| / 127 (symmetric per-vector quantisation, as in
 *   Jacob et al. 2018, "Quantization and Training of Neural Networks for Efficient
 *   Integer-Arithmetic-Only Inference", eq. 1 with zero point 0). Error per coordinate ≤ scale / 2;
 *   cosine similarity of a unit-norm 512-d embedding moves by about 1e-4.
 * - `prompt_digest`: a sha256 hex prompt hash as its 32 bytes (`prompt_hash` stays for any other
 *   form).
 * - `candidate_set`: the sorted candidate list is stored once in `candidate_sets` under a 52-bit
 *   hash of it; the decision keeps the id.
 * - `arms`: per candidate, in ranked order, 7 bytes: the index into the sorted set (u8, or u16 for
 *   sets over 255), quality as u16 (q · 65535, error ≤ 7.7e-6), cost as a log-spaced u16 (0 is
 *   free; otherwise 1e-9 to 1e3 USD at a relative step of 4.2e-4, so error ≤ 2.1e-4), and the
 *   policy score as IEEE 754 binary16 (relative error ≤ 4.9e-4, |score| ≤ 65504; NaN when absent).
 *   Half precision is what brings a PostgreSQL row under the size at which six fit an 8 KB page.
 * - `policy_features` (the bandit's context vector: feedback replays exactly what the policy saw)
 *   and `willingness_to_pay` come out of the features JSON into their own columns. The vector is
 *   float64, or, when every value is a multiple of 1e-4 within ±3.2767 (the residual learner rounds
 *   its 64 features so), `[0x01][k_0 .. k_{n-1} i16]` with value = k / 1e4, read back to the same
 *   double (an odd byte length, so never confused with the float64 form): 129 bytes, not 512.
 * - `estimated_cost_usd` / `best_quality_cost_usd`: the chosen candidate's and the
 *   highest-predicted-quality candidate's cost (ties: cheaper, then earlier), exact, for the stats.
 *
 * Anything the compact form cannot hold exactly enough (a quality outside [0, 1], a cost outside
 * the range, predictions that are not one per candidate in order, repeated candidates, a
 * non-finite embedding) is stored the old way (`candidates`, `predicted` JSON, float32
 * `embedding`), which is also how rows written before the migration read back.
 */
import { createHash } from 'node:crypto';
import { StoreError } from '../core/index.js';
import type { DecisionRecord, PredictedArm } from './decision-repo.js';
import { decodeFloat32, parseJsonText } from './values.js';

/** Key of the bandit's context vector in {@link DecisionRecord.features}. */
export const POLICY_FEATURES = 'policy_features';
/** Key of the request's willingness to pay in {@link DecisionRecord.features}. */
export const WILLINGNESS_TO_PAY = 'willingness_to_pay';

const COST_LN_MIN = Math.log(1e-9);
const COST_LN_MAX = Math.log(1e3);
const COST_STEP = (COST_LN_MAX - COST_LN_MIN) / 65534;

/** The storage columns of one decision beyond its plain scalar ones. */
export interface EncodedDecision {
  /** The prompt hash when it is not 64 lowercase hex digits. */
  readonly promptHash: string | null;
  /** The prompt hash's bytes when it is. */
  readonly promptDigest: Uint8Array | null;
  /** float32 embedding (fallback form and old rows). */
  readonly embedding: Uint8Array | null;
  /** int8 embedding with its scale. */
  readonly embeddingQ: Uint8Array | null;
  /** Candidate list (fallback form and old rows). */
  readonly candidates: readonly string[] | null;
  /** Sorted candidate set and its id (compact form). */
  readonly candidateSet: { readonly id: number; readonly models: readonly string[] } | null;
  /** Per-candidate predictions as JSON (fallback form and old rows). */
  readonly predicted: string | null;
  /** Per-candidate predictions, compact. */
  readonly arms: Uint8Array | null;
  /** Features JSON without the two keys that have their own columns; null when features is null. */
  readonly features: string | null;
  readonly policyFeatures: Uint8Array | null;
  readonly willingnessToPay: number | null;
  /** Predicted cost of the chosen candidate, USD. */
  readonly estimatedCostUsd: number | null;
  /** Predicted cost of the highest-predicted-quality candidate, USD. */
  readonly bestQualityCostUsd: number | null;
}

/** The stored columns a reader hands back for decoding (plain JS values). */
export interface StoredDecisionParts {
  readonly promptHash: string | null;
  readonly promptDigest: Uint8Array | null;
  readonly embedding: Uint8Array | null;
  readonly embeddingQ: Uint8Array | null;
  readonly candidates: readonly string[] | null;
  readonly setModels: readonly string[] | null;
  readonly predicted: string | null;
  readonly arms: Uint8Array | null;
  readonly features: string | null;
  readonly policyFeatures: Uint8Array | null;
  readonly willingnessToPay: number | null;
}

function corrupt(column: string, why: string): StoreError {
  return new StoreError(`column ${column} ${why}`, { code: 'STORE_CORRUPT', details: { column } });
}

/** A vector as little-endian float32 bytes. */
export function float32Bytes(vector: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] ?? 0, true);
  return bytes;
}

/** Symmetric int8 quantisation with a float32 scale; null when a value is not finite. */
export function quantizeEmbedding(vector: Float32Array): Uint8Array | null {
  let max = 0;
  for (const value of vector) {
    if (!Number.isFinite(value)) return null;
    max = Math.max(max, Math.abs(value));
  }
  const scale = Math.fround(max / 127);
  const bytes = new Uint8Array(4 + vector.length);
  const view = new DataView(bytes.buffer);
  view.setFloat32(0, scale, true);
  for (let i = 0; i < vector.length; i++) {
    const q = scale === 0 ? 0 : Math.round((vector[i] ?? 0) / scale);
    view.setInt8(4 + i, Math.max(-127, Math.min(127, q)));
  }
  return bytes;
}

/** The vector {@link quantizeEmbedding} stored. */
export function dequantizeEmbedding(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength < 4) throw corrupt('embedding_q', 'is shorter than its scale');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scale = view.getFloat32(0, true);
  const out = new Float32Array(bytes.byteLength - 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt8(4 + i) * scale;
  return out;
}

/** The id of a sorted candidate set: the first 52 bits of its sha256 (an exact double). */
export function candidateSetId(models: readonly string[]): number {
  const digest = createHash('sha256').update(JSON.stringify(models)).digest();
  return digest.readUIntBE(0, 6) * 16 + (digest.readUInt8(6) >> 4);
}

function costCode(cost: number): number | null {
  if (cost === 0) return 0;
  if (!(cost >= 1e-9 && cost <= 1e3)) return null;
  return 1 + Math.round((Math.log(cost) - COST_LN_MIN) / COST_STEP);
}

function costOf(code: number): number {
  return code === 0 ? 0 : Math.exp(COST_LN_MIN + (code - 1) * COST_STEP);
}

/** The IEEE 754 binary16 bits nearest to `value` (round half to even); null when out of range. */
export function toFloat16Bits(value: number): number | null {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude > 65504) return null;
  if (magnitude < 2 ** -14) {
    // Subnormal: a multiple of 2^-24.
    return sign | roundHalfEven(magnitude / 2 ** -24);
  }
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--;
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  const mantissa = roundHalfEven((magnitude / 2 ** exponent - 1) * 1024);
  // A mantissa that rounds up to 1024 carries into the exponent; the bit pattern does it by itself.
  const bits = ((exponent + 15) << 10) + mantissa;
  return bits > 0x7bff ? null : sign | bits;
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The number an IEEE 754 binary16 bit pattern holds. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function encodeArms(
  predicted: readonly PredictedArm[],
  models: readonly string[],
): Uint8Array | null {
  const wide = models.length > 255;
  const width = (wide ? 2 : 1) + 6;
  const bytes = new Uint8Array(predicted.length * width);
  const view = new DataView(bytes.buffer);
  const index = new Map(models.map((model, i) => [model, i]));
  for (let a = 0; a < predicted.length; a++) {
    const arm = predicted[a] as PredictedArm;
    const at = a * width;
    const position = index.get(arm.model);
    const cost = costCode(arm.costUsd);
    const score = arm.score === undefined ? 0x7e00 : toFloat16Bits(arm.score);
    if (
      position === undefined ||
      cost === null ||
      score === null ||
      (arm.score !== undefined && Number.isNaN(arm.score)) ||
      !(arm.quality >= 0 && arm.quality <= 1)
    ) {
      return null;
    }
    if (wide) view.setUint16(at, position, true);
    else view.setUint8(at, position);
    const offset = at + (wide ? 2 : 1);
    view.setUint16(offset, Math.round(arm.quality * 65535), true);
    view.setUint16(offset + 2, cost, true);
    view.setUint16(offset + 4, score, true);
  }
  return bytes;
}

function decodeArms(bytes: Uint8Array, models: readonly string[]): PredictedArm[] {
  const wide = models.length > 255;
  const width = (wide ? 2 : 1) + 6;
  if (bytes.byteLength % width !== 0) throw corrupt('arms', 'has a partial entry');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const arms: PredictedArm[] = [];
  for (let at = 0; at < bytes.byteLength; at += width) {
    const position = wide ? view.getUint16(at, true) : view.getUint8(at);
    const model = models[position];
    if (model === undefined) throw corrupt('arms', 'names no candidate of its set');
    const offset = at + (wide ? 2 : 1);
    const score = fromFloat16Bits(view.getUint16(offset + 4, true));
    arms.push({
      model,
      quality: view.getUint16(offset, true) / 65535,
      costUsd: costOf(view.getUint16(offset + 2, true)),
      ...(Number.isNaN(score) ? {} : { score }),
    });
  }
  return arms;
}

/** The chosen candidate's predicted cost and the best-quality candidate's (ties: cheaper, then earlier). */
export function decisionCosts(decision: DecisionRecord): {
  estimatedCostUsd: number | null;
  bestQualityCostUsd: number | null;
} {
  const chosen = decision.predicted.find((arm) => arm.model === decision.chosenModel);
  let best: PredictedArm | undefined;
  for (const arm of decision.predicted) {
    if (
      best === undefined ||
      arm.quality > best.quality ||
      (arm.quality === best.quality && arm.costUsd < best.costUsd)
    ) {
      best = arm;
    }
  }
  return { estimatedCostUsd: chosen?.costUsd ?? null, bestQualityCostUsd: best?.costUsd ?? null };
}

function splitFeatures(features: DecisionRecord['features']): {
  features: string | null;
  policyFeatures: Uint8Array | null;
  willingnessToPay: number | null;
} {
  if (features === null) return { features: null, policyFeatures: null, willingnessToPay: null };
  const { [POLICY_FEATURES]: vector, [WILLINGNESS_TO_PAY]: wtp, ...rest } = features;
  const compactVector =
    Array.isArray(vector) && vector.every((value) => typeof value === 'number')
      ? vector
      : undefined;
  const compactWtp = typeof wtp === 'number' && Number.isFinite(wtp) ? wtp : undefined;
  const kept: Record<string, unknown> = { ...rest };
  if (vector !== undefined && compactVector === undefined) kept[POLICY_FEATURES] = vector;
  if (wtp !== undefined && compactWtp === undefined) kept[WILLINGNESS_TO_PAY] = wtp;
  const policyFeatures = compactVector === undefined ? null : encodeVector(compactVector);
  return { features: JSON.stringify(kept), policyFeatures, willingnessToPay: compactWtp ?? null };
}

/** Tag byte of the int16 form of a feature vector. */
const GRID_TAG = 0x01;
/** The int16 form's grid: value = k / GRID. */
const GRID = 1e4;

/** A feature vector's bytes: int16 on the 1e-4 grid when every value reads back exactly, else float64. */
function encodeVector(vector: readonly number[]): Uint8Array {
  const grid = vector.map((value) => Math.round(value * GRID));
  if (
    vector.length > 0 &&
    grid.every((k, i) => k >= -0x7fff && k <= 0x7fff && k / GRID === vector[i] && !Object.is(k, -0))
  ) {
    const bytes = new Uint8Array(1 + 2 * vector.length);
    const view = new DataView(bytes.buffer);
    bytes[0] = GRID_TAG;
    grid.forEach((k, i) => view.setInt16(1 + 2 * i, k, true));
    return bytes;
  }
  const bytes = new Uint8Array(vector.length * 8);
  const view = new DataView(bytes.buffer);
  vector.forEach((value, i) => view.setFloat64(i * 8, value, true));
  return bytes;
}

/** The storage columns of a decision: compact where exact enough, the old form otherwise. */
export function encodeDecision(decision: DecisionRecord): EncodedDecision {
  const embeddingQ = decision.embedding === null ? null : quantizeEmbedding(decision.embedding);
  const sorted = [...decision.candidates].sort();
  const inOrder =
    decision.predicted.length === decision.candidates.length &&
    decision.predicted.every((arm, i) => arm.model === decision.candidates[i]) &&
    sorted.every((model, i) => i === 0 || model !== sorted[i - 1]);
  const arms = inOrder ? encodeArms(decision.predicted, sorted) : null;
  const digest = /^[0-9a-f]{64}$/u.test(decision.promptHash);
  return {
    promptHash: digest ? null : decision.promptHash,
    promptDigest: digest ? Uint8Array.from(Buffer.from(decision.promptHash, 'hex')) : null,
    embedding:
      decision.embedding !== null && embeddingQ === null ? float32Bytes(decision.embedding) : null,
    embeddingQ,
    candidates: arms === null ? decision.candidates : null,
    candidateSet: arms === null ? null : { id: candidateSetId(sorted), models: sorted },
    predicted: arms === null ? JSON.stringify(decision.predicted) : null,
    arms,
    ...splitFeatures(decision.features),
    ...decisionCosts(decision),
  };
}

function float64s(bytes: Uint8Array): number[] {
  if (bytes.byteLength % 2 === 1) {
    if (bytes[0] !== GRID_TAG) throw corrupt('policy_features', 'has an unknown form');
    const grid = new DataView(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1);
    return Array.from({ length: (bytes.byteLength - 1) / 2 }, (_, i) => {
      return grid.getInt16(i * 2, true) / GRID;
    });
  }
  if (bytes.byteLength % 8 !== 0) throw corrupt('policy_features', 'is not float64 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength / 8 }, (_, i) => view.getFloat64(i * 8, true));
}

function float32s(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw corrupt('embedding', 'is not float32 bytes');
  return decodeFloat32(bytes);
}

/** Embedding, candidates, predictions and features of a stored row, in either form. */
export function decodeDecision(
  parts: StoredDecisionParts,
): Pick<DecisionRecord, 'promptHash' | 'embedding' | 'candidates' | 'predicted' | 'features'> {
  let predicted: PredictedArm[];
  let candidates: readonly string[];
  if (parts.arms !== null) {
    if (parts.setModels === null) throw corrupt('candidate_set', 'names no stored set');
    predicted = decodeArms(parts.arms, parts.setModels);
    candidates = predicted.map((arm) => arm.model);
  } else {
    predicted = (
      parts.predicted === null ? [] : parseJsonText(parts.predicted, 'predicted')
    ) as PredictedArm[];
    candidates = parts.candidates ?? [];
  }
  let features: Record<string, unknown> | null = null;
  if (parts.features !== null) {
    features = parseJsonText(parts.features, 'features') as Record<string, unknown>;
    if (parts.willingnessToPay !== null) features[WILLINGNESS_TO_PAY] = parts.willingnessToPay;
    if (parts.policyFeatures !== null) features[POLICY_FEATURES] = float64s(parts.policyFeatures);
  }
  let embedding: Float32Array | null = null;
  if (parts.embeddingQ !== null) embedding = dequantizeEmbedding(parts.embeddingQ);
  else if (parts.embedding !== null) embedding = float32s(parts.embedding);
  let promptHash = parts.promptHash;
  if (parts.promptDigest !== null) promptHash = Buffer.from(parts.promptDigest).toString('hex');
  if (promptHash === null) throw corrupt('prompt_hash', 'and prompt_digest are both null');
  return { promptHash, embedding, candidates, predicted, features };
}

/** A decision as the store hands it back: what {@link encodeDecision} keeps, decoded. */
export function storedForm(decision: DecisionRecord): DecisionRecord {
  const e = encodeDecision(decision);
  return {
    ...decision,
    ...decodeDecision({
      ...e,
      setModels: e.candidateSet === null ? null : e.candidateSet.models,
    }),
  };
}
