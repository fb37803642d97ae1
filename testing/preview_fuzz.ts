/**
 * The preview-server fuzzer (issue 19): one preview server and broadcaster, and seeded cases
 * of what peers send it — pages that complete the WebSocket handshake and never read, more of
 * them than the server allows, connections that send garbage or half a request and stall,
 * requests with a wrong `Host` or `Origin` — while renders of random sizes paint, finish and
 * fail. After each case the server must still answer its page, hold no more pages than its
 * limit, let every page go once closed, and stay under a memory limit; each case has a time
 * limit.
 *
 * @module
 */

import { Random } from "./scene_fuzz.ts";
import { PreviewBroadcaster } from "../src/preview/broadcaster.ts";
import { PreviewServer } from "../src/preview/server.ts";

/** Options for {@linkcode previewFuzz}. */
export interface PreviewFuzzOptions {
  seed: number;
  cases: number;
  /** Time limit of one case. Default 20 s. */
  timeoutMs?: number;
  /** The process's resident size must stay under this. Default 1.5 GB. */
  memoryLimit?: number;
  every?: number;
  onProgress?: (report: PreviewFuzzReport) => void;
}

/** Counts of a preview run. */
export interface PreviewFuzzReport {
  seed: number;
  cases: number;
  ok: number;
  failure: number;
  /** Silent pages opened (those over the limit refused) and garbage connections, over the run. */
  pages: number;
  garbage: number;
  failures: { index: number; reason: string }[];
}

const MAX_CLIENTS = 16;
const encoder = new TextEncoder();

function handshake(host: string, origin = `http://${host}`): string {
  return `GET /stream HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

async function connect(
  url: URL,
  text: string | Uint8Array,
): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({
    hostname: url.hostname,
    port: Number(url.port),
  });
  await conn.write(typeof text === "string" ? encoder.encode(text) : text);
  return conn;
}

async function within<T>(
  ms: number,
  work: Promise<T>,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<T>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: over ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the cases; the server and broadcaster live for the whole run. */
export async function previewFuzz(
  options: PreviewFuzzOptions,
): Promise<PreviewFuzzReport> {
  const { seed, cases, timeoutMs = 20_000, memoryLimit = 1.5e9, every = 100 } =
    options;
  const report: PreviewFuzzReport = {
    seed,
    cases: 0,
    ok: 0,
    failure: 0,
    pages: 0,
    garbage: 0,
    failures: [],
  };
  const broadcaster = new PreviewBroadcaster({ intervalMs: 20 });
  const server = PreviewServer.start({ broadcaster, maxClients: MAX_CLIENTS });
  const url = new URL(server.url);
  try {
    for (let index = 0; index < cases; index++) {
      const r = new Random((seed ^ Math.imul(index + 1, 0x85ebca77)) >>> 0);
      const conns: Deno.TcpConn[] = [];
      let reason: string | undefined;
      try {
        await within(
          timeoutMs,
          runCase(r, url, broadcaster, conns, report),
          "the case",
        );
        if (broadcaster.clients > MAX_CLIENTS) {
          reason =
            `${broadcaster.clients} pages, over the limit of ${MAX_CLIENTS}`;
        }
        const page = await within(
          timeoutMs,
          fetch(url),
          "the page while pages are silent",
        );
        await page.body?.cancel();
        if (page.status !== 200) reason ??= `the page answered ${page.status}`;
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      } finally {
        for (const conn of conns) {
          try {
            conn.close();
          } catch {
            // Closed already.
          }
        }
      }
      try {
        await within(
          timeoutMs,
          (async () => {
            while (broadcaster.clients > 0) {
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
          })(),
          "pages let go after they closed",
        );
      } catch (error) {
        reason ??= (error as Error).message;
      }
      const rss = Deno.memoryUsage().rss;
      if (rss > memoryLimit) reason ??= `resident ${rss} bytes`;
      report.cases++;
      if (reason === undefined) report.ok++;
      else {
        report.failure++;
        if (report.failures.length < 20) {
          report.failures.push({ index, reason });
        }
      }
      if (options.onProgress !== undefined && (index + 1) % every === 0) {
        options.onProgress(report);
      }
    }
  } finally {
    await server.close();
    broadcaster.close();
  }
  return report;
}

async function runCase(
  r: Random,
  url: URL,
  broadcaster: PreviewBroadcaster,
  conns: Deno.TcpConn[],
  report: PreviewFuzzReport,
): Promise<void> {
  const steps = r.int(1, 6);
  for (let step = 0; step < steps; step++) {
    switch (r.int(0, 4)) {
      case 0: {
        // Silent pages, sometimes more than the limit.
        const count = r.int(1, MAX_CLIENTS + 4);
        for (let i = 0; i < count; i++) {
          conns.push(await connect(url, handshake(url.host)));
          report.pages++;
        }
        break;
      }
      case 1: {
        // Garbage, half requests, wrong Host or Origin: sent, then left stalled.
        const kind = r.int(0, 4);
        const text = kind === 0
          ? new Uint8Array(r.int(1, 4096)).map(() => r.int(0, 255))
          : kind === 1
          ? handshake(url.host).slice(0, r.int(1, 100))
          : kind === 2
          ? handshake("evil.example:80")
          : kind === 3
          ? handshake(url.host, "http://evil.example")
          : `GET /${
            "a".repeat(r.int(1, 20000))
          } HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`;
        conns.push(await connect(url, text));
        report.garbage++;
        break;
      }
      case 2: {
        // A render: a random size, some tiles, progress, then written or failed.
        const width = r.int(1, 2048);
        const height = r.int(1, 2048);
        broadcaster.begin({
          scene: "s.json",
          output: "s.png",
          width,
          height,
          workers: 1,
        });
        const tile = r.int(16, 512);
        for (let y = 0; y < height; y += tile) {
          for (let x = 0; x < width; x += tile) {
            if (!r.chance(0.7)) continue;
            const w = Math.min(tile, width - x);
            const h = Math.min(tile, height - y);
            broadcaster.tile({
              x,
              y,
              width: w,
              height: h,
              pixels: new Uint8Array(w * h * 4).fill(r.int(0, 255)),
            });
          }
        }
        broadcaster.progress({
          tilesDone: 1,
          tilesTotal: 2,
          pixelsDone: 1,
          elapsedMs: 1,
        });
        if (r.chance(0.8)) {
          broadcaster.written({
            loadMs: 1,
            renderMs: 1,
            encodeMs: 1,
            totalMs: 3,
          });
        } else broadcaster.failed("the render failed: fuzz");
        break;
      }
      case 3: {
        // Some pages leave.
        for (let i = conns.length - 1; i >= 0; i--) {
          if (r.chance(0.5)) {
            conns[i].close();
            conns.splice(i, 1);
          }
        }
        break;
      }
      default:
        await new Promise((resolve) => setTimeout(resolve, r.int(0, 60)));
    }
  }
  // Let the server take it all in.
  await new Promise((resolve) => setTimeout(resolve, 30));
}
