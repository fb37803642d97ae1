// Writes examples/textures/sky.hdr: a procedural equirectangular sky (blue zenith, hazy
// horizon, a small bright sun, a dim brown ground) for examples/hdr_studio.json.
// Run: deno run --allow-write=examples scripts/sky_hdr.ts

import { encodeHdr } from "../mod.ts";

const width = 512;
const height = 256;
const rgb = new Float32Array(width * height * 3);
// The sun: 35° above the horizon, u = 0.62 (ahead and to the right of the default camera).
const sunTheta = Math.PI / 2 - (35 * Math.PI) / 180;
const sunPhi = 2 * Math.PI * (0.62 - 0.5);
const sun = [
  Math.sin(sunTheta) * Math.sin(sunPhi),
  Math.cos(sunTheta),
  -Math.sin(sunTheta) * Math.cos(sunPhi),
];
for (let y = 0; y < height; y++) {
  const theta = (Math.PI * (y + 0.5)) / height;
  for (let x = 0; x < width; x++) {
    const phi = 2 * Math.PI * ((x + 0.5) / width - 0.5);
    const d = [
      Math.sin(theta) * Math.sin(phi),
      Math.cos(theta),
      -Math.sin(theta) * Math.cos(phi),
    ];
    const up = d[1];
    let c: number[];
    if (up >= 0) {
      const t = Math.pow(1 - up, 3);
      c = [0.25 + 0.55 * t, 0.45 + 0.45 * t, 0.95 + 0.05 * t].map((v) =>
        v * 1.2
      );
    } else {
      c = [0.18, 0.14, 0.1];
    }
    const cos = d[0] * sun[0] + d[1] * sun[1] + d[2] * sun[2];
    if (cos > Math.cos((2.5 * Math.PI) / 180)) c = [400, 370, 330];
    rgb.set(c, (y * width + x) * 3);
  }
}
await Deno.writeFile(
  new URL("../examples/textures/sky.hdr", import.meta.url),
  encodeHdr({ width, height, rgb }),
);
