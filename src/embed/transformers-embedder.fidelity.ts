/**
 * How well a student embedder preserves a teacher's similarity structure: the Pearson correlation between
 * the two models' pairwise cosine similarities over the same texts (the "similarity-structure"
 * agreement used to evaluate distilled static embeddings, e.g. Model2Vec; representational similarity
 * analysis, Kriegeskorte et al. 2008). 1 means identical structure; 0 means unrelated.
 */
export function similarityFidelity(
  teacher: readonly Float32Array[],
  student: readonly Float32Array[],
): number {
  if (teacher.length !== student.length || teacher.length < 3) {
    throw new RangeError('need the same number (at least 3) of teacher and student rows');
  }
  return pearson(pairwiseCosines(teacher), pairwiseCosines(student));
}

/** Upper-triangle cosine similarities (i < j), row-major. */
export function pairwiseCosines(rows: readonly Float32Array[]): number[] {
  const unit = rows.map((row) => {
    const norm = Math.sqrt(row.reduce((sum, value) => sum + value * value, 0)) || 1;
    return row.map((value) => value / norm);
  });
  const out: number[] = [];
  for (let i = 0; i < unit.length; i++) {
    for (let j = i + 1; j < unit.length; j++) {
      const a = unit[i] as Float32Array;
      const b = unit[j] as Float32Array;
      let dot = 0;
      for (let k = 0; k < a.length; k++) dot += (a[k] ?? 0) * (b[k] ?? 0);
      out.push(dot);
    }
  }
  return out;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const meanX = x.reduce((sum, v) => sum + v, 0) / n;
  const meanY = y.reduce((sum, v) => sum + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] ?? 0) - meanX;
    const dy = (y[i] ?? 0) - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}
