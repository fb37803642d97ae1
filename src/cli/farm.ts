/**
 * The CLI's render farm: `cli.ts farm-node …` runs a render node, and `cli.ts SCENE --farm URL`
 * renders on the farm with the same output, checks and exit codes as a local render.
 *
 * @module
 */

import { FarmConnectError, parseFarmServer } from "../farm/connection.ts";
import { type FarmNodeEvent, startFarmNode } from "../farm/node.ts";
import { renderBandsOnFarm } from "../farm/submit.ts";
import { PngStreamWriter } from "../png/png_stream_writer.ts";
import { DEFAULT_TILE_SIZE, planBands } from "../render/plan.ts";
import type { RenderCommand } from "./args.ts";
import {
  FARM_CREDS_VARIABLE,
  type FarmNodeCommand,
  type FarmOptions,
} from "./farm_args.ts";
import { writeAtomically, writeFileAtomic } from "./atomic_write.ts";
import { errorMessage as oneLineMessage, InputError } from "../_errors.ts";
import { checkInput, type RaypoolApi, type RunOptions } from "./run.ts";
import { formatDuration, formatRate } from "./format.ts";
import { type RenderSummary, roundTimings } from "./summary.ts";

/** The credentials file: the option, else the environment variable (when readable). */
async function readCredentials(
  option: string | undefined,
  flag: string,
): Promise<Uint8Array | undefined> {
  let path = option;
  if (
    path === undefined &&
    Deno.permissions.querySync({ name: "env", variable: FARM_CREDS_VARIABLE })
        .state === "granted"
  ) {
    const value = Deno.env.get(FARM_CREDS_VARIABLE);
    if (value !== undefined && value !== "") path = value;
  }
  if (path === undefined) return undefined;
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new InputError(
      `${
        option === undefined ? `$${FARM_CREDS_VARIABLE}` : flag
      }: cannot read ${JSON.stringify(path)}: ${
        oneLineMessage(error).replace(/ \(os error \d+\).*$/, "")
      }`,
      { cause: error },
    );
  }
}

/** A connection problem is the user's setup: exit 2. */
function asInputError(error: unknown): unknown {
  return error instanceof FarmConnectError
    ? new InputError(error.message, { cause: error })
    : error;
}

/**
 * A node's event as a log line, or nothing for events not worth a line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatNodeEvent } from "./farm.ts";
 * assert.equal(formatNodeEvent({ kind: "stopped", jobs: 3 }), "node stopped after 3 jobs");
 * ```
 */
export function formatNodeEvent(event: FarmNodeEvent): string | undefined {
  switch (event.kind) {
    case "ready":
      return `node ${event.name} taking jobs from ${event.server} with ${event.workers} worker${
        event.workers === 1 ? "" : "s"
      }`;
    case "job":
      return undefined;
    case "failed":
      return `job ${event.job} of render ${event.renderId} failed: ${event.message}`;
    case "cancelled":
      return `render ${event.renderId} withdrawn`;
    case "trouble":
      return event.message;
    case "stopped":
      return `node stopped after ${event.jobs} job${
        event.jobs === 1 ? "" : "s"
      }`;
    default:
      return `unknown event ${
        JSON.stringify((event as { kind: unknown }).kind)
      }`;
  }
}

/**
 * Runs a render node until `signal` aborts; resolves once it has handed back what it held.
 *
 * @throws {InputError} when the server cannot be reached, refuses the credentials, or the
 * credentials file cannot be read.
 */
export async function runFarmNode(
  command: FarmNodeCommand,
  options: { signal: AbortSignal; log: (line: string) => void },
): Promise<void> {
  const credentials = await readCredentials(command.creds, "--creds");
  const node = await startFarmNode({
    server: command.server,
    ...(credentials === undefined ? {} : { credentials }),
    ...(command.workers === undefined ? {} : { workers: command.workers }),
    ...(command.name === undefined ? {} : { name: command.name }),
    signal: options.signal,
    onEvent: (event) => {
      if (command.quiet) return;
      const line = formatNodeEvent(event);
      if (line !== undefined) options.log(line);
    },
  }).catch((error) => {
    throw asInputError(error);
  });
  await node.finished;
}

/**
 * What a farm render reports: the CLI's usual summary (`workers` is the number of nodes that
 * took part), plus the farm.
 *
 * @example
 * ```ts
 * import type { FarmRenderSummary } from "./farm.ts";
 * const nodes = (s: FarmRenderSummary) => s.farm.nodes.length;
 * ```
 */
export interface FarmRenderSummary extends RenderSummary {
  /** The farm: its server (without credentials), the jobs, and the nodes that took part. */
  farm: { server: string; jobs: number; nodes: string[] };
}

/**
 * How the progress line names a farm.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFarm } from "./farm.ts";
 * assert.equal(
 *   describeFarm({ server: "nats://tok@h:4222", timeoutSeconds: 60 }),
 *   "on the farm at nats://h:4222",
 * );
 * ```
 */
export function describeFarm(farm: FarmOptions): string {
  return `on the farm at ${parseFarmServer(farm.server).display}`;
}

/**
 * The summary line of a farm render.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatFarmSummaryLine } from "./farm.ts";
 * const line = formatFarmSummaryLine({
 *   output: "a.png", width: 1000, height: 1000, workers: 2, tiles: 16,
 *   timings: { loadMs: 1, renderMs: 500, encodeMs: 10, totalMs: 600 },
 *   farm: { server: "nats://h:4222", jobs: 16, nodes: ["a", "b"] },
 * });
 * assert.equal(line, "Wrote a.png: 1000×1000 in 600ms (rendered in 500ms, 2.00 Mpx/s, 2 nodes of nats://h:4222)");
 * ```
 */
export function formatFarmSummaryLine(summary: FarmRenderSummary): string {
  const { output, width, height, timings, farm } = summary;
  const nodes = farm.nodes.length;
  return `Wrote ${output}: ${width}×${height} in ${
    formatDuration(timings.totalMs)
  } (rendered in ${formatDuration(timings.renderMs)}, ${
    formatRate(width * height, timings.renderMs)
  }, ${nodes} node${nodes === 1 ? "" : "s"} of ${farm.server})`;
}

/**
 * Renders a parsed render command on the farm: the same checks, output and atomic write as a
 * local render, and byte for byte the same file.
 *
 * @throws {InputError} for bad input, an unreachable server or refused credentials.
 * @throws {FarmTimeoutError} when no node takes a job within `--farm-timeout`.
 */
export async function runFarmRender(
  command: RenderCommand,
  api: RaypoolApi,
  options: RunOptions = {},
): Promise<FarmRenderSummary> {
  const farm = command.farm;
  if (farm === undefined) throw new TypeError("not a --farm render");
  const { signal, onStart, onProgress } = options;
  const startedAt = performance.now();
  if (command.workers !== undefined) {
    throw new InputError(
      "--workers does not apply to --farm renders: each node uses its own (farm-node --workers)",
    );
  }
  const credentials = await readCredentials(farm.creds, "--farm-creds");
  const {
    output,
    format,
    scene,
    loadedAt,
    width,
    height,
    outputWidth,
    outputHeight,
    streaming,
  } = await checkInput(command, api, options, undefined);
  const region = command.region;
  onStart?.({
    scene: command.scene,
    output,
    width: outputWidth,
    height: outputHeight,
    workers: 0,
  });
  const farmOptions = {
    server: farm.server,
    ...(credentials === undefined ? {} : { credentials }),
    timeoutSeconds: farm.timeoutSeconds,
    tileSize: command.tileSize,
    width,
    height,
    samples: command.samples,
    region,
    signal,
    onProgress,
  };
  const server = parseFarmServer(farm.server).display;

  if (streaming) {
    // The same bands as the local streaming path, so the compressed bytes are the same too.
    const bandRows = planBands({
      region: region ?? { x: 0, y: 0, width, height },
      tileSize: command.tileSize ?? DEFAULT_TILE_SIZE,
    })[0].height;
    const result = await writeAtomically(output, async (write) => {
      const png = new PngStreamWriter(outputWidth, outputHeight, write);
      const result = await renderBandsOnFarm(scene, farmOptions, {
        bandRows,
        onBand: (_y, rgba) => png.writeRows(rgba),
      }).catch((error) => {
        throw asInputError(error);
      });
      await png.finish();
      return result;
    }, { signal });
    const writtenAt = performance.now();
    return {
      output,
      width: outputWidth,
      height: outputHeight,
      workers: result.nodes.length,
      tiles: result.tiles,
      timings: roundTimings({
        loadMs: loadedAt - startedAt,
        renderMs: result.renderMs,
        encodeMs: writtenAt - loadedAt - result.renderMs,
        totalMs: writtenAt - startedAt,
      }),
      farm: { server, jobs: result.jobs, nodes: result.nodes },
    };
  }

  let image: Uint8Array = new Uint8Array(0);
  const result = await renderBandsOnFarm(scene, farmOptions, {
    onBand: (_y, rgba) => {
      image = rgba;
      return Promise.resolve();
    },
  }).catch((error) => {
    throw asInputError(error);
  });
  const renderedAt = performance.now();
  const rendered = { width: outputWidth, height: outputHeight, data: image };
  const bytes = format === "jpeg"
    ? await api.encodeJpeg(rendered, command.quality)
    : await api.encodePng(rendered);
  const encodedAt = performance.now();
  await writeFileAtomic(output, bytes, { signal });
  const writtenAt = performance.now();
  return {
    output,
    width: outputWidth,
    height: outputHeight,
    workers: result.nodes.length,
    tiles: result.tiles,
    timings: roundTimings({
      loadMs: loadedAt - startedAt,
      renderMs: renderedAt - loadedAt,
      encodeMs: encodedAt - renderedAt,
      totalMs: writtenAt - startedAt,
    }),
    farm: { server, jobs: result.jobs, nodes: result.nodes },
  };
}
