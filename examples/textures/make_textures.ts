/**
 * Draws the example scenes' textures. The PNGs are committed; run this only to change them:
 *
 * ```sh
 * deno run --allow-read --allow-write=examples/textures \
 *   --allow-ffi=./node_modules/.deno/imagescript@1.3.1 --allow-env=IMAGESCRIPT_WASM_SIMD \
 *   examples/textures/make_textures.ts
 * ```
 *
 * On a plane a texture repeats once per world unit, and on a sphere it wraps once around, so
 * each picture is one period of its pattern.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix
import { Image } from "npm:imagescript@1.3.1";

type Rgb = [number, number, number];

/** Deterministic value noise, so the PNGs are the same on every run. */
function hash(x: number, y: number): number {
  let h = Math.imul(x, 374761393) ^ Math.imul(y, 668265263);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function smoothNoise(x: number, y: number, periodX: number): number {
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const fx = x - x0, fy = y - y0;
  const sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
  // Wrapping x makes the texture seamless where a sphere's u goes from 1 back to 0.
  const at = (i: number, j: number) =>
    hash(((i % periodX) + periodX) % periodX, j);
  const top = at(x0, y0) * (1 - sx) + at(x0 + 1, y0) * sx;
  const bottom = at(x0, y0 + 1) * (1 - sx) + at(x0 + 1, y0 + 1) * sx;
  return top * (1 - sy) + bottom * sy;
}

function fractalNoise(x: number, y: number, periodX: number): number {
  let sum = 0, amplitude = 0.5, scale = 1;
  for (let octave = 0; octave < 5; octave++) {
    sum += amplitude * smoothNoise(x * scale, y * scale, periodX * scale);
    amplitude /= 2;
    scale *= 2;
  }
  return sum;
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [
    a[0] + (b[0] - a[0]) * t,
    a[1] + (b[1] - a[1]) * t,
    a[2] + (b[2] - a[2]) * t,
  ];
}

async function save(
  name: string,
  width: number,
  height: number,
  pixel: (x: number, y: number) => Rgb,
) {
  const image = new Image(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const i = (y * width + x) * 4;
      image.bitmap[i] = r;
      image.bitmap[i + 1] = g;
      image.bitmap[i + 2] = b;
      image.bitmap[i + 3] = 255;
    }
  }
  await Deno.writeFile(new URL(name, import.meta.url), await image.encode(9));
}

// Floor tiles: a 2×2 checker of cream marble and slate per unit, with dark grout between.
await save("tiles.png", 256, 256, (x, y) => {
  const cell = 128;
  const cx = x % cell, cy = y % cell;
  const grout = cx < 3 || cy < 3 || cx > cell - 4 || cy > cell - 4;
  if (grout) return [40, 36, 34];
  const dark = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 1;
  const vein = Math.abs(
    Math.sin((x + y) / 18 + 6 * fractalNoise(x / 32, y / 32, 8)),
  );
  const cream: Rgb = [236, 226, 208], slate: Rgb = [58, 66, 80];
  const base = dark ? slate : cream;
  const veined = mix(
    base,
    dark ? [96, 104, 118] : [196, 182, 164],
    Math.pow(1 - vein, 6),
  );
  return veined;
});

// A gas giant: bands by latitude, stirred by noise that wraps around in longitude.
await save("planet.png", 512, 256, (x, y) => {
  const u = x / 512, v = y / 256;
  const turbulence = fractalNoise(u * 16, v * 16, 16);
  const band = Math.sin(v * Math.PI * 11 + turbulence * 3.2) * 0.5 + 0.5;
  const fine = Math.sin(v * Math.PI * 37 + turbulence * 6) * 0.5 + 0.5;
  const cream: Rgb = [240, 222, 186],
    rust: Rgb = [196, 112, 62],
    brown: Rgb = [120, 72, 46];
  let color = mix(cream, rust, band);
  color = mix(color, brown, fine * 0.35);
  // A storm like Jupiter's spot, at u ≈ 0.78: the side a sphere to the camera's right shows.
  const dx = (u - 0.78) / 0.05, dy = (v - 0.6) / 0.035;
  const r2 = dx * dx + dy * dy;
  const spot = Math.exp(-r2 * r2);
  const rim = Math.exp(-Math.pow(Math.sqrt(r2) - 1.3, 2) * 8);
  return mix(mix(color, cream, rim * 0.8), [190, 64, 36], spot);
});
