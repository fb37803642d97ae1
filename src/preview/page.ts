/**
 * The preview page: one HTML document with its style and script inline, so the server has
 * exactly two things to serve (this page and its WebSocket stream) and nothing from disk.
 *
 * The page draws each binary frame (see `protocol.ts`) into a `<canvas>` and shows progress,
 * speed, ETA, the final timings and any error. For tests and scripts it mirrors its state on
 * `<body>`: `data-state` (`connecting`, `rendering`, `written`, `failed`), `data-generation`,
 * `data-progress` (0 to 1) and `data-frames` (frames drawn).
 *
 * @module
 */

/**
 * The page's HTML.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PREVIEW_PAGE } from "./page.ts";
 * assert.ok(PREVIEW_PAGE.startsWith("<!doctype html>") && PREVIEW_PAGE.includes("<canvas"));
 * ```
 */
export const PREVIEW_PAGE: string = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>raypool preview</title>
<style>
  :root { color-scheme: dark; font: 14px/1.4 system-ui, sans-serif; }
  body { margin: 0; padding: 16px 20px; background: #1d1f21; color: #ddd; }
  h1 { font-size: 16px; font-weight: 600; margin: 0 0 8px; }
  h1 small { font-weight: 400; color: #999; margin-left: 8px; }
  #bar { height: 6px; background: #333; border-radius: 3px; overflow: hidden; margin: 6px 0; max-width: 640px; }
  #bar div { height: 100%; width: 0; background: #5a9; transition: width .2s; }
  #status, #timings { font-variant-numeric: tabular-nums; color: #bbb; white-space: pre; }
  #error { display: none; margin: 8px 0; padding: 8px 10px; border-radius: 4px;
    background: #4a1f1f; color: #fbb; font-family: ui-monospace, monospace; white-space: pre-wrap; }
  body[data-state="failed"] #error { display: block; }
  #frame { margin-top: 10px; display: inline-block;
    background: repeating-conic-gradient(#2a2c2e 0 25%, #252729 0 50%) 0 0 / 16px 16px; }
  canvas { display: block; max-width: calc(100vw - 40px); max-height: calc(100vh - 130px);
    image-rendering: pixelated; }
</style>
</head>
<body data-state="connecting" data-generation="0" data-frames="0">
<h1>raypool <small id="scene">connecting…</small></h1>
<div id="bar"><div></div></div>
<div id="status">waiting for the renderer…</div>
<div id="timings"></div>
<div id="error"></div>
<div id="frame"><canvas id="image" width="1" height="1"></canvas></div>
<script>
"use strict";
const HEADER_BYTES = 20;
const body = document.body;
const canvas = document.getElementById("image");
const context = canvas.getContext("2d");
const el = (id) => document.getElementById(id);
let generation = 0;
let frames = 0;

function setState(state) { body.dataset.state = state; }

function duration(ms) {
  if (!isFinite(ms)) return "?";
  if (ms < 1000) return Math.round(ms) + "ms";
  if (ms < 60000) return (ms / 1000).toFixed(1) + "s";
  const s = Math.round(ms / 1000);
  return Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
}

function rate(pixels, ms) {
  return ms > 0 ? (pixels / ms / 1000).toFixed(2) + " Mpx/s" : "– Mpx/s";
}

function onMessage(message) {
  switch (message.type) {
    case "render": {
      generation = message.generation;
      body.dataset.generation = String(generation);
      if (canvas.width !== message.canvasWidth || canvas.height !== message.canvasHeight) {
        canvas.width = message.canvasWidth;
        canvas.height = message.canvasHeight;
        // Small images are shown larger, pixel for pixel.
        const zoom = Math.max(1, Math.floor(480 / Math.max(canvas.width, canvas.height)));
        canvas.style.width = canvas.width * zoom + "px";
      }
      const scaled = message.canvasWidth !== message.width
        ? " (shown at " + message.canvasWidth + "×" + message.canvasHeight + ")" : "";
      el("scene").textContent = message.scene + " → " + message.output + ", " +
        message.width + "×" + message.height + scaled + ", " + message.workers + " worker" +
        (message.workers === 1 ? "" : "s");
      el("status").textContent = "rendering…";
      el("timings").textContent = "";
      el("bar").firstElementChild.style.width = "0";
      body.dataset.progress = "0";
      setState("rendering");
      break;
    }
    case "progress": {
      if (message.generation !== generation) break;
      const fraction = message.pixelsTotal > 0 ? Math.min(1, message.pixelsDone / message.pixelsTotal) : 1;
      const eta = message.pixelsDone > 0
        ? (message.pixelsTotal - message.pixelsDone) * message.elapsedMs / message.pixelsDone : Infinity;
      el("bar").firstElementChild.style.width = (fraction * 100).toFixed(1) + "%";
      body.dataset.progress = fraction.toFixed(3);
      el("status").textContent = message.tilesDone + "/" + message.tilesTotal + " tiles  " +
        (fraction * 100).toFixed(fraction < 0.1 ? 1 : 0) + "%  " +
        rate(message.pixelsDone, message.elapsedMs) + "  ETA " + (fraction >= 1 ? "0s" : duration(eta));
      break;
    }
    case "written": {
      if (message.generation !== generation) break;
      const t = message.timings;
      el("bar").firstElementChild.style.width = "100%";
      el("timings").textContent = "Wrote " + message.output + " in " + duration(t.totalMs) +
        " (load " + duration(t.loadMs) + ", render " + duration(t.renderMs) + ", " +
        rate(message.width * message.height, t.renderMs) + ", encode " + duration(t.encodeMs) + ")";
      setState("written");
      break;
    }
    case "failed": {
      el("error").textContent = message.message;
      el("status").textContent = generation > 0
        ? "showing the last image written"
        : "no image yet";
      el("timings").textContent = "";
      setState("failed");
      break;
    }
  }
}

function onFrame(buffer) {
  const header = new DataView(buffer, 0, HEADER_BYTES);
  const [frameGeneration, x, y, width, height] = [0, 1, 2, 3, 4].map((i) => header.getUint32(i * 4, true));
  if (frameGeneration !== generation) return;
  const pixels = new Uint8ClampedArray(buffer, HEADER_BYTES, width * height * 4);
  context.putImageData(new ImageData(pixels, width, height), x, y);
  body.dataset.frames = String(++frames);
}

function connect() {
  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/stream");
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) =>
    typeof event.data === "string" ? onMessage(JSON.parse(event.data)) : onFrame(event.data);
  socket.onclose = () => {
    // The CLI stopped (or restarts): keep the image, and come back when it does.
    el("status").textContent = "disconnected from raypool; retrying…";
    setTimeout(connect, 1000);
  };
}
connect();
</script>
</body>
</html>
`;
