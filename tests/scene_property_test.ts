// The property behind issue 10: whatever scene a file or a caller hands over, raypool ends
// with an image or a clean, path-naming error — never a trap, an error from inside the core, a
// message without a path, or a hang. A few thousand seeded cases here; `deno task fuzz` runs
// the long version (see testing/scene_fuzz.ts).

import assert from "node:assert/strict";
import { Renderer } from "../mod.ts";
import { cleanError, fuzz, generateCase } from "../testing/scene_fuzz.ts";

const SEED = 20261201;
const CASES = 4000;

Deno.test("the fuzzer's clean-error test accepts path-naming refusals only", () => {
  assert.equal(
    cleanError(new RangeError("elements[2].Sphere.radius must be …")),
    undefined,
  );
  assert.equal(
    cleanError(new TypeError("the scene must be an object, got null")),
    undefined,
  );
  assert.equal(
    cleanError(new SyntaxError("invalid JSON at line 1, column 2: x")),
    undefined,
  );
  assert.equal(
    cleanError(
      new Deno.errors.NotFound(
        'elements[0].Sphere.material.coloration.Texture.path: texture "a.png" not found',
      ),
    ),
    undefined,
  );
  assert.match(
    cleanError(new Error("SceneBuilder: bad")) ?? "",
    /is not TypeError/,
  );
  assert.match(
    cleanError(
      new TypeError("Cannot read properties of null (reading 'map')"),
    ) ?? "",
    /JSON path/,
  );
  assert.match(
    cleanError(new RangeError("width must be\nsomething")) ?? "",
    /one line/,
  );
  assert.match(cleanError(Symbol("x")) ?? "", /non-Error/);
});

Deno.test("the generator is deterministic and mixes valid, mutated, text and object cases", () => {
  assert.deepEqual(generateCase(SEED, 17), generateCase(SEED, 17));
  assert.notDeepEqual(generateCase(SEED, 17), generateCase(SEED + 1, 17));
  const sample = Array.from({ length: 400 }, (_, i) => generateCase(SEED, i));
  const valid = sample.filter((c) => !c.mutated).length;
  const objects = sample.filter((c) => c.input.kind === "object").length;
  const infinite =
    sample.filter((c) =>
      c.input.kind === "text" && /1e309|1E400|NaN/.test(c.input.text)
    ).length;
  assert.ok(valid > 20 && valid < 150, `valid ${valid}`);
  assert.ok(objects > 20, `objects ${objects}`);
  assert.ok(infinite > 5, `1e309 / NaN ${infinite}`);
});

Deno.test(`${CASES} generated scenes each end as an image or a clean, path-naming error`, async () => {
  const renderer = new Renderer({ workers: 1 });
  try {
    // A valid scene may render for ever (refraction at depth 999); such a case is aborted
    // and must then settle at once. 5 s keeps the test under a minute even then.
    const report = await fuzz({
      seed: SEED,
      cases: CASES,
      renderer,
      timeoutMs: 5_000,
    });
    assert.deepEqual(
      report.failures,
      [],
      `seed ${SEED}: ${report.failure} failures of ${report.cases}`,
    );
    assert.equal(report.image + report.clean + report.aborted, CASES);
    // Both outcomes are exercised in earnest.
    assert.ok(report.image > CASES / 10, `images ${report.image}`);
    assert.ok(report.clean > CASES / 3, `clean errors ${report.clean}`);
  } finally {
    await renderer.close();
  }
});
