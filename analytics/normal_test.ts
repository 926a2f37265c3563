import { assert, assertEquals } from "../testing/assert.ts";
import { erfc, normalCdf, normalPdf } from "./normal.ts";

function relativelyNear(actual: number, expected: number, tolerance: number, what: string) {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  assert(error <= tolerance, `${what}: ${actual} vs ${expected} (relative error ${error})`);
}

Deno.test("erfc() agrees with the C library's erfc to 1e-14 relative from -5 to 26", () => {
  // references: Python's math.erfc (the platform libm); measured worst error over 5000 points
  // on [-6, 27] was 7e-16
  const cases: [number, number][] = [
    [-5, 1.9999999999984626],
    [-1, 1.842700792949715],
    [0.1, 0.8875370839817152],
    [0.46875, 0.507386526782062],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047265],
    [3.9, 3.479224859723177e-8],
    [4, 1.541725790028002e-8],
    [4.5, 1.9661604415428873e-10],
    [6, 2.1519736712498916e-17],
    [10, 2.088487583762545e-45],
    [20, 5.3958656116079005e-176],
    [26, 5.663192408856143e-296],
  ];
  for (const [x, expected] of cases) relativelyNear(erfc(x), expected, 1e-14, `erfc(${x})`);
});

Deno.test("erfc() has exact limits and keeps NaN", () => {
  assertEquals([erfc(0), erfc(Infinity), erfc(-Infinity), erfc(30), erfc(-30)], [1, 0, 2, 0, 2]);
  assert(Number.isNaN(erfc(Number.NaN)));
});

Deno.test("normalCdf() is accurate in both tails: 1e-12 relative down to 1e-198", () => {
  // the tolerance covers the rounding of x/√2, which the relative error scales by x²
  const cases: [number, number][] = [
    [-30, 4.906713927148764e-198],
    [-20, 2.7536241186063314e-89],
    [-10, 7.619853024160593e-24],
    [-5, 2.866515718791946e-7],
    [-2, 0.02275013194817922],
    [-1, 0.15865525393145707],
    [1, 0.8413447460685429],
    [1.959963984540054, 0.975],
    [3, 0.9986501019683699],
    [8, 0.9999999999999993],
  ];
  for (const [x, expected] of cases) relativelyNear(normalCdf(x), expected, 1e-12, `Φ(${x})`);
  assertEquals(normalCdf(0), 0.5);
  assertEquals([normalCdf(-Infinity), normalCdf(Infinity)], [0, 1]);
});

Deno.test("normalCdf() is monotone and symmetric: Φ(x) + Φ(-x) = 1 within 1e-15", () => {
  let previous = 0;
  for (let x = -12; x <= 12; x += 0.01) {
    const p = normalCdf(x);
    assert(p >= previous, `not monotone at ${x}`);
    previous = p;
    assert(Math.abs(p + normalCdf(-x) - 1) <= 1e-15, `asymmetric at ${x}`);
  }
});

Deno.test("normalPdf() is the derivative of normalCdf()", () => {
  for (const x of [-6, -2, -0.5, 0, 0.7, 3]) {
    const h = 1e-5;
    const slope = (normalCdf(x + h) - normalCdf(x - h)) / (2 * h);
    assert(Math.abs(slope - normalPdf(x)) < 1e-9, `at ${x}`);
  }
});
