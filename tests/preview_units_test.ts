import assert from "node:assert/strict";
import {
  FRAME_BAND_BYTES,
  PreviewBroadcaster,
} from "../src/preview/broadcaster.ts";
import { PreviewCanvas, previewSize } from "../src/preview/canvas.ts";
import {
  PIXEL_FRAME_HEADER_BYTES,
  type PreviewMessage,
} from "../src/preview/protocol.ts";
import type { RenderedTile } from "../mod.ts";

/** An image whose every pixel is distinct: R,G from x, B,A from y. */
function patternPixel(x: number, y: number): number[] {
  return [x & 255, x >> 8, y & 255, y >> 8];
}

/** The tiles of a `width × height` image (offset by `ox, oy`), in a shuffled order. */
function tilesOf(
  width: number,
  height: number,
  size: number,
  ox = 0,
  oy = 0,
): RenderedTile[] {
  const tiles: RenderedTile[] = [];
  for (let y = 0; y < height; y += size) {
    for (let x = 0; x < width; x += size) {
      const w = Math.min(size, width - x);
      const h = Math.min(size, height - y);
      const pixels = new Uint8Array(w * h * 4);
      for (let j = 0; j < h; j++) {
        for (let i = 0; i < w; i++) {
          pixels.set(patternPixel(x + i, y + j), (j * w + i) * 4);
        }
      }
      tiles.push({ x: ox + x, y: oy + y, width: w, height: h, pixels });
    }
  }
  // A fixed shuffle: the order must not matter.
  return tiles.map((tile, i) => ({ tile, key: (i * 7919) % 101 }))
    .sort((a, b) => a.key - b.key).map(({ tile }) => tile);
}

Deno.test("previewSize: images up to 2048 px on the long side are shown at their size", () => {
  assert.deepEqual(previewSize(2048, 100), { width: 2048, height: 100 });
  assert.deepEqual(previewSize(2049, 1), { width: 2048, height: 1 });
  assert.deepEqual(previewSize(3000, 5000), { width: 1229, height: 2048 });
  assert.deepEqual(previewSize(100_000, 10), { width: 2048, height: 1 });
});

Deno.test("PreviewCanvas: full size, the tiles in any order make the image exactly", () => {
  const canvas = new PreviewCanvas(37, 23);
  for (const tile of tilesOf(37, 23, 8)) canvas.paint(tile);
  for (let y = 0; y < 23; y++) {
    for (let x = 0; x < 37; x++) {
      const at = (y * 37 + x) * 4;
      assert.deepEqual(
        [...canvas.pixels.subarray(at, at + 4)],
        patternPixel(x, y),
      );
    }
  }
});

Deno.test("PreviewCanvas: scaled down, each canvas pixel is the image pixel under its centre", () => {
  const [width, height] = [5000, 300];
  const canvas = new PreviewCanvas(width, height, 100, 40);
  assert.deepEqual([canvas.width, canvas.height], [2048, 123]);
  const painted = new Uint8Array(canvas.width * canvas.height);
  for (const tile of tilesOf(width, height, 64, 100, 40)) {
    const rect = canvas.paint(tile);
    if (rect === undefined) continue;
    for (let y = rect.y; y < rect.y + rect.height; y++) {
      for (let x = rect.x; x < rect.x + rect.width; x++) {
        painted[y * canvas.width + x]++;
      }
    }
  }
  // Every canvas pixel painted by exactly one tile.
  assert.ok(painted.every((count) => count === 1));
  for (const [cx, cy] of [[0, 0], [2047, 122], [1000, 61], [513, 7]]) {
    const sx = Math.floor((cx + 0.5) * width / canvas.width);
    const sy = Math.floor((cy + 0.5) * height / canvas.height);
    const at = (cy * canvas.width + cx) * 4;
    assert.deepEqual(
      [...canvas.pixels.subarray(at, at + 4)],
      patternPixel(sx, sy),
      `canvas (${cx}, ${cy})`,
    );
  }
});

/** A page's socket that records what it is sent. */
function fakeClient(bufferedAmount = 0) {
  const texts: PreviewMessage[] = [];
  const frames: Uint8Array[] = [];
  return {
    texts,
    frames,
    bufferedAmount,
    send(data: string | Uint8Array) {
      if (typeof data === "string") texts.push(JSON.parse(data));
      else frames.push(data);
    },
  };
}

function header(frame: Uint8Array): number[] {
  const view = new DataView(frame.buffer, frame.byteOffset);
  return [0, 1, 2, 3, 4].map((i) => view.getUint32(i * 4, true));
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("PreviewBroadcaster: many tiles within an interval go out as one frame of what changed", async () => {
  const broadcaster = new PreviewBroadcaster({ intervalMs: 50 });
  const page = fakeClient();
  broadcaster.add(page);
  broadcaster.begin({
    scene: "s.json",
    output: "s.png",
    width: 64,
    height: 64,
    workers: 2,
  });
  const tiles = tilesOf(64, 64, 16).filter((tile) => tile.y === 16);
  for (const tile of tiles) broadcaster.tile(tile);
  broadcaster.progress({
    tilesDone: 4,
    tilesTotal: 16,
    pixelsDone: 1024,
    elapsedMs: 10,
  });
  broadcaster.progress({
    tilesDone: 4,
    tilesTotal: 16,
    pixelsDone: 1024,
    elapsedMs: 12,
  });
  assert.equal(page.frames.length, 0, "nothing before the interval");
  await tick(120);
  assert.equal(page.frames.length, 1);
  assert.deepEqual(header(page.frames[0]), [1, 0, 16, 64, 16]);
  assert.equal(page.frames[0].length, PIXEL_FRAME_HEADER_BYTES + 64 * 16 * 4);
  const progress = page.texts.filter((m) => m.type === "progress");
  assert.equal(progress.length, 1, "only the latest progress");
  assert.ok(progress[0].type === "progress" && progress[0].elapsedMs === 12);
  broadcaster.close();
});

Deno.test("PreviewBroadcaster: a page that is behind is skipped, then sent everything it missed at once", async () => {
  const broadcaster = new PreviewBroadcaster({
    intervalMs: 20,
    maxBufferedBytes: 1000,
  });
  const slow = fakeClient(5000);
  broadcaster.add(slow);
  broadcaster.begin({
    scene: "s.json",
    output: "s.png",
    width: 32,
    height: 32,
    workers: 1,
  });
  const tiles = tilesOf(32, 32, 8);
  broadcaster.tile(tiles[0]);
  await tick(60);
  broadcaster.tile(tiles[1]);
  await tick(60);
  assert.equal(slow.frames.length, 0);
  slow.bufferedAmount = 0;
  await tick(60);
  assert.equal(slow.frames.length, 1, "one frame covering both tiles");
  const [, x, y, w, h] = header(slow.frames[0]);
  for (const tile of tiles.slice(0, 2)) {
    assert.ok(tile.x >= x && tile.x + tile.width <= x + w);
    assert.ok(tile.y >= y && tile.y + tile.height <= y + h);
  }
  broadcaster.close();
});

Deno.test("PreviewBroadcaster: a late page gets the image so far; a failure restores the last written image", async () => {
  const broadcaster = new PreviewBroadcaster({ intervalMs: 10 });
  broadcaster.begin({
    scene: "s.json",
    output: "s.png",
    width: 16,
    height: 16,
    workers: 1,
  });
  const good = tilesOf(16, 16, 16)[0];
  broadcaster.tile(good);
  broadcaster.written({ loadMs: 1, renderMs: 2, encodeMs: 3, totalMs: 6 });

  // The next render paints something else, then the scene breaks.
  broadcaster.begin({
    scene: "s.json",
    output: "s.png",
    width: 16,
    height: 16,
    workers: 1,
  });
  broadcaster.tile({
    ...good,
    pixels: new Uint8Array(good.pixels.length).fill(7),
  });
  await tick(30);
  broadcaster.failed("s.json: width must be a positive integer, got -5");

  const late = fakeClient();
  broadcaster.add(late);
  assert.deepEqual(late.texts.map((m) => m.type), ["render", "failed"]);
  assert.equal(late.frames.length, 1);
  assert.deepEqual(
    late.frames[0].subarray(PIXEL_FRAME_HEADER_BYTES),
    good.pixels,
  );
  assert.equal(
    header(late.frames[0])[0],
    (late.texts[0] as { generation: number }).generation,
  );
  broadcaster.close();
});

Deno.test("PreviewBroadcaster: a page that is behind gets nothing, not even before 'written', then the last pixels before 'written'", async () => {
  const broadcaster = new PreviewBroadcaster({
    intervalMs: 10,
    maxBufferedBytes: 10,
  });
  const page = fakeClient(1_000_000);
  broadcaster.add(page);
  broadcaster.begin({
    scene: "s.json",
    output: "s.png",
    width: 8,
    height: 8,
    workers: 1,
  });
  broadcaster.tile(tilesOf(8, 8, 8)[0]);
  broadcaster.written({ loadMs: 1, renderMs: 2, encodeMs: 3, totalMs: 6 });
  await tick(40);
  assert.equal(page.frames.length, 0);
  assert.equal(page.texts.length, 0);
  page.bufferedAmount = 0;
  await tick(60);
  assert.deepEqual(page.texts.map((m) => m.type), ["render", "written"]);
  assert.equal(page.frames.length, 1);
  assert.deepEqual(header(page.frames[0]), [1, 0, 0, 8, 8]);
  broadcaster.close();
});

Deno.test("PreviewBroadcaster: a page's queue never grows past the limit plus one band, on connect too", () => {
  const broadcaster = new PreviewBroadcaster({
    intervalMs: 1000,
    maxBufferedBytes: 100_000,
  });
  broadcaster.begin({
    scene: "s.json",
    output: "s.png",
    width: 1024,
    height: 1024,
    workers: 1,
  });
  for (const tile of tilesOf(1024, 1024, 256)) broadcaster.tile(tile);
  // A page whose socket queues everything it is sent and never drains.
  const silent = {
    bufferedAmount: 0,
    frames: 0,
    send(data: string | Uint8Array) {
      this.bufferedAmount += data.length;
      if (typeof data !== "string") this.frames++;
    },
  };
  broadcaster.add(silent);
  broadcaster.written({ loadMs: 1, renderMs: 2, encodeMs: 3, totalMs: 6 });
  broadcaster.failed("broken");
  assert.ok(
    silent.bufferedAmount <= 100_000 + FRAME_BAND_BYTES + 1024,
    `queued ${silent.bufferedAmount}`,
  );
  assert.ok(silent.frames >= 1);
  broadcaster.remove(silent);
  assert.equal(broadcaster.clients, 0);
  broadcaster.close();
});
