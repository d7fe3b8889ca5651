/** Eigenvalues of symmetric 3 × 3 matrices (closed form, Smith 1961), for shape statistics. */

/** Eigenvalues of the symmetric matrix [[a, d, e], [d, b, f], [e, f, c]], largest first. */
export function symmetricEigenvalues3(
  a: number,
  b: number,
  c: number,
  d: number,
  e: number,
  f: number,
): [number, number, number] {
  const p1 = d * d + e * e + f * f;
  if (p1 === 0) return [a, b, c].sort((x, y) => y - x) as [number, number, number];
  const q = (a + b + c) / 3;
  const p2 = (a - q) ** 2 + (b - q) ** 2 + (c - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  // B = (A − qI)/p; r = det(B)/2 ∈ [−1, 1].
  const [ba, bb, bc, bd, be, bf] = [(a - q) / p, (b - q) / p, (c - q) / p, d / p, e / p, f / p];
  const det = ba * (bb * bc - bf * bf) - bd * (bd * bc - bf * be) + be * (bd * bf - bb * be);
  const r = Math.max(-1, Math.min(1, det / 2));
  const phi = Math.acos(r) / 3;
  const l1 = q + 2 * p * Math.cos(phi);
  const l3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return [l1, 3 * q - l1 - l3, l3];
}

/**
 * Covariance eigenvalues (mm², largest first) of the world positions of voxels `indices` on a
 * `[D, H, W]` grid with `spacingMm`.
 */
export function coordinateEigenvalues(
  indices: ArrayLike<number>,
  shape: readonly [number, number, number],
  spacingMm: readonly [number, number, number],
): [number, number, number] {
  const [, H, W] = shape;
  const n = indices.length;
  let sx = 0,
    sy = 0,
    sz = 0,
    sxx = 0,
    syy = 0,
    szz = 0,
    sxy = 0,
    sxz = 0,
    syz = 0;
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    const z = Math.floor(i / (H * W)) * spacingMm[0];
    const y = (Math.floor(i / W) % H) * spacingMm[1];
    const x = (i % W) * spacingMm[2];
    sx += x;
    sy += y;
    sz += z;
    sxx += x * x;
    syy += y * y;
    szz += z * z;
    sxy += x * y;
    sxz += x * z;
    syz += y * z;
  }
  const mx = sx / n,
    my = sy / n,
    mz = sz / n;
  return symmetricEigenvalues3(
    sxx / n - mx * mx,
    syy / n - my * my,
    szz / n - mz * mz,
    sxy / n - mx * my,
    sxz / n - mx * mz,
    syz / n - my * mz,
  );
}
