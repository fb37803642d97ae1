// The fault tests crash workers on purpose (tests/fixtures/workers/*): Deno prints every
// uncaught error in a worker, `error: Uncaught (in worker …)` with a stack trace, and a
// TS2307 for the worker module that does not exist, even though the pool handles them. Run
// as they are in `deno task test`, a passing run would look broken, so `deno task test`
// ignores those files and this test runs them in a subprocess: they must pass, and what they
// print must be exactly the deliberate crashes (which also shows that they happened).

import assert from "node:assert/strict";
import { ROOT } from "./fixtures/cli/helpers.ts";

/** The test files whose workers crash on purpose; `deno task test` ignores them (--ignore). */
const FAULT_TESTS = [
  "tests/render_faults_test.ts",
  "tests/pool_schedule_test.ts",
];

/** What a deliberate crash prints: the fixtures' injected errors, or the missing module. */
const DELIBERATE =
  /^error: Uncaught \(in worker "raypool worker #\d+"\) (?:Error: injected (?:crash|failure) in raypool worker #\d+|Type checking failed\.)$/;

Deno.test("the fault tests pass, and print only their deliberate crashes (captured here)", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const testTask: string = denoJson.tasks.test.command;
  const ignored = /--ignore=(\S+)/.exec(testTask)?.[1].split(",") ?? [];
  for (const file of FAULT_TESTS) {
    assert.ok(
      ignored.includes(file),
      `deno task test must --ignore ${file}, which this test runs`,
    );
  }
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "--allow-read",
      "--allow-write=out",
      "--allow-ffi=./node_modules/.deno/imagescript@1.3.1",
      "--allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG",
      ...FAULT_TESTS,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const out = decoder.decode(stdout);
  const err = decoder.decode(stderr);
  const report = `stdout:\n${out}\nstderr:\n${err}`;
  assert.equal(code, 0, report);
  assert.match(out, /^ok \| \d+ passed \| 0 failed/m, report);

  const uncaught = err.split("\n").filter((line) => line.includes("Uncaught"));
  const unexpected = uncaught.filter((line) => !DELIBERATE.test(line));
  assert.deepEqual(unexpected, [], report);
  // Each kind of fault happened: a crash once, a failure on every try, a module that is missing.
  for (
    const kind of ["injected crash", "injected failure", "Type checking failed"]
  ) {
    assert.ok(
      uncaught.some((line) => line.includes(kind)),
      `no "${kind}":\n${report}`,
    );
  }
});
