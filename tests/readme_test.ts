// The README runs as written: its scene JSON loads and renders, its TypeScript examples run in
// a project outside the checkout with the permissions it gives (blocks marked
// `<!-- fragment -->` are excerpts and are only checked to be marked), and every path of the
// repository it names exists in a fresh clone.

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { prepareScene, render, validateScene } from "../mod.ts";
import { ROOT } from "./fixtures/cli/helpers.ts";
import {
  codeBlocks,
  markedCommand,
  README,
  runDeno,
  withOutsideDir,
} from "./fixtures/readme.ts";

Deno.test("the README's scene JSON is valid and renders, its textures found from the clone", async () => {
  const scenes = codeBlocks().filter((block) => block.language === "json");
  assert.ok(scenes.length > 0, "no json block in the README");
  for (const { code, line } of scenes) {
    const description = validateScene(JSON.parse(code));
    const scene = await prepareScene(description, { baseDir: ROOT });
    const image = await render(scene, { width: 32, height: 24, workers: 1 });
    assert.equal(image.data.length, 32 * 24 * 4, `README.md:${line}`);
  }
});

Deno.test("the README's TypeScript examples run as written in a project beside the clone", async () => {
  const examples = codeBlocks().filter((block) =>
    block.language === "ts" && block.marker !== "fragment"
  );
  assert.ok(examples.length >= 2, "the README's examples are gone");
  const command = markedCommand("run: no deno.json");
  assert.equal(command.at(-1), "main.ts");
  for (const { code, line } of examples) {
    await withOutsideDir(async (dir) => {
      // The README places the clone at ../raypool beside the project; it is elsewhere here.
      const clone = relative(dir, ROOT).replaceAll("\\", "/");
      await Deno.writeTextFile(
        join(dir, "main.ts"),
        code.replaceAll('"../raypool/', `"${clone}/`),
      );
      // The texture the README tells the user to copy beside the script.
      await Deno.copyFile(
        join(ROOT, "examples/textures/tiles.png"),
        join(dir, "tiles.png"),
      );
      const run = await runDeno(command, dir);
      assert.equal(run.code, 0, `README.md:${line}: ${run.stderr}`);
    });
  }
});

Deno.test("every repository path the README names exists in a fresh clone", async () => {
  const folders = "examples|tests|docs|src|bench|scripts|lib|rust";
  const named = new Set<string>();
  // Links, and paths under the repository's folders anywhere (prose, commands, scenes).
  for (const [, target] of README.matchAll(/\]\((?!https?:|#)([^)\s]+)\)/g)) {
    named.add(target);
  }
  for (
    const [path] of README.matchAll(
      new RegExp(`(?<![\\w./~-])(?:${folders})/[\\w./-]*[\\w/]`, "g"),
    )
  ) {
    named.add(path);
  }
  // Scene files given to commands, by a path into the clone (a bare scene.json is the user's).
  for (const block of codeBlocks()) {
    if (block.language !== "sh") continue;
    for (
      const [, scene] of block.code.matchAll(
        /(?:render|raypool) ([^\s<]+\/\S+)/g,
      )
    ) {
      named.add(scene);
    }
  }
  for (const file of ["mod.ts", "cli.ts", "worker.ts", "deno.json"]) {
    if (README.includes(`\`${file}\``)) named.add(file);
  }
  assert.ok(
    named.has("tests/fixtures/original/test.json"),
    [...named].join(" "),
  );
  assert.ok(named.has("examples/showcase.json"), [...named].join(" "));
  const missing = [];
  for (const path of named) {
    try {
      await Deno.stat(join(ROOT, path));
    } catch {
      missing.push(path);
    }
  }
  assert.deepEqual(missing, [], "README paths a fresh clone does not have");
});
