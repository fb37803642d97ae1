import assert from "node:assert/strict";
import { PngStreamWriter } from "../src/png/png_stream_writer.ts";
import { adler32, crc32 } from "../src/png/checksums.ts";

async function encodeInBands(
  width: number,
  height: number,
  rgba: Uint8Array,
  bandRows: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const png = new PngStreamWriter(width, height, (bytes) => {
    parts.push(bytes.slice());
    return Promise.resolve();
  });
  for (let y = 0; y < height; y += bandRows) {
    const end = Math.min(height, y + bandRows);
    await png.writeRows(rgba.subarray(y * width * 4, end * width * 4));
  }
  await png.finish();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function gradient(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba[i] = x & 255;
      rgba[i + 1] = y & 255;
      rgba[i + 2] = (x * y) & 255;
      rgba[i + 3] = 255 - ((x + y) & 127);
    }
  }
  return rgba;
}

Deno.test("checksums match published check values", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(adler32(new TextEncoder().encode("Wikipedia")), 0x11e60398);
  // Incremental use gives the same result as one call.
  const bytes = gradient(100, 100);
  assert.equal(
    adler32(bytes.subarray(7000), adler32(bytes.subarray(0, 7000))),
    adler32(bytes),
  );
  assert.equal(
    crc32(bytes.subarray(7000), crc32(bytes.subarray(0, 7000))),
    crc32(bytes),
  );
});

Deno.test("a PNG written in uneven bands decodes to the same pixels", async () => {
  // deno-lint-ignore no-import-prefix
  const { Image } = await import("npm:imagescript@1.3.1");
  const [width, height] = [257, 131];
  const rgba = gradient(width, height);
  for (const bandRows of [1, 17, height]) {
    const png = await encodeInBands(width, height, rgba, bandRows);
    const decoded = await Image.decode(png);
    assert.equal(decoded.width, width);
    assert.equal(decoded.height, height);
    assert.deepEqual(
      new Uint8Array(decoded.bitmap),
      rgba,
      `band of ${bandRows} rows`,
    );
  }
});

Deno.test("the writer refuses partial rows, extra rows and an early finish", async () => {
  const png = new PngStreamWriter(4, 2, () => Promise.resolve());
  await assert.rejects(
    png.writeRows(new Uint8Array(5)),
    /whole rows of 16 bytes, got 5/,
  );
  await png.writeRows(new Uint8Array(16));
  await assert.rejects(png.finish(), /2 rows but 1 were written/);
  await assert.rejects(png.writeRows(new Uint8Array(32)), /has 2 rows, got 3/);
  assert.throws(
    () => new PngStreamWriter(0, 1, () => Promise.resolve()),
    RangeError,
  );
});
