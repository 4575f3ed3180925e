/**
 * ONNX backend node tests (../shared/conformance/onnx-node and onnx-node-extra) through the
 * reference interpreter, for every test whose operators are all in the registry. Outputs must
 * match bit for bit. Tests with float8 / bfloat16 / 4-bit / 2-bit types are skipped by type; tests
 * outside the profile for another reason (float casts, float16 scales, MaxPool's Indices output)
 * must be refused with an error, never answered.
 */
import { expect } from "chai";
import { join } from "node:path";
import { SUPPORTED_OPERATORS } from "../../offchain/engine/ops/index.js";
import { mismatches } from "./support/compare.js";
import { type IndexRow, loadCase, readIndex, runModel } from "./support/conformance.js";
import { requireShared } from "./support/shared.js";

const OUT_OF_SCOPE_TYPES = /^(BFLOAT16|FLOAT8.*|FLOAT4E2M1|INT4|UINT4|INT2|UINT2)$/;
const FLOAT_TYPES = /^(FLOAT|DOUBLE|FLOAT16)$/;
const SUPPORTED = new Set(SUPPORTED_OPERATORS.map((o) => o.opType));

/** Why a test must be refused by the interpreter, or undefined when it must pass. */
function refusalReason(row: IndexRow): string | undefined {
  const types = [...row.inputTypes, ...row.outputTypes];
  if (row.ops.includes("Cast") && types.some((t) => FLOAT_TYPES.test(t))) return "Cast is integer -> integer only";
  if (row.ops.includes("QLinearMatMul") && types.includes("FLOAT16")) return "float16 scales are outside the profile";
  if (row.ops.includes("MaxPool") && row.outputTypes.length > 1) return "MaxPool's Indices output is outside the profile";
  return undefined;
}

for (const suite of ["onnx-node", "onnx-node-extra"]) {
  describe(`conformance: ${suite}`, function () {
    let dir = "";
    let rows: IndexRow[] = [];
    const counts = { passed: 0, refused: 0, skippedByType: 0 };

    before(function () {
      dir = requireShared(this, join("conformance", suite));
      rows = readIndex(dir).filter((r) => r.ops.every((op) => SUPPORTED.has(op)));
    });

    it("reproduces every applicable test bit for bit and refuses the out-of-profile ones", function () {
      const failures: string[] = [];
      for (const row of rows) {
        if ([...row.inputTypes, ...row.outputTypes].some((t) => OUT_OF_SCOPE_TYPES.test(t))) {
          counts.skippedByType++;
          continue;
        }
        const reason = refusalReason(row);
        let outcome: string;
        try {
          const c = loadCase(join(dir, row.test));
          const outs = runModel(c.model, c.inputs);
          if (outs.length !== c.outputs.length) throw new Error(`${outs.length} outputs, expected ${c.outputs.length}`);
          const bad = c.outputs.map((e, i) => mismatches(outs[i], e)).filter((m) => m.count !== 0);
          outcome = bad.length === 0 ? "pass" : `mismatch (${bad[0].count} elements; ${bad[0].first})`;
        } catch (e) {
          outcome = `error: ${(e as Error).message}`;
        }
        if (reason === undefined) {
          if (outcome === "pass") counts.passed++;
          else failures.push(`${row.test}: ${outcome}`);
        } else if (outcome.startsWith("error:")) {
          counts.refused++;
        } else {
          failures.push(`${row.test}: expected a refusal (${reason}), got ${outcome}`);
        }
      }
      console.log(`      ${suite}: ${counts.passed} passed bit-exact, ${counts.refused} refused (outside the profile), ${counts.skippedByType} skipped by type`);
      expect(failures, failures.join("\n")).to.deep.equal([]);
      expect(counts.passed).to.be.greaterThan(0);
    });
  });
}
