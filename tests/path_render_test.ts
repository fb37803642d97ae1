// The path tracer end to end (issue 18): scene fields through validation, the packed format and
// the workers; byte-identical images for any worker count, tile size and region; a furnace
// through an HDR environment file; the original's scenes are untouched (render_fidelity_test).

import assert from "node:assert/strict";
import {
  encodeHdr,
  parseScene,
  render,
  type SceneDescription,
} from "../mod.ts";

function cornellish(samples: number): SceneDescription {
  const diffuse = (red: number, green: number, blue: number) => ({
    coloration: { Color: { red, green, blue } },
    albedo: 1,
    surface: "Diffuse" as const,
  });
  const wall = (
    ox: number,
    oy: number,
    oz: number,
    nx: number,
    ny: number,
    nz: number,
    c = diffuse(0.7, 0.7, 0.7),
  ) => ({
    Plane: {
      origin: { x: ox, y: oy, z: oz },
      normal: { x: nx, y: ny, z: nz },
      material: c,
    },
  });
  return {
    width: 40,
    height: 30,
    fov: 60,
    shadow_bias: 1e-9,
    max_recursion_depth: 8,
    samples,
    integrator: { Path: { max_bounces: 4 } },
    environment: { Color: { red: 0.05, green: 0.05, blue: 0.08 } },
    tone_mapping: "Neutral",
    exposure: 0.5,
    elements: [
      wall(0, -1, 0, 0, -1, 0),
      wall(0, 1.2, 0, 0, 1, 0),
      wall(-1.2, 0, 0, -1, 0, 0, diffuse(0.7, 0.1, 0.1)),
      wall(1.2, 0, 0, 1, 0, 0, diffuse(0.1, 0.7, 0.1)),
      wall(0, 0, -5, 0, 0, -1),
      {
        Sphere: {
          center: { x: 0, y: 1.1, z: -3.5 },
          radius: 0.3,
          material: {
            coloration: { Color: { red: 0, green: 0, blue: 0 } },
            albedo: 1,
            surface: {
              Pbr: {
                emission: { red: 1, green: 0.9, blue: 0.8 },
                emission_strength: 15,
              },
            },
          },
        },
      },
      {
        Sphere: {
          center: { x: -0.4, y: -0.6, z: -3.8 },
          radius: 0.4,
          material: {
            ...diffuse(0.9, 0.9, 0.9),
            surface: { Refractive: { index: 1.5, transparency: 1 } },
          },
        },
      },
      {
        Sphere: {
          center: { x: 0.5, y: -0.7, z: -3.3 },
          radius: 0.3,
          material: {
            ...diffuse(0.9, 0.7, 0.3),
            surface: { Pbr: { metallic: 1, roughness: 0.3 } },
          },
        },
      },
    ],
    lights: [],
  };
}

Deno.test("path tracing: the same bytes for any worker count, tile size and region, any sample count", async () => {
  const description = cornellish(3); // not a perfect square: only the path tracer allows it
  const a = await render(description, { workers: 1, tileSize: 64 });
  const b = await render(description, { workers: 2, tileSize: 7 });
  assert.deepEqual(b.data, a.data);
  const region = { x: 11, y: 5, width: 17, height: 13 };
  const c = await render(description, { workers: 2, tileSize: 5, region });
  for (let y = 0; y < region.height; y++) {
    const row = a.data.subarray(
      ((region.y + y) * a.width + region.x) * 4,
      ((region.y + y) * a.width + region.x + region.width) * 4,
    );
    assert.deepEqual(
      c.data.subarray(y * region.width * 4, (y + 1) * region.width * 4),
      row,
      `row ${y}`,
    );
  }
  // Lit: the lamp is bright, the room is not black, and the red wall is red.
  let bright = 0;
  let red = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i] > 240 && a.data[i + 1] > 230) bright++;
    if (a.data[i] > a.data[i + 1] + 40) red++;
  }
  assert.ok(bright > 5 && red > 40, `bright ${bright}, red ${red}`);
  // More samples change the image (a different estimate), fewer change nothing else.
  const more = await render(cornellish(12), { workers: 2 });
  assert.notDeepEqual(more.data, a.data);
});

Deno.test("path tracing: a white furnace through an HDR environment file shows ρ·L", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A constant 16×8 environment of radiance 0.25, scaled by intensity 2: L = 0.5.
    const rgb = new Float32Array(16 * 8 * 3).fill(0.25);
    await Deno.writeFile(
      `${dir}/sky.hdr`,
      encodeHdr({ width: 16, height: 8, rgb }),
    );
    const rho = 0.8;
    const text = JSON.stringify({
      width: 24,
      height: 24,
      fov: 30,
      shadow_bias: 1e-9,
      max_recursion_depth: 4,
      samples: 64,
      integrator: { Path: { max_bounces: 4 } },
      environment: {
        Hdr: { path: "sky.hdr", intensity: 2, rotation_degrees: 30 },
      },
      tone_mapping: "Clamp",
      elements: [{
        Sphere: {
          center: { x: 0, y: 0, z: -5 },
          radius: 1,
          material: {
            coloration: { Color: { red: rho, green: rho, blue: rho } },
            albedo: 1,
            surface: "Diffuse",
          },
        },
      }],
      lights: [],
    });
    const scene = await parseScene(text, { baseDir: dir });
    const image = await render(scene, { workers: 2 });
    // sRGB-decode the central 6×6 pixels (all on the sphere) and average.
    const linear = (b: number) => {
      const x = b / 255;
      return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    };
    let sum = 0;
    for (let y = 9; y < 15; y++) {
      for (let x = 9; x < 15; x++) {
        sum += linear(image.data[(y * 24 + x) * 4 + 1]);
      }
    }
    const mean = sum / 36;
    // ρ·L = 0.4; one sRGB step near 0.4 is 0.4%; the noise of 36·64 samples is below 1%.
    assert.ok(Math.abs(mean - rho * 0.5) < 0.02, `mean ${mean}`);
    // The background is the environment itself: 0.5 → sRGB 188.
    assert.equal(image.data[1], 188);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("path tracing: scene fields are validated with their JSON path", async () => {
  const base = cornellish(1);
  const bad: [unknown, RegExp][] = [
    [
      { ...base, integrator: "Path" },
      /integrator must be \{"Path": \{"max_bounces": N\}\}/,
    ],
    [
      { ...base, integrator: { Path: { max_bounces: 0 } } },
      /integrator\.Path\.max_bounces must be an integer from 1 to 1024/,
    ],
    [
      { ...base, tone_mapping: "Filmic" },
      /tone_mapping has unknown variant "Filmic"/,
    ],
    [
      { ...base, exposure: 100 },
      /exposure must be a number of stops from -64 to 64/,
    ],
    [
      { ...base, environment: { Hdr: { path: "" } } },
      /environment\.Hdr\.path must be a non-empty string/,
    ],
    [
      { ...base, integrator: "Whitted", samples: 3 },
      /samples must be a perfect square/,
    ],
    [
      {
        ...base,
        elements: [{
          Sphere: {
            center: { x: 0, y: 0, z: -3 },
            radius: 1,
            material: {
              coloration: { Color: { red: 1, green: 1, blue: 1 } },
              albedo: 1,
              surface: { Pbr: { roughness: 2 } },
            },
          },
        }],
      },
      /elements\[0\]\.Sphere\.material\.surface\.Pbr\.roughness must be a number from 0 to 1, got 2/,
    ],
  ];
  for (const [scene, message] of bad) {
    await assert.rejects(() => parseScene(JSON.stringify(scene)), message);
  }
  await assert.rejects(
    () =>
      parseScene(
        JSON.stringify({
          ...base,
          environment: { Hdr: { path: "/nonexistent/sky.hdr" } },
        }),
      ),
    /environment\.Hdr\.path: environment "\/nonexistent\/sky\.hdr" not found/,
  );
});
