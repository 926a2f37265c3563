/**
 * The standard normal distribution, accurate to about 1e-15 relative over the whole real line:
 * the complementary error function follows W. J. Cody's rational Chebyshev approximations
 * ("Rational Chebyshev approximations for the error function", Math. Comp. 23, 1969; Netlib
 * SPECFUN `CALERF`), and the normal CDF is computed from `erfc` so that neither tail suffers
 * cancellation.
 *
 * @module
 */

// Cody's coefficients, at their published precision.
const A = [
  3.16112374387056560e0,
  1.13864154151050156e2,
  3.77485237685302021e2,
  3.20937758913846947e3,
  1.85777706184603153e-1,
] as const;
const B = [
  2.36012909523441209e1,
  2.44024637934444173e2,
  1.28261652607737228e3,
  2.84423683343917062e3,
] as const;
const C = [
  5.64188496988670089e-1,
  8.88314979438837594e0,
  6.61191906371416295e1,
  2.98635138197400131e2,
  8.81952221241769090e2,
  1.71204761263407058e3,
  2.05107837782607147e3,
  1.23033935479799725e3,
  2.15311535474403846e-8,
] as const;
const D = [
  1.57449261107098347e1,
  1.17693950891312499e2,
  5.37181101862009858e2,
  1.62138957456669019e3,
  3.29079923573345963e3,
  4.36261909014324716e3,
  3.43936767414372164e3,
  1.23033935480374942e3,
] as const;
const P = [
  3.05326634961232344e-1,
  3.60344899949804439e-1,
  1.25781726111229246e-1,
  1.60837851487422766e-2,
  6.58749161529837803e-4,
  1.63153871373020978e-2,
] as const;
const Q = [
  2.56852019228982242e0,
  1.87295284992346047e0,
  5.27905102951428412e-1,
  6.05183413124413191e-2,
  2.33520497626869185e-3,
] as const;
const ONE_OVER_SQRT_PI = 5.6418958354775628695e-1;
const ONE_OVER_SQRT_2PI = 0.398942280401432677939946;
/** Beyond this, erfc(x) is below the smallest double. */
const ERFC_UNDERFLOW = 27.3;

/**
 * The complementary error function, erfc(x) = 1 - erf(x), to about 1e-15 relative (W. J. Cody,
 * 1969). Exact limits at the infinities; `NaN` stays `NaN`.
 *
 * @param x Any number.
 * @returns erfc(x), in [0, 2].
 *
 * @example
 * ```ts
 * import { erfc } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * assert.equal(erfc(0), 1);
 * assert.ok(Math.abs(erfc(1) - 0.15729920705028513) < 1e-16);
 * assert.ok(Math.abs(erfc(10) / 2.088487583762545e-45 - 1) < 1e-14);
 * ```
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) {
    const ysq = y > 1.11e-16 ? y * y : 0;
    let num = A[4] * ysq;
    let den = ysq;
    for (let i = 0; i < 3; i++) {
      num = (num + A[i]!) * ysq;
      den = (den + B[i]!) * ysq;
    }
    return 1 - (x * (num + A[3])) / (den + B[3]);
  }
  let result: number;
  if (y >= ERFC_UNDERFLOW) {
    result = 0;
  } else {
    if (y <= 4) {
      let num = C[8] * y;
      let den = y;
      for (let i = 0; i < 7; i++) {
        num = (num + C[i]!) * y;
        den = (den + D[i]!) * y;
      }
      result = (num + C[7]) / (den + D[7]);
    } else {
      const z = 1 / (y * y);
      let num = P[5] * z;
      let den = z;
      for (let i = 0; i < 4; i++) {
        num = (num + P[i]!) * z;
        den = (den + Q[i]!) * z;
      }
      result = (ONE_OVER_SQRT_PI - (z * (num + P[4])) / (den + Q[4])) / y;
    }
    // exp(-y^2) split in two so the rounding of y^2 does not cost accuracy (as CALERF does)
    const head = Math.trunc(y * 16) / 16;
    const del = (y - head) * (y + head);
    result = Math.exp(-head * head) * Math.exp(-del) * result;
  }
  return x < 0 ? 2 - result : result;
}

/**
 * The standard normal cumulative distribution function, Φ(x) = erfc(-x/√2)/2, accurate to about
 * 1e-15 relative in both tails (Φ(-30) is about 4.9e-198, not 0).
 *
 * @param x Any number.
 * @returns P(Z ≤ x) for a standard normal Z, in [0, 1].
 *
 * @example
 * ```ts
 * import { normalCdf } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * assert.equal(normalCdf(0), 0.5);
 * assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-15);
 * assert.ok(normalCdf(-30) > 0);
 * ```
 */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/**
 * The standard normal probability density function, φ(x) = exp(-x²/2)/√(2π).
 *
 * @param x Any number.
 * @returns The density at `x`; 0 at the infinities.
 *
 * @example
 * ```ts
 * import { normalPdf } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(normalPdf(0) - 0.3989422804014327) < 1e-16);
 * ```
 */
export function normalPdf(x: number): number {
  return ONE_OVER_SQRT_2PI * Math.exp(-0.5 * x * x);
}
