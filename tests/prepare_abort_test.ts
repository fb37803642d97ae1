// Abort and Ctrl-C while a scene of 10,000 mesh references is loaded and prepared (issue 19
// item 7: an abort due at 100 ms used to fire at 12.4 s, SIGINT to exit 9–12 s after the
// signal). Parsing, validating, placing, identifying, packing and building the BVH each give
// the event loop a turn, so an abort acts between them. The bounds are generous (measured from
// the abort, 1.5 s) so that the suite passes with both cores busy.
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadScene, Renderer } from "../mod.ts";
import { ROOT, spawnCli, withTempDir } from "./fixtures/cli/helpers.ts";

const REFERENCES = 10_000;

/** A scene placing the teapot `REFERENCES` times in a grid, written to `dir/scene.json`. */
async function writeTeapots(dir: string): Promise<string> {
  await Deno.copyFile(
    join(ROOT, "examples/models/teapot.obj"),
    join(dir, "teapot.obj"),
  );
  const elements = [];
  for (let i = 0; i < REFERENCES; i++) {
    elements.push({
      Mesh: {
        path: "teapot.obj",
        smooth: true,
        material: {
          coloration: { Color: { red: 1, green: 1, blue: 1 } },
          albedo: 0.5,
          surface: "Diffuse",
        },
        transform: {
          scale: 0.02,
          translate: {
            x: (i % 100) * 0.1 - 5,
            y: Math.floor(i / 100) * 0.1 - 5,
            z: -8,
          },
        },
      },
    });
  }
  const path = join(dir, "scene.json");
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      width: 64,
      height: 64,
      fov: 90,
      elements,
      lights: [{
        Directional: {
          direction: { x: 0, y: -1, z: -1 },
          color: { red: 1, green: 1, blue: 1 },
          intensity: 1,
        },
      }],
      shadow_bias: 1e-3,
      max_recursion_depth: 4,
    }),
  );
  return path;
}

Deno.test("an abort due at 100 ms while 10,000 teapots load and render settles with an AbortError soon after", async () => {
  await withTempDir(async (dir) => {
    const path = await writeTeapots(dir);
    const controller = new AbortController();
    // Measured from when the abort was due, so a timer held up by synchronous work counts.
    const dueAt = performance.now() + 100;
    let aborted = false;
    const timer = setTimeout(() => {
      aborted = true;
      controller.abort("enough");
    }, 100);
    const renderer = new Renderer({ workers: 1 });
    try {
      const { signal } = controller;
      const work = (async () => {
        const scene = await loadScene(path, { signal });
        // A big image, so that on a machine fast enough to prepare the scene within 100 ms
        // the abort still comes before the end (then while rendering).
        return await renderer.render(scene, {
          signal,
          width: 4000,
          height: 3000,
        });
      })();
      await assert.rejects(work, (error: Error) => {
        assert.equal(error.name, "AbortError");
        assert.match(error.message, /was aborted: enough$/);
        return true;
      });
      assert.ok(aborted, "settled before the abort");
      const lateMs = performance.now() - dueAt;
      console.log(`settled ${lateMs.toFixed(0)} ms after the abort`);
      assert.ok(
        lateMs < 1500,
        `settled ${lateMs.toFixed(0)} ms after the abort`,
      );
    } finally {
      clearTimeout(timer);
      await renderer.close();
    }
  });
});

Deno.test({
  name:
    "Ctrl-C while the CLI prepares 10,000 teapots exits 130 within 1.5 s of the signal",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    await withTempDir(async (dir) => {
      const path = await writeTeapots(dir);
      const permissions = [
        "--allow-read",
        `--allow-write=${dir}`,
        `--allow-ffi=${ROOT}node_modules/.deno/imagescript@1.3.1`,
        "--allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG",
      ];
      // The signal must come after the CLI has its handlers (before them it ends the process
      // as the signal's default does: too early) and before preparing ends (the progress line
      // "Rendering …" is written once the scene is prepared: too late). Search for that
      // window, however fast or busy the machine is.
      let delay = 400;
      let output = "";
      for (let attempt = 1;; attempt++) {
        assert.ok(attempt <= 16, "never signalled while preparing");
        // Each attempt its own output: one signalled too late writes its image.
        output = join(dir, `out${attempt}.png`);
        const args = [path, "-o", output, "--workers", "1"];
        const cli = spawnCli(args, { permissions });
        await new Promise((resolve) => setTimeout(resolve, delay));
        let stopped;
        try {
          stopped = await cli.stop("SIGINT");
        } catch {
          // It had exited already: far too late.
          delay /= 2;
          continue;
        }
        if (stopped.signal === "SIGINT") {
          delay *= 1.5;
          continue;
        }
        if (stopped.stderr.includes("Rendering ") || stopped.code === 0) {
          delay *= 0.7;
          continue;
        }
        assert.equal(stopped.code, 130, stopped.stderr);
        assert.equal(
          stopped.stderr.trimEnd().split("\n").at(-1),
          "raypool: interrupted",
        );
        console.log(
          `exit ${stopped.exitMs.toFixed(0)} ms after SIGINT (signalled ${
            delay.toFixed(0)
          } ms after the start, attempt ${attempt})`,
        );
        assert.ok(
          stopped.exitMs < 1500,
          `exited ${stopped.exitMs.toFixed(0)} ms after the signal`,
        );
        break;
      }
      await assert.rejects(Deno.stat(output), Deno.errors.NotFound);
    });
  },
});
