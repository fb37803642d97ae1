import assert from "node:assert/strict";
import { formatDuration, formatRate } from "../src/cli/format.ts";
import {
  EtaEstimator,
  formatProgressLine,
  ProgressDisplay,
} from "../src/cli/progress.ts";
import { formatSummaryLine } from "../src/cli/summary.ts";

const half = {
  tilesDone: 50,
  tilesTotal: 100,
  pixelsDone: 500_000,
  elapsedMs: 2000,
};

Deno.test("the progress line has a bar, tiles, percent, rate and ETA", () => {
  const line = formatProgressLine(half, 1_000_000, 100);
  assert.equal(
    line,
    `[${"█".repeat(15)}${
      "░".repeat(15)
    }] 50/100 tiles    50%  0.25 Mpx/s  ETA 2.0s`,
  );
});

Deno.test("the progress line fits narrow terminals", () => {
  for (const columns of [20, 40, 60, 80, 200]) {
    const line = formatProgressLine(half, 1_000_000, columns);
    assert.ok(line.length <= columns - 1, `${columns}: ${line}`);
  }
  assert.ok(!formatProgressLine(half, 1_000_000, 45).includes("["));
});

Deno.test("the progress line before any pixel, and when done", () => {
  const start = formatProgressLine(
    { tilesDone: 0, tilesTotal: 8, pixelsDone: 0, elapsedMs: 0 },
    64,
    80,
  );
  assert.match(start, /0\/8 tiles +0\.0% +\? Mpx\/s +ETA \?$/);
  const done = formatProgressLine(
    { tilesDone: 8, tilesTotal: 8, pixelsDone: 64, elapsedMs: 5 },
    64,
    80,
  );
  assert.match(done, /\[█+\] 8\/8 tiles +100% .* ETA 0s$/);
});

Deno.test("on a terminal, redraws are throttled to one per 100 ms, and the last one always drawn", () => {
  let clock = 0;
  const writes: string[] = [];
  const display = new ProgressDisplay({
    write: (text) => writes.push(text),
    terminal: true,
    pixelsTotal: 100,
    now: () => clock,
  });
  display.start("ignored on a terminal");
  assert.equal(writes.length, 0);
  for (let done = 1; done <= 10; done++) {
    clock += 30;
    display.update({
      tilesDone: done,
      tilesTotal: 10,
      pixelsDone: done * 10,
      elapsedMs: clock,
    });
  }
  // Drawn at 30 ms, 150 ms, 270 ms, then the last report at 300 ms.
  assert.equal(writes.length, 4);
  assert.ok(
    writes.every((text) => text.startsWith("\r") && text.endsWith("\x1b[K")),
  );
  assert.ok(writes.at(-1)!.includes("10/10 tiles"));
  display.clear();
  assert.equal(writes.at(-1), "\r\x1b[K");
  display.clear();
  assert.equal(writes.length, 5, "a second clear writes nothing");
});

Deno.test("elsewhere, a start line and a plain line at most every 5 s, no redraws", () => {
  let clock = 0;
  let written = "";
  const display = new ProgressDisplay({
    write: (text) => written += text,
    terminal: false,
    pixelsTotal: 1000,
    now: () => clock,
  });
  display.start("Rendering a.json");
  for (let done = 1; done <= 100; done++) {
    clock += 120;
    display.update({
      tilesDone: done,
      tilesTotal: 100,
      pixelsDone: done * 10,
      elapsedMs: clock,
    });
  }
  display.clear();
  const lines = written.split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines[0], "Rendering a.json");
  // 12 s of rendering: lines at 5 s and 10 s, none for the finished render.
  assert.equal(lines.length, 3);
  assert.ok(!written.includes("\r") && !written.includes("\x1b"));
});

Deno.test("durations, rates and the summary line", () => {
  assert.equal(formatDuration(0), "0ms");
  assert.equal(formatDuration(999.6), "1000ms");
  assert.equal(formatDuration(12_345), "12s");
  assert.equal(formatDuration(3_600_000), "1h00m");
  assert.equal(formatDuration(NaN), "?");
  assert.equal(formatRate(1_500_000, 100), "15.0 Mpx/s");
  assert.equal(formatRate(1, 0), "? Mpx/s");
  assert.equal(
    formatSummaryLine({
      output: "a.png",
      width: 10,
      height: 10,
      workers: 1,
      tiles: 1,
      timings: { loadMs: 1, renderMs: 1, encodeMs: 1, totalMs: 3 },
    }),
    "Wrote a.png: 10×10 in 3ms (rendered in 1ms, 0.10 Mpx/s, 1 worker)",
  );
});

/**
 * Progress reports of a synthetic render: 100 tiles of 100 pixels, tile i taking `cost(i)`
 * milliseconds (the clock is the reports' `elapsedMs`, no real time passes).
 */
function reports(cost: (tile: number) => number) {
  const out = [];
  let elapsedMs = 0;
  for (let tile = 0; tile < 100; tile++) {
    elapsedMs += cost(tile);
    out.push({
      tilesDone: tile + 1,
      tilesTotal: 100,
      pixelsDone: (tile + 1) * 100,
      elapsedMs,
    });
  }
  return out;
}

Deno.test("the ETA is exact at a steady rate", () => {
  const eta = new EtaEstimator(10_000);
  const all = reports(() => 3);
  for (const [i, p] of all.entries()) {
    assert.equal(eta.update(p.elapsedMs, p.pixelsDone), (99 - i) * 3);
  }
});

Deno.test("the ETA rises as soon as the tiles get dearer, not only once most are done", () => {
  // Cheap rows first (sky), then dear ones at 4× the cost, as a scene rendered row by row.
  const all = reports((tile) => tile < 50 ? 1 : 4);
  const eta = new EtaEstimator(10_000);
  let at60 = 0;
  for (const p of all.slice(0, 60)) {
    at60 = eta.update(p.elapsedMs, p.pixelsDone) ?? NaN;
  }
  const left = 40 * 4;
  assert.equal(at60, left);
  // The average since the start would say 60 ms of the 160 left.
  const { elapsedMs, pixelsDone } = all[59];
  assert.equal((10_000 - pixelsDone) * elapsedMs / pixelsDone, 60);

  // The display shows it: a terminal redrawn at most every 100 ms of its own clock.
  let written = "";
  let now = 0;
  const display = new ProgressDisplay({
    write: (text) => written += text,
    terminal: true,
    pixelsTotal: 10_000,
    now: () => now,
  });
  for (const p of all.slice(0, 60)) {
    now = p.elapsedMs * 10; // every report is drawn
    display.update(p);
  }
  assert.match(written.split("\r").at(-1)!, /60\/100 tiles .* ETA 160ms/);
});

Deno.test("the ETA does not fall on a burst of cheap tiles after dear ones", () => {
  const all = reports((tile) => tile < 50 ? 4 : 1);
  const eta = new EtaEstimator(10_000);
  let previous = Infinity;
  for (const p of all.slice(0, 80)) {
    const left = eta.update(p.elapsedMs, p.pixelsDone)!;
    // Never below the average rate since the start.
    const average = (10_000 - p.pixelsDone) * p.elapsedMs / p.pixelsDone;
    assert.ok(left >= average - 1e-9, `${left} < ${average}`);
    assert.ok(left <= previous, "it only falls as work gets done");
    previous = left;
  }
});
