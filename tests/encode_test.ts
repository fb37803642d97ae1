import assert from "node:assert/strict";
import { encodeJpeg } from "../src/encode/jpeg.ts";
import { encodePng } from "../src/encode/png.ts";
import type { RenderedImage } from "../src/types.ts";

async function decode(bytes: Uint8Array): Promise<RenderedImage> {
  // deno-lint-ignore no-import-prefix
  const { Image } = await import("npm:imagescript@1.3.1");
  const image = await Image.decode(bytes);
  return {
    width: image.width,
    height: image.height,
    data: new Uint8Array(image.bitmap),
  };
}

/** A smooth gradient with a sharp edge, in a SharedArrayBuffer as renders are. */
function sample(width = 97, height = 61): RenderedImage {
  const data = new Uint8Array(new SharedArrayBuffer(width * height * 4));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const edge = x > width / 2 ? 60 : 0;
      data.set(
        [(x * 255) / width + edge & 255, (y * 255) / height, 128, 255],
        (y * width + x) * 4,
      );
    }
  }
  return { width, height, data };
}

Deno.test("a PNG decodes back to exactly the same pixels", async () => {
  const image = sample();
  const png = await encodePng(image);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const back = await decode(png);
  assert.equal(back.width, image.width);
  assert.equal(back.height, image.height);
  assert.deepEqual(back.data, new Uint8Array(image.data));
});

Deno.test("a JPEG decodes back to roughly the same pixels", async () => {
  const image = sample();
  const back = await decode(await encodeJpeg(image, 95));
  assert.equal(back.width, image.width);
  assert.equal(back.height, image.height);
  let sum = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      sum += Math.abs(back.data[i + c] - image.data[i + c]);
    }
  }
  const meanError = sum / (image.width * image.height * 3);
  assert.ok(meanError < 4, `mean error per channel ${meanError}`);
});

Deno.test("JPEG quality changes the size", async () => {
  const image = sample(200, 150);
  const low = await encodeJpeg(image, 10);
  const high = await encodeJpeg(image, 100);
  assert.ok(low.length < high.length, `${low.length} vs ${high.length}`);
});

Deno.test("bad JPEG qualities are rejected with their value", async () => {
  const image = sample(4, 4);
  for (const quality of [0, 101, 50.5, NaN]) {
    await assert.rejects(encodeJpeg(image, quality), {
      name: "RangeError",
      message: `quality must be an integer from 1 to 100, got ${quality}`,
    });
  }
  await assert.rejects(encodeJpeg(image, "90" as unknown as number), {
    name: "TypeError",
    message: 'quality must be a number, got "90"',
  });
});

Deno.test("images whose data does not match their size are rejected", async () => {
  const bad = { width: 3, height: 2, data: new Uint8Array(20) };
  const message =
    "image data must be width*height*4 = 24 bytes for a 3×2 image, got 20";
  await assert.rejects(encodePng(bad), { name: "RangeError", message });
  await assert.rejects(encodeJpeg(bad), { name: "RangeError", message });
  await assert.rejects(
    encodePng({ width: 0, height: 2, data: new Uint8Array(0) }),
    {
      name: "RangeError",
      message: "image width must be a positive integer, got 0",
    },
  );
  await assert.rejects(
    encodePng({
      width: 1,
      height: 1,
      data: [1, 2, 3, 4] as unknown as Uint8Array,
    }),
    {
      name: "TypeError",
      message: "image data must be a Uint8Array, got Array",
    },
  );
});

Deno.test("encodePng() refuses a side past 2^31 - 1 before looking at the pixels", async () => {
  for (const [width, height] of [[2 ** 31, 1], [1, 2 ** 31]]) {
    await assert.rejects(
      encodePng({ width, height, data: new Uint8Array(4) }),
      {
        name: "RangeError",
        message:
          `a PNG is limited to 2147483647 pixels a side, got ${width}×${height}`,
      },
    );
  }
});
