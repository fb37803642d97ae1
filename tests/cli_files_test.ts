import assert from "node:assert/strict";
import { join } from "node:path";
import { listDir as entries, withTempDir } from "./fixtures/cli/helpers.ts";
import { temporaryPathFor, writeFileAtomic } from "../src/cli/atomic_write.ts";
import { InputError } from "../src/_errors.ts";
import {
  checkOutputPath,
  defaultOutputPath,
  imageFormatOf,
} from "../src/cli/output.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("temporary paths are hidden, beside the target, and differ each time", () => {
  const a = temporaryPathFor(join("some", "dir", "img.png"));
  const b = temporaryPathFor(join("some", "dir", "img.png"));
  assert.match(a, /^some\/dir\/\.img\.png\.[0-9a-f]{12}\.tmp$/);
  assert.notEqual(a, b);
});

Deno.test("writeFileAtomic writes a new file and replaces an old one, leaving nothing else", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "image.png");
    await writeFileAtomic(path, bytes("first"));
    assert.equal(await Deno.readTextFile(path), "first");
    await writeFileAtomic(path, bytes("second, longer"));
    assert.equal(await Deno.readTextFile(path), "second, longer");
    await writeFileAtomic(path, new Uint8Array(0));
    assert.equal((await Deno.readFile(path)).length, 0);
    assert.deepEqual(await entries(dir), ["image.png"]);
  });
});

Deno.test("an aborted writeFileAtomic leaves the old file and no temporary file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "image.png");
    await Deno.writeTextFile(path, "old");
    const reason = new DOMException("stop", "AbortError");
    await assert.rejects(
      writeFileAtomic(path, bytes("new"), {
        signal: AbortSignal.abort(reason),
      }),
      (error) => error === reason,
    );
    // Aborted while writing: the signal fires between the open and the rename.
    const controller = new AbortController();
    const writing = writeFileAtomic(path, new Uint8Array(8 << 20), {
      signal: controller.signal,
    });
    controller.abort(reason);
    await assert.rejects(writing, (error) => error === reason);
    assert.equal(await Deno.readTextFile(path), "old");
    assert.deepEqual(await entries(dir), ["image.png"]);
  });
});

Deno.test("a failed rename removes the temporary file", async () => {
  await withTempDir(async (dir) => {
    // Renaming a file over a non-empty folder fails.
    const path = join(dir, "taken.png");
    await Deno.mkdir(path);
    await Deno.writeTextFile(join(path, "inside"), "x");
    await assert.rejects(writeFileAtomic(path, bytes("new")));
    assert.deepEqual(await entries(dir), ["taken.png"]);
    assert.deepEqual(await entries(path), ["inside"]);
  });
});

Deno.test("output formats come from the extension", () => {
  assert.equal(imageFormatOf("a.png"), "png");
  assert.equal(imageFormatOf("a.JPG"), "jpeg");
  assert.equal(imageFormatOf("dir.v2/a.jpeg"), "jpeg");
  assert.equal(imageFormatOf("a.Exr"), "exr");
  assert.equal(imageFormatOf("a.hdr"), "hdr");
  for (const bad of ["a.gif", "a", "a.png.txt", "dir.png/a"]) {
    assert.throws(() => imageFormatOf(bad), InputError, bad);
  }
  assert.throws(
    () => imageFormatOf("a.webp"),
    /a\.webp: unsupported output type \.webp; use \.png, \.jpg, \.jpeg, \.exr or \.hdr/,
  );
});

Deno.test("the default output is the scene's name as a PNG, in the current folder", () => {
  assert.equal(defaultOutputPath("examples/showcase.json"), "showcase.png");
  assert.equal(defaultOutputPath("/abs/path/my.scene.json"), "my.scene.png");
  assert.equal(defaultOutputPath("noext"), "noext.png");
  assert.equal(defaultOutputPath(".hidden"), ".hidden.png");
});

Deno.test("checkOutputPath refuses missing folders, folders and the scene itself", async () => {
  await withTempDir(async (dir) => {
    const scene = join(dir, "scene.png");
    await Deno.writeTextFile(scene, "{}");
    await checkOutputPath(join(dir, "new.png"), scene);
    await Deno.writeTextFile(join(dir, "old.png"), "x");
    await checkOutputPath(join(dir, "old.png"), scene);

    const refuses = async (output: string, message: RegExp) => {
      await assert.rejects(checkOutputPath(output, scene), (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, message);
        return true;
      });
    };
    await refuses(
      join(dir, "missing", "a.png"),
      /folder .*missing does not exist/,
    );
    await refuses(join(dir, "old.png", "a.png"), /is not a folder/);
    await Deno.mkdir(join(dir, "folder.png"));
    await refuses(join(dir, "folder.png"), /is a folder/);
    await refuses(scene, /is the scene file/);
    await refuses(
      join(dir, ".", "..", dir.split("/").at(-1)!, "scene.png"),
      /is the scene file/,
    );
    await Deno.link(scene, join(dir, "hardlink.png"));
    await refuses(join(dir, "hardlink.png"), /is the scene file/);
  });
});
