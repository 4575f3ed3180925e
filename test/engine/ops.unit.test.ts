/**
 * Hand-computed cases per operator: rounding ties, saturation edges, zero points at the range ends,
 * NaN / ±Inf / subnormal / -0 in QuantizeLinear, accumulators above 2^24 where f32(acc) matters,
 * int32 wrap, and the one-line errors for wrong inputs.
 */
import { expect } from "chai";
import type { Attribute } from "../../offchain/engine/onnx/types.js";
import { OpError, getOperator, SUPPORTED_OPERATORS, V2_CANDIDATE_OPERATORS } from "../../offchain/engine/ops/index.js";
import { roundHalfEven } from "../../offchain/engine/ops/numeric.js";
import { DType, type Tensor, zeros } from "../../offchain/engine/tensor.js";
import { fill, scalarT, vectorT } from "./support/differential.js";

const { UINT8, INT8, INT32, INT64, FLOAT } = DType;
const f32 = Math.fround;

function op(name: string, domain = ""): (inputs: (Tensor | undefined)[], attrs?: Record<string, Attribute>) => Tensor {
  const fn = getOperator(domain, name);
  if (fn === undefined) throw new Error(`no ${name}`);
  return (inputs, attrs = {}) => fn(inputs, attrs)[0];
}
const values = (t: Tensor): (number | bigint)[] => Array.from(t.data as ArrayLike<number | bigint>);
const floats = (xs: readonly number[]): Tensor => vectorT(FLOAT, xs);
const ints = (v: readonly number[]): Attribute => ({ kind: "ints", value: v });
const int = (v: number): Attribute => ({ kind: "int", value: v });
const i64 = (xs: readonly number[]): Tensor => {
  const t = zeros(INT64, [xs.length]);
  xs.forEach((x, i) => ((t.data as BigInt64Array)[i] = BigInt(x)));
  return t;
};

describe("operators: hand-computed cases", function () {
  it("registry: ai.onnx and '' are one domain; QGemm lives in com.microsoft; unknown ops are undefined", function () {
    expect(getOperator("ai.onnx", "Relu")).to.equal(getOperator("", "Relu"));
    expect(getOperator("com.microsoft", "QGemm")).to.be.a("function");
    expect(getOperator("", "QGemm")).to.equal(undefined);
    expect(getOperator("", "Softmax")).to.equal(undefined);
    expect(SUPPORTED_OPERATORS.length).to.equal(27);
    expect(V2_CANDIDATE_OPERATORS.map((o) => o.opType)).to.deep.equal(["QLinearAdd", "QLinearMul", "QLinearAveragePool", "QLinearGlobalAveragePool", "Div"]);
  });

  it("roundHalfEven: ties to even, both signs", function () {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4999998, 8388609].map(roundHalfEven)).to.deep.equal([0, 2, 2, 4, 0, -2, -2, 2, 8388609]);
  });

  describe("QuantizeLinear", function () {
    const q = op("QuantizeLinear");
    it("rounds ties to even on the float32 quotient", function () {
      expect(values(q([floats([0.5, 1.5, 2.5, -0.5, -1.5, 3.5]), scalarT(FLOAT, 1), scalarT(INT8, 0)]))).to.deep.equal([0, 2, 2, 0, -2, 4]);
      // 0.25 / f32(0.1): the float32 quotient is exactly 2.5 (the double one is 2.4999999627...).
      expect(f32(0.25 / f32(0.1))).to.equal(2.5);
      expect(values(q([floats([0.25]), scalarT(FLOAT, 0.1), scalarT(UINT8, 1)]))).to.deep.equal([3]);
    });
    it("saturates, and maps NaN to the type minimum (not zp)", function () {
      const x = floats([NaN, Infinity, -Infinity, 1e30, -1e30, -0, 1]);
      expect(values(q([x, scalarT(FLOAT, 1), scalarT(UINT8, 128)]))).to.deep.equal([0, 255, 0, 255, 0, 128, 129]);
      expect(values(q([x, scalarT(FLOAT, 1), scalarT(INT8, 10)]))).to.deep.equal([-128, 127, -128, 127, -128, 10, 11]);
    });
    it("zero points at the range ends", function () {
      expect(values(q([floats([-0.5, 0.5, 1, -1]), scalarT(FLOAT, 1), scalarT(UINT8, 255)]))).to.deep.equal([255, 255, 255, 254]);
      expect(values(q([floats([-0.5, 0.5, 1, -1]), scalarT(FLOAT, 1), scalarT(INT8, -128)]))).to.deep.equal([-128, -128, -127, -128]);
    });
    it("x / 0 saturates, 0 / 0 is NaN -> minimum, subnormals are not flushed", function () {
      expect(values(q([floats([1, -1, 0]), scalarT(FLOAT, 0), scalarT(INT8, 0)]))).to.deep.equal([127, -128, -128]);
      const tiny = f32(1e-45);
      expect(values(q([floats([tiny, 3 * tiny, -2 * tiny]), scalarT(FLOAT, tiny), scalarT(INT8, 0)]))).to.deep.equal([1, 3, -2]);
    });
    it("defaults to uint8 without a zero point; per-axis and blocked parameters", function () {
      const y = q([floats([-1, 3]), scalarT(FLOAT, 1)]);
      expect(y.dtype).to.equal(UINT8);
      expect(values(y)).to.deep.equal([0, 3]);
      const x = fill(FLOAT, [2, 2], (i) => i * 2); // [[0,2],[4,6]]
      expect(values(q([x, floats([1, 2]), vectorT(UINT8, [0, 100])], { axis: int(0) }))).to.deep.equal([0, 2, 102, 103]);
      expect(values(q([x, floats([1, 2]), vectorT(UINT8, [0, 100])], { axis: int(-1) }))).to.deep.equal([0, 101, 4, 103]);
      const blocked = q([fill(FLOAT, [4], (i) => i * 4), fill(FLOAT, [2], () => 2), fill(UINT8, [2], (i) => i * 10)], { axis: int(0), block_size: int(2) });
      expect(values(blocked)).to.deep.equal([0, 2, 14, 16]);
    });
    it("refuses wrong inputs with one-line errors", function () {
      expect(() => q([vectorT(INT32, [1]), scalarT(FLOAT, 1)])).to.throw(OpError, /input x has element type int32, expected float32/);
      expect(() => q([floats([1, 2, 3]), floats([1, 2])], { axis: int(0) })).to.throw(OpError, /per-axis scale must have shape \[3\]/);
      expect(() => q([floats([1])])).to.throw(OpError, /expects 2 to 3 inputs/);
      expect(() => q([floats([1]), scalarT(FLOAT, 1), scalarT(INT32, 0)])).to.throw(OpError, /y_zero_point has element type int32/);
    });
  });

  describe("DequantizeLinear", function () {
    const dq = op("DequantizeLinear");
    it("f32 of the int32 difference before the multiply; the difference wraps", function () {
      const x = vectorT(INT32, [16777217, -2147483648, 2147483647]);
      expect(values(dq([x, scalarT(FLOAT, 1)]))).to.deep.equal([16777216, -2147483648, 2147483648]);
      // i32(-2^31 - 1) = 2^31 - 1, whose float32 is 2^31.
      expect(values(dq([vectorT(INT32, [-2147483648]), scalarT(FLOAT, 1), scalarT(INT32, 1)]))).to.deep.equal([2147483648]);
      // 16777217 * 3 rounded once (50331651 -> 50331652) vs f32(16777216 * 3) = 50331648.
      expect(values(dq([vectorT(INT32, [16777217]), scalarT(FLOAT, 3)]))).to.deep.equal([50331648]);
    });
    it("8-bit zero points at the ends, per-axis", function () {
      expect(values(dq([vectorT(UINT8, [0, 255]), scalarT(FLOAT, 0.5), scalarT(UINT8, 255)]))).to.deep.equal([-127.5, 0]);
      expect(values(dq([vectorT(INT8, [-128, 127]), scalarT(FLOAT, 0.25), scalarT(INT8, -128)]))).to.deep.equal([0, 63.75]);
      expect(values(dq([fill(INT8, [2, 2], (i) => i), floats([1, 10]), vectorT(INT8, [0, 1])], { axis: int(0) }))).to.deep.equal([0, 1, 10, 20]);
    });
    it("refuses a zero point of another type", function () {
      expect(() => dq([vectorT(UINT8, [1]), scalarT(FLOAT, 1), scalarT(INT8, 0)])).to.throw(OpError, /x is uint8 but x_zero_point is int8/);
    });
  });

  describe("QLinearConv", function () {
    const conv = op("QLinearConv");
    const x = fill(UINT8, [1, 1, 3, 3], (i) => i + 1);
    const w = vectorT(INT8, [1, 0, 0, 1]);
    const w4 = { ...w, shape: [1, 1, 2, 2] } as Tensor;
    const run = (bias: number, yzp: number) =>
      values(conv([x, scalarT(FLOAT, 0.5), scalarT(UINT8, 1), w4, scalarT(FLOAT, 1), scalarT(INT8, 0), scalarT(FLOAT, 2), scalarT(UINT8, yzp), vectorT(INT32, [bias])]));
    it("requantizes with M = f32(f32(xs*ws)/ys) and rounds ties to even", function () {
      // acc = bias + x[i,j] + x[i+1,j+1] - 2 = bias + [4, 6, 10, 12]; M = 0.25.
      expect(run(1, 10)).to.deep.equal([11, 12, 13, 13]); // 1.25, 1.75, 2.75, 3.25
      expect(run(2, 10)).to.deep.equal([12, 12, 13, 14]); // 1.5, 2, 3, 3.5: ties to even
      expect(run(-7, 0)).to.deep.equal([0, 0, 1, 1]); // -0.75 -> saturated at 0, -0.25 -> -0, 0.75, 1.25
      expect(run(2000, 200)).to.deep.equal([255, 255, 255, 255]);
    });
    it("rounds f32(acc) before the multiply once |acc| > 2^24", function () {
      // acc = 105371354: f32(acc) = 105371352, * M = 100.5 -> 100; f32(acc * M) would give 101.
      const m = 9.537696996630984e-7;
      expect(f32(m)).to.equal(m);
      const x1 = fill(UINT8, [1, 1, 1, 1], () => 5);
      const y = conv([x1, scalarT(FLOAT, 1), scalarT(UINT8, 5), fill(INT8, [1, 1, 1, 1], () => 3), scalarT(FLOAT, m), scalarT(INT8, 0), scalarT(FLOAT, 1), scalarT(INT8, 0), vectorT(INT32, [105371354])]);
      expect(values(y)).to.deep.equal([100]);
    });
    it("per-channel weight zero points and scales; depthwise groups", function () {
      const xd = fill(INT8, [1, 2, 1, 2], (i) => [1, 2, 3, 4][i]);
      const wd = fill(INT8, [2, 1, 1, 2], (i) => [1, 1, 5, 6][i]);
      const y = conv([xd, scalarT(FLOAT, 1), scalarT(INT8, 0), wd, floats([1, 2]), vectorT(INT8, [0, 5]), scalarT(FLOAT, 1), scalarT(INT8, 0)], { group: int(2) });
      // channel 0: 1*1 + 2*1 = 3 (M 1); channel 1: 3*0 + 4*1 = 4 (M 2) -> 8.
      expect(values(y)).to.deep.equal([3, 8]);
    });
    it("refuses bad shapes and scales", function () {
      const base = [x, scalarT(FLOAT, 1), scalarT(UINT8, 0), w4, scalarT(FLOAT, 1), scalarT(INT8, 0), scalarT(FLOAT, 1), scalarT(UINT8, 0)];
      expect(() => conv([...base.slice(0, 6), scalarT(FLOAT, 0), base[7]])).to.throw(OpError, /y_scale\[0\] = 0 is not a finite positive scale/);
      expect(() => conv([...base, vectorT(INT32, [1, 2])])).to.throw(OpError, /B int32\[2\] must have shape \[1\]/);
      expect(() => conv(base.slice(0, 7))).to.throw(OpError, /expects 8 to 9 inputs/);
      expect(() => conv(base, { group: int(2) })).to.throw(OpError, /group 2 does not divide/);
    });
  });

  it("QLinearMatMul: batched broadcast, saturation at the ends", function () {
    const mm = op("QLinearMatMul");
    const a = fill(UINT8, [2, 1, 2], (i) => [1, 2, 3, 4][i]);
    const b = fill(UINT8, [2, 1], (i) => [10, 20][i]);
    const y = mm([a, scalarT(FLOAT, 1), scalarT(UINT8, 0), b, scalarT(FLOAT, 1), scalarT(UINT8, 0), scalarT(FLOAT, 0.5), scalarT(UINT8, 0)]);
    expect(y.shape).to.deep.equal([2, 1, 1]);
    expect(values(y)).to.deep.equal([100, 220]); // 50 / 0.5, 110 / 0.5 -> 220
    const sat = mm([a, scalarT(FLOAT, 1), scalarT(UINT8, 0), b, scalarT(FLOAT, 1), scalarT(UINT8, 0), scalarT(FLOAT, 0.25), scalarT(UINT8, 0)]);
    expect(values(sat)).to.deep.equal([200, 255]);
  });

  describe("com.microsoft QGemm", function () {
    const g = op("QGemm", "com.microsoft");
    const a = fill(UINT8, [1, 2], () => 3);
    const b = fill(INT8, [2, 1], () => 1);
    const base = [a, scalarT(FLOAT, 0.5), scalarT(UINT8, 0), b, scalarT(FLOAT, 1), scalarT(INT8, 0)];
    it("y_zero_point present: quantized, S = f32(f32(f32(alpha*as)*bs)/ys)", function () {
      const y = g([...base, vectorT(INT32, [1]), scalarT(FLOAT, 0.25), scalarT(INT8, -3)], { alpha: { kind: "float", value: 2 } });
      expect(y.dtype).to.equal(INT8);
      expect(values(y)).to.deep.equal([25]); // acc 7, S = 4 -> 28 - 3
    });
    it("y_zero_point present without y_scale: the multiplier is not divided", function () {
      expect(values(g([...base, undefined, undefined, scalarT(INT8, 0)]))).to.deep.equal([3]); // 6 * 0.5
    });
    it("no y_zero_point: float output, divided by y_scale only when present", function () {
      const y = g([...base, vectorT(INT32, [1]), scalarT(FLOAT, 0.25)]);
      expect(y.dtype).to.equal(FLOAT);
      expect(values(y)).to.deep.equal([14]); // 7 * 0.5 / 0.25
      expect(values(g([...base, vectorT(INT32, [1])]))).to.deep.equal([3.5]);
    });
  });

  it("MaxPool: int8 padding behaves as -128, never 0", function () {
    const mp = op("MaxPool");
    const x = fill(INT8, [1, 1, 1, 3], () => -5);
    const y = mp([x], { kernel_shape: ints([1, 2]), pads: ints([0, 1, 0, 1]), strides: ints([1, 1]) });
    expect(values(y)).to.deep.equal([-5, -5, -5, -5]);
    const all = mp([x], { kernel_shape: ints([1, 2]), pads: ints([0, 0, 0, 3]), strides: ints([1, 3]) });
    expect(values(all)).to.deep.equal([-5, -128]);
    expect(() => mp([x], {})).to.throw(OpError, /kernel_shape is required/);
  });

  it("MatMulInteger and ConvInteger: exact int32 with zero points", function () {
    const mi = op("MatMulInteger");
    const a = fill(UINT8, [1, 2], () => 255);
    const b = fill(INT8, [2, 2], (i) => [-128, 127, -128, 127][i]);
    expect(values(mi([a, b, scalarT(UINT8, 0), vectorT(INT8, [0, -128])]))).to.deep.equal([-65280, 130050]);
    const ci = op("ConvInteger");
    const y = ci([fill(UINT8, [1, 1, 2, 2], () => 255), fill(UINT8, [1, 1, 2, 2], () => 0), scalarT(UINT8, 0), scalarT(UINT8, 255)]);
    expect(values(y)).to.deep.equal([-260100]);
  });

  it("Add, Sub, Mul on int32 wrap; broadcasting follows numpy", function () {
    const a = vectorT(INT32, [2147483647, -2147483648, 65536]);
    const one = scalarT(INT32, 1);
    expect(values(op("Add")([a, one]))).to.deep.equal([-2147483648, -2147483647, 65537]);
    expect(values(op("Sub")([a, one]))).to.deep.equal([2147483646, 2147483647, 65535]);
    expect(values(op("Mul")([a, vectorT(INT32, [2, 2, 65536])]))).to.deep.equal([-2, 0, 0]);
    // 46341^2 = 2147488281 wraps; 123456789 * 987654321 needs Math.imul (the double product is inexact).
    expect(values(op("Mul")([vectorT(INT32, [46341, 123456789]), vectorT(INT32, [46341, 987654321])]))).to.deep.equal([-2147479015, -67153019]);
    const col = fill(INT32, [2, 1], (i) => i * 10);
    const row = fill(INT32, [3], (i) => i);
    const s = op("Add")([col, row]);
    expect(s.shape).to.deep.equal([2, 3]);
    expect(values(s)).to.deep.equal([0, 1, 2, 10, 11, 12]);
    expect(() => op("Add")([fill(INT32, [2], () => 0), fill(INT32, [3], () => 0)])).to.throw(OpError, /do not broadcast/);
    expect(() => op("Add")([one, scalarT(INT8, 1)])).to.throw(OpError, /A is int32 but B is int8/);
  });

  it("Relu, Clip, Cast", function () {
    expect(values(op("Relu")([vectorT(INT8, [-128, -1, 0, 127])]))).to.deep.equal([0, 0, 0, 127]);
    const clip = op("Clip");
    expect(values(clip([vectorT(INT8, [-128, 0, 127]), scalarT(INT8, -5), scalarT(INT8, 5)]))).to.deep.equal([-5, 0, 5]);
    expect(values(clip([vectorT(INT8, [-128, 0, 127]), undefined, scalarT(INT8, 5)]))).to.deep.equal([-128, 0, 5]);
    expect(values(clip([vectorT(INT32, [1, 9]), scalarT(INT32, 7), scalarT(INT32, 3)]))).to.deep.equal([3, 3]); // lo > hi -> hi
    expect(() => clip([vectorT(INT8, [1])], { min: { kind: "float", value: 0 } })).to.throw(OpError, /float input only/);
    const cast = op("Cast");
    expect(values(cast([vectorT(INT32, [300, -1, -129])], { to: int(INT8) }))).to.deep.equal([44, -1, 127]);
    expect(values(cast([vectorT(INT32, [-1])], { to: int(DType.UINT32) }))).to.deep.equal([4294967295]);
    expect(values(cast([vectorT(INT8, [-1])], { to: int(DType.UINT64) }))).to.deep.equal([18446744073709551615n]);
    expect(() => cast([vectorT(INT8, [1])], { to: int(FLOAT) })).to.throw(OpError, /outside the profile/);
  });

  it("layout operators", function () {
    const x = fill(INT32, [2, 3, 4], (i) => i);
    expect(op("Reshape")([x, i64([0, -1])]).shape).to.deep.equal([2, 12]);
    expect(op("Reshape")([fill(INT32, [0, 3], () => 0), i64([3, 0])], { allowzero: int(1) }).shape).to.deep.equal([3, 0]);
    expect(() => op("Reshape")([x, i64([-1, -1])])).to.throw(OpError, /more than one -1/);
    expect(op("Flatten")([x], { axis: int(-1) }).shape).to.deep.equal([6, 4]);
    expect(op("Squeeze")([fill(INT8, [1, 2, 1], () => 0)]).shape).to.deep.equal([2]);
    expect(op("Squeeze")([fill(INT8, [1, 2, 1], () => 0), i64([-1])]).shape).to.deep.equal([1, 2]);
    expect(() => op("Squeeze")([fill(INT8, [1, 2, 1], () => 0), i64([1])])).to.throw(OpError, /cannot squeeze axis 1 of size 2/);
    expect(op("Unsqueeze")([x], { axes: ints([0, -1]) }).shape).to.deep.equal([1, 2, 3, 4, 1]);
    const t = op("Transpose")([fill(INT32, [2, 3], (i) => i)]);
    expect(t.shape).to.deep.equal([3, 2]);
    expect(values(t)).to.deep.equal([0, 3, 1, 4, 2, 5]);
    const c = op("Concat")([fill(INT8, [1, 2], () => 1), fill(INT8, [2, 2], () => 2)], { axis: int(0) });
    expect(values(c)).to.deep.equal([1, 1, 2, 2, 2, 2]);
    const g = op("Gather")([fill(INT32, [2, 3], (i) => i), vectorT(INT32, [-1, 0])], { axis: int(1) });
    expect(values(g)).to.deep.equal([2, 0, 5, 3]);
    expect(() => op("Gather")([x, vectorT(INT32, [2])])).to.throw(OpError, /index 2 \(at 0\) out of range for axis 0 of size 2/);
  });

  it("ArgMax: ties go to the first index unless select_last_index", function () {
    const am = op("ArgMax");
    const x = fill(INT8, [2, 3], (i) => [5, 7, 7, -1, -1, -2][i]);
    expect(values(am([x], { axis: int(1) }))).to.deep.equal([1n, 0n]);
    expect(values(am([x], { axis: int(1), select_last_index: int(1) }))).to.deep.equal([2n, 1n]);
    expect(am([x], { axis: int(-1), keepdims: int(0) }).shape).to.deep.equal([2]);
  });
});
