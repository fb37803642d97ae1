// The farm protocol against what a rogue peer may send (issue 19), with the seeded generator
// `deno task fuzz --kind farm` runs (testing/farm_fuzz.ts): mutated and random job and result
// messages through the decoders and the node's plan check, and rogue pieces mixed into an
// honest render's through the submitter's assembler. Decoding either succeeds with a message
// that keeps every invariant or throws a TypeError; a job the decoder passes is planned or
// refused with an option error; whatever pieces arrive, the assembled image is exact or the
// render stops (a faulty node). The live rounds on a nats-server run in the long fuzz only.

import assert from "node:assert/strict";
import {
  jobCase,
  resultCase,
  runAssemblyRound,
  runJobCase,
  runResultCase,
} from "../testing/farm_fuzz.ts";

const SEED = 0x5eed;
const CASES = 20_000;

Deno.test("farm protocol fuzz: mutated and random jobs decode to checked jobs or a TypeError", () => {
  const counts = { decoded: 0, refused: 0 };
  for (let i = 0; i < CASES; i++) counts[runJobCase(jobCase(SEED, i))]++;
  assert.ok(
    counts.decoded > 100 && counts.refused > 100,
    JSON.stringify(counts),
  );
});

Deno.test("farm protocol fuzz: mutated and random results decode to checked results or a TypeError", () => {
  const counts = { decoded: 0, refused: 0 };
  for (let i = 0; i < CASES; i++) {
    counts[runResultCase(resultCase(SEED, i))]++;
  }
  assert.ok(
    counts.decoded > 100 && counts.refused > 100,
    JSON.stringify(counts),
  );
});

Deno.test("farm protocol fuzz: whatever pieces a rogue mixes in, the image is exact or the render stops", async () => {
  const outcomes = { exact: 0, stopped: 0 };
  for (let round = 0; round < 200; round++) {
    outcomes[await runAssemblyRound(SEED, round)]++;
  }
  // Both ends were reached: rogue pieces all refused, and rogue pieces that stopped it.
  assert.ok(
    outcomes.exact > 20 && outcomes.stopped > 20,
    JSON.stringify(outcomes),
  );
});
