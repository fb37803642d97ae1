// Operating-system errors name the file and what was being done with it: never a bare
// "No space left on device (os error 28)".

import assert from "node:assert/strict";
import { join } from "node:path";
import { listDir as entries, withTempDir } from "./fixtures/cli/helpers.ts";
import { writeAtomically, writeFileAtomic } from "../src/cli/atomic_write.ts";
import { fileError, reason } from "../src/_errors.ts";

Deno.test("fileError() restates a full-disk error with the file and the action", () => {
  // What Deno 2.9.6 throws when a write fails with ENOSPC (seen writing to /dev/full, which
  // the tests' permissions cannot open): a plain Error.
  const enospc = new Error("No space left on device (os error 28)");
  const wrapped = fileError("write", "out/huge.png", enospc);
  assert.equal(
    wrapped.message,
    "cannot write out/huge.png: No space left on device",
  );
  assert.equal(wrapped.constructor, Error);
  assert.equal(wrapped.cause, enospc);
});

Deno.test("fileError() keeps the class of Deno's errors and drops their path trailer", () => {
  const notFound = new Deno.errors.NotFound(
    "No such file or directory (os error 2): open '/a/.b.png.0123456789ab.tmp'",
  );
  const wrapped = fileError("write", "/a/b.png", notFound);
  assert.ok(wrapped instanceof Deno.errors.NotFound);
  assert.equal(wrapped.name, "NotFound");
  assert.equal(
    wrapped.message,
    "cannot write /a/b.png: No such file or directory",
  );
  // Reasons that are no Error, or whose message throws, still make one line.
  assert.equal(reason("plain"), "plain");
  assert.equal(reason(Symbol("x")), "Symbol(x)");
  const hostile = {
    toString() {
      throw new Error("no");
    },
  };
  assert.equal(reason(hostile), "unknown error");
});

Deno.test("writeFileAtomic() names the target when the folder is missing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "missing", "a.png");
    await assert.rejects(writeFileAtomic(path, new Uint8Array(4)), {
      name: "NotFound",
      message: `cannot write ${path}: No such file or directory`,
    });
  });
});

Deno.test("writeFileAtomic() names the target when the rename fails", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "taken.png");
    await Deno.mkdir(path);
    await Deno.writeTextFile(join(path, "inside"), "x");
    await assert.rejects(writeFileAtomic(path, new Uint8Array(4)), (error) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, new RegExp(`^cannot write ${path}: \\w`));
      assert.doesNotMatch(error.message, /os error|\.tmp/);
      return true;
    });
    assert.deepEqual(await entries(dir), ["taken.png"]);
  });
});

Deno.test("writeAtomically() leaves errors of the producer alone", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "a.png");
    const failure = new RangeError("the renderer's own error");
    await assert.rejects(
      writeAtomically(path, () => Promise.reject(failure)),
      (error) => error === failure,
    );
    assert.deepEqual(await entries(dir), []);
  });
});
