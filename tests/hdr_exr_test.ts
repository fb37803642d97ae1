// HDR output and input: the Radiance reader and writer, the OpenEXR writer (checked with an
// independent reader, npm parse-exr), half-float conversion against its definition.

import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import parseExr from "npm:parse-exr@1.0.2";
import { decodeHdr, HdrFormatError, rgbeToFloat } from "../src/decode/hdr.ts";
import { encodeHdr, floatToRgbe, HdrStreamWriter } from "../src/encode/hdr.ts";
import { ExrStreamWriter, fromHalf, toHalf } from "../src/encode/exr.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function pattern(width: number, height: number): Float32Array {
  const rgb = new Float32Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) {
    // Runs (for the RLE), zeros, tiny and huge values.
    const p = Math.floor(i / 3);
    rgb[i] = p % 7 < 3
      ? 0.75
      : p % 11 === 0
      ? 0
      : (i % 5) * 10 ** ((i % 9) - 4);
  }
  return rgb;
}

Deno.test("RGBE: each value within half a mantissa step of its shared exponent", () => {
  const out = new Uint8Array(4);
  for (
    const [r, g, b] of [[1, 0.5, 0.25], [1000, 1, 0.001], [1e-20, 0, 3e-21], [
      0.999,
      0.999,
      0.999,
    ]]
  ) {
    floatToRgbe(r, g, b, out, 0);
    const back = rgbeToFloat(out[0], out[1], out[2], out[3]);
    const step = 2 ** (out[3] - 136);
    for (const [i, v] of [r, g, b].entries()) {
      assert.ok(Math.abs(back[i] - v) <= step / 2 + 1e-30, `${v} → ${back[i]}`);
    }
  }
  floatToRgbe(-1, NaN, 0, out, 0);
  assert.deepEqual([...out], [0, 0, 0, 0]);
  // 1.0 is 0.5 · 2^1: mantissa 128, exponent 129.
  floatToRgbe(1, 1, 1, out, 0);
  assert.deepEqual([...out], [128, 128, 128, 129]);
});

Deno.test("Radiance .hdr: streamed bands equal the whole encode and decode to within RGBE precision", async () => {
  for (const [w, h] of [[37, 5], [3, 4], [200, 2]]) {
    const rgb = pattern(w, h);
    const parts: Uint8Array[] = [];
    const writer = new HdrStreamWriter(w, h, (b) => {
      parts.push(b);
      return Promise.resolve();
    });
    for (let y = 0; y < h; y++) {
      await writer.writeRows(rgb.subarray(y * w * 3, (y + 1) * w * 3));
    }
    await writer.finish();
    const streamed = concat(parts);
    assert.deepEqual(streamed, encodeHdr({ width: w, height: h, rgb }));
    const image = decodeHdr(streamed);
    assert.equal(image.width, w);
    assert.equal(image.height, h);
    for (let p = 0; p < w * h; p++) {
      const max = Math.max(rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]);
      for (let c = 0; c < 3; c++) {
        assert.ok(
          Math.abs(image.rgb[p * 3 + c] - rgb[p * 3 + c]) <= max / 128 + 1e-30,
          `${w}×${h} pixel ${p}`,
        );
      }
    }
  }
  // A constant 200×4 image: each channel of each line is two runs (127 + 73), 4 + 4·4 bytes a
  // line after the header.
  const flat = encodeHdr({
    width: 200,
    height: 4,
    rgb: new Float32Array(200 * 4 * 3).fill(0.3),
  });
  const headerBytes = new TextEncoder().encode(
    "#?RADIANCE\n# raypool: linear radiance\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X 200\n",
  ).length;
  assert.equal(flat.length, headerBytes + 4 * (4 + 4 * 4));
});

Deno.test("Radiance .hdr: a hand-written flat file with an old-style run decodes to its closed-form values", () => {
  const head = new TextEncoder().encode(
    "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 4\n",
  );
  // (128,64,32,129) = (1.0, 0.5, 0.25) + half steps; then a run of 2 repeats; then zero.
  const body = new Uint8Array([128, 64, 32, 129, 1, 1, 1, 2, 0, 0, 0, 0]);
  const image = decodeHdr(concat([head, body]));
  const f = 2 ** (129 - 136);
  const expect = [128.5 * f, 64.5 * f, 32.5 * f];
  assert.deepEqual(
    [...image.rgb],
    [...expect, ...expect, ...expect, 0, 0, 0].map(Math.fround),
  );
});

Deno.test("Radiance .hdr: malformed files are refused in one line", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const cases: [Uint8Array, RegExp][] = [
    [enc("P6\n"), /not a Radiance file/],
    [
      enc("#?RADIANCE\nFORMAT=32-bit_rle_xyze\n\n-Y 1 +X 1\n"),
      /unsupported FORMAT/,
    ],
    [enc("#?RADIANCE\n\n+Y 1 +X 1\n"), /only "-Y height \+X width"/],
    [enc("#?RADIANCE\n\n-Y 2 +X 2\n\x01\x02\x03\x80"), /truncated/],
    [enc("#?RADIANCE\n\n-Y 100000 +X 100000\n"), /texels at most/],
    [
      concat([enc("#?RADIANCE\n\n-Y 1 +X 8\n"), new Uint8Array([2, 2, 0, 9])]),
      /width 9, expected 8/,
    ],
    [
      concat([
        enc("#?RADIANCE\n\n-Y 1 +X 8\n"),
        new Uint8Array([2, 2, 0, 8, 200, 1]),
      ]),
      /run overflows/,
    ],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(
      () => decodeHdr(bytes),
      (e: unknown) =>
        e instanceof HdrFormatError && message.test(e.message) &&
        !e.message.includes("\n"),
    );
  }
});

Deno.test("half floats: exact for representable values, round to nearest even, overflow to infinity", () => {
  for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24, 1 + 2 ** -10]) {
    assert.equal(fromHalf(toHalf(v)), v);
  }
  assert.equal(toHalf(-0), 0x8000);
  assert.equal(fromHalf(toHalf(1 + 2 ** -11)), 1); // a tie goes to the even mantissa
  assert.equal(fromHalf(toHalf(1 + 3 * 2 ** -11)), 1 + 2 * 2 ** -10);
  assert.equal(fromHalf(toHalf(70000)), Infinity);
  assert.ok(Number.isNaN(fromHalf(toHalf(NaN))));
  assert.equal(fromHalf(toHalf(2 ** -26)), 0);
  // Every value in [0.001, 1000) within half a unit in the last place (2^-11 relative).
  for (let v = 0.001; v < 1000; v *= 1.37) {
    assert.ok(Math.abs(fromHalf(toHalf(v)) - v) <= v * 2 ** -11, `${v}`);
  }
});

Deno.test("OpenEXR: an independent reader reads back the streamed float and half files", async () => {
  const [w, h] = [5, 3];
  const rgb = pattern(w, h);
  for (const type of ["float", "half"] as const) {
    const parts: Uint8Array[] = [];
    const writer = new ExrStreamWriter(w, h, (b) => {
      parts.push(b);
      return Promise.resolve();
    }, type);
    await writer.writeRows(rgb.subarray(0, w * 3));
    await writer.writeRows(rgb.subarray(w * 3));
    await writer.finish();
    const file = concat(parts);
    // parse-exr (a port of three.js's loader) returns RGBA float rows bottom first.
    const read = parseExr(file.buffer as ArrayBuffer, 1015);
    assert.equal(read.width, w);
    assert.equal(read.height, h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          const v = rgb[(y * w + x) * 3 + c];
          const got = read.data[((h - 1 - y) * w + x) * 4 + c];
          const expect = type === "float"
            ? Math.fround(v)
            : fromHalf(toHalf(v));
          assert.equal(got, expect, `${type} (${x}, ${y}) channel ${c}`);
        }
      }
    }
  }
  await assert.rejects(
    async () => {
      const writer = new ExrStreamWriter(2, 2, () => Promise.resolve());
      await writer.writeRows(new Float32Array(6));
      await writer.finish();
    },
    /EXR has 2 rows but 1 were written/,
  );
});
