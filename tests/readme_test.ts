// The README runs as written: its scene JSON loads and renders, its TypeScript examples run in
// a project outside the checkout with the permissions it gives (blocks marked
// `<!-- fragment -->` are excerpts and are only checked to be marked), and every path of the
// repository it names exists in a fresh clone.

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { decodeImage, ROOT, runCli } from "./fixtures/cli/helpers.ts";
import {
  codeBlocks,
  markedCommand,
  README,
  runDeno,
  withOutsideDir,
} from "./fixtures/readme.ts";

Deno.test("the README's scene JSON renders from a folder outside the clone, beside the files it names", async () => {
  const scenes = codeBlocks().filter((block) => block.language === "json");
  assert.ok(scenes.length > 0, "no json block in the README");
  for (const [i, { code, line }] of scenes.entries()) {
    await withOutsideDir(async (dir) => {
      await Deno.writeTextFile(join(dir, "scene.json"), code);
      // Each file the scene names is one the README says to copy from the clone.
      for (const [, path] of code.matchAll(/"path": "([^"]+)"/g)) {
        const from = new RegExp(
          `examples/[\\w/]+/${path.replaceAll(".", "\\.")}(?![\\w.])`,
        ).exec(README)?.[0];
        assert.ok(from !== undefined, `README.md:${line}: where is ${path}?`);
        await Deno.copyFile(join(ROOT, from), join(dir, path));
      }
      const output = join(ROOT, "out", `readme_scene_${i}.png`);
      const result = await runCli(
        ["scene.json", "-o", output, "--width", "32", "--height", "24"],
        { cwd: dir },
      );
      assert.equal(result.code, 0, `README.md:${line}: ${result.stderr}`);
      const image = await decodeImage(output);
      assert.deepEqual([image.width, image.height], [32, 24]);
      await Deno.remove(output);
    });
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

Deno.test("examples/build_scene.ts, run as the README says, writes out/grid.png and leaves the clone clean", async () => {
  const command = markedCommand("run: build_scene");
  assert.equal(command.at(-1), "examples/build_scene.ts");
  const grid = join(ROOT, "out/grid.png");
  await Deno.remove(grid).catch(() => {});
  const run = await runDeno(command, ROOT);
  assert.equal(run.code, 0, run.stderr);
  assert.ok((await Deno.stat(grid)).size > 0);
  await assert.rejects(Deno.stat(join(ROOT, "grid.png")), Deno.errors.NotFound);
});

Deno.test("the README's exports table names everything mod.ts exports, and nothing else", async () => {
  const source = await Deno.readTextFile(join(ROOT, "mod.ts"));
  const exported = new Set<string>();
  for (const [, names] of source.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    for (const name of names.split(",")) {
      const bare = name.trim().replace(/^type\s+/, "");
      if (bare !== "") exported.add(bare);
    }
  }
  assert.ok(
    exported.has("mesh") && exported.has("Renderer"),
    [...exported].join(),
  );
  // The table: from its header to the first line that is not a row.
  const lines = README.split("\n");
  const header = lines.findIndex((line) =>
    /^\| export +\| what it does/.test(line)
  );
  assert.ok(header >= 0, "no exports table");
  const rows = [];
  for (let i = header + 2; lines[i]?.startsWith("|"); i++) rows.push(lines[i]);
  const listed = new Set<string>();
  for (const row of rows) {
    const cell = row.split("|")[1];
    for (const [, code] of cell.matchAll(/`([^`]+)`/g)) {
      const name = /^(?:new )?(\w+)/.exec(code)?.[1];
      if (name !== undefined) listed.add(name);
    }
  }
  assert.deepEqual(
    [...exported].filter((name) => !listed.has(name)),
    [],
    "exported but not in the table",
  );
  assert.deepEqual(
    [...listed].filter((name) => !exported.has(name)),
    [],
    "in the table but not exported",
  );
});
