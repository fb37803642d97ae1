// `-o out.exr` and `-o out.hdr`: the linear radiance before tone mapping, streamed band by band,
// read back with independent readers (npm parse-exr; the project's Radiance decoder) and
// compared with closed forms: a white furnace (a Lambertian sphere of reflectance ρ in a
// uniform environment of radiance L shows ρ·L, the background L), and a Whitted render whose
// EXR values, through the original's gamma, are its PNG's bytes.

import assert from "node:assert/strict";
import { join } from "node:path";
// deno-lint-ignore no-import-prefix
import parseExr from "npm:parse-exr@1.0.2";
import { decodeHdr } from "../src/decode/hdr.ts";
import {
  decodeImage,
  ROOT,
  runCli,
  withTempDir,
} from "./fixtures/cli/helpers.ts";

const SIZE = 24;
const RHO = 0.8;
const L = 0.5;

/** Linear RGB rows top first, from an EXR (float) or HDR file. */
async function readLinear(
  path: string,
): Promise<{ width: number; height: number; rgb: Float32Array }> {
  const bytes = await Deno.readFile(path);
  if (path.endsWith(".hdr")) return decodeHdr(bytes);
  // parse-exr returns RGBA float rows bottom first.
  const read = parseExr(bytes.buffer as ArrayBuffer, 1015);
  const { width, height } = read;
  const rgb = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        rgb[(y * width + x) * 3 + c] =
          read.data[((height - 1 - y) * width + x) * 4 + c];
      }
    }
  }
  return { width, height, rgb };
}

function furnaceScene(): string {
  return JSON.stringify({
    width: SIZE,
    height: SIZE,
    fov: 30,
    shadow_bias: 1e-9,
    max_recursion_depth: 4,
    samples: 64,
    integrator: { Path: { max_bounces: 4 } },
    environment: { Color: { red: L, green: L, blue: L } },
    tone_mapping: "Aces",
    exposure: 2,
    elements: [{
      Sphere: {
        center: { x: 0, y: 0, z: -5 },
        radius: 1,
        material: {
          coloration: { Color: { red: RHO, green: RHO, blue: RHO } },
          albedo: 1,
          surface: "Diffuse",
        },
      },
    }],
    lights: [],
  });
}

Deno.test("-o .exr and .hdr: a path-traced white furnace reads back as ρ·L, the sky as L", async () => {
  await withTempDir(async (dir) => {
    const scene = join(dir, "furnace.json");
    await Deno.writeTextFile(scene, furnaceScene());
    for (const ext of ["exr", "hdr"]) {
      const out = join(dir, `furnace.${ext}`);
      // Bands of 4 rows (tiles of 4): six bands through the streaming writer.
      const result = await runCli([
        scene,
        "-o",
        out,
        "--workers",
        "2",
        "--tile",
        "4",
        "--quiet",
      ], { env: {} });
      assert.equal(result.code, 0, result.stderr);
      const { width, height, rgb } = await readLinear(out);
      assert.deepEqual([width, height], [SIZE, SIZE]);
      // RGBE keeps 8 bits of mantissa: 1% relative; float EXR keeps the f32.
      const exact = ext === "exr" ? 1e-6 : 0.01;
      let sphere = 0, sum = 0;
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const r = Math.hypot(x + 0.5 - SIZE / 2, y + 0.5 - SIZE / 2);
          const at = (y * SIZE + x) * 3;
          const [red, green, blue] = rgb.subarray(at, at + 3);
          // Grey, never tone-mapped (Aces at +2 EV would take L = 0.5 well above 0.5).
          assert.ok(
            Math.abs(red - green) <= exact && Math.abs(red - blue) <= exact,
          );
          // Every pixel between ρ·L and L, up to the noise of 64 paths (measured: a standard
          // deviation of about 0.014 on the sphere; the bounds are 5 of them away).
          assert.ok(
            red >= RHO * L - 0.07 && red <= L + 0.07,
            `${ext} (${x}, ${y}) ${red}`,
          );
          // The sphere spans about 9 pixels of radius; its middle is all sphere, the
          // corners all sky.
          if (r > 11.5) {
            assert.ok(Math.abs(red - L) <= L * exact, `${ext} sky ${red}`);
          }
          if (r < 6) {
            sphere++;
            sum += red;
            assert.ok(Math.abs(red - RHO * L) <= 0.07, `${ext} sphere ${red}`);
          }
        }
      }
      assert.ok(sphere > 100);
      // The mean of about 110 pixels: a standard deviation near 0.35%.
      assert.ok(
        Math.abs(sum / sphere - RHO * L) <= 0.02 * RHO * L,
        `${ext}: mean ${sum / sphere}, expected ${RHO * L}`,
      );
    }
  });
});

Deno.test("-o .exr: a Whitted render's linear values, through the original's gamma, are its PNG", async () => {
  await withTempDir(async (dir) => {
    const scene = join(ROOT, "tests/fixtures/original/test.json");
    const small = [
      "--width",
      "40",
      "--height",
      "30",
      "--workers",
      "2",
      "--quiet",
    ];
    const exr = join(dir, "w.exr"), png = join(dir, "w.png");
    for (const out of [exr, png]) {
      const result = await runCli([scene, "-o", out, ...small]);
      assert.equal(result.code, 0, result.stderr);
    }
    const linear = await readLinear(exr);
    const image = await decodeImage(png);
    let exact = 0, lit = 0;
    for (let i = 0; i < 40 * 30; i++) {
      for (let c = 0; c < 3; c++) {
        const v = linear.rgb[i * 3 + c];
        const expected = Math.floor(
          Math.min(Math.max(v, 0), 1) ** (1 / 2.2) * 255,
        );
        const got = image.data[i * 4 + c];
        // f32 powf against f64: a value on a byte's threshold may land one apart.
        assert.ok(
          Math.abs(got - expected) <= 1,
          `pixel ${i} channel ${c}: ${v} → ${got}`,
        );
        if (got === expected) exact++;
        if (v > 0.05) lit++;
      }
    }
    assert.ok(exact >= 0.99 * 40 * 30 * 3, `${exact} exact`);
    assert.ok(lit > 100);
  });
});

Deno.test("-o .exr: unsupported combinations are one line", async () => {
  await withTempDir(async (dir) => {
    const scene = join(dir, "furnace.json");
    await Deno.writeTextFile(scene, furnaceScene());
    const result = await runCli([
      scene,
      "-o",
      join(dir, "f.exr"),
      "--quality",
      "80",
    ]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /--quality applies to JPEG output only, and .*f\.exr is an EXR/,
    );
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  });
});

Deno.test("renderLinearStream writes the CLI's bytes; bad options are one line", async () => {
  await withTempDir(async (dir) => {
    const scene = join(dir, "furnace.json");
    await Deno.writeTextFile(scene, furnaceScene());
    const { renderLinearStream, loadScene } = await import("../mod.ts");
    const loaded = await loadScene(scene);
    for (const format of ["exr", "hdr"] as const) {
      const out = join(dir, `cli.${format}`);
      const result = await runCli([scene, "-o", out, "--quiet"]);
      assert.equal(result.code, 0, result.stderr);
      const parts: Uint8Array[] = [];
      const written = await renderLinearStream(loaded, (bytes) => {
        parts.push(bytes.slice());
        return Promise.resolve();
      }, { format, workers: 2, tileSize: 8, bandRows: 8 });
      assert.equal(written.bands, 3);
      const bytes = new Uint8Array(written.bytes);
      let at = 0;
      for (const part of parts) {
        bytes.set(part, (at += part.length) - part.length);
      }
      assert.deepEqual(bytes, await Deno.readFile(out));
    }
    await assert.rejects(
      // @ts-expect-error: a format it does not write
      renderLinearStream(loaded, () => Promise.resolve(), { format: "tiff" }),
      /format must be "exr" or "hdr", got "tiff"/,
    );
  });
});
