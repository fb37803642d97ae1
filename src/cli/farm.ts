/**
 * The CLI's render farm: `cli.ts farm-node …` runs a render node, and `cli.ts SCENE --farm URL`
 * renders on the farm with the same output, checks and exit codes as a local render.
 *
 * @module
 */

import {
  FarmConnectError,
  type FarmConnectionOptions,
  parseFarmServer,
} from "../farm/connection.ts";
import { type FarmNodeEvent, startFarmNode } from "../farm/node.ts";
import { farmBackend } from "../farm/submit.ts";
import { optionOf } from "../render/plan.ts";
import type { RenderCommand } from "./args.ts";
import {
  FARM_CREDS_VARIABLE,
  FARM_PASSWORD_VARIABLE,
  FARM_TOKEN_VARIABLE,
  FARM_USER_VARIABLE,
  type FarmNodeCommand,
  type FarmOptions,
} from "./farm_args.ts";
import { errorMessage as oneLineMessage, InputError } from "../_errors.ts";
import {
  checkInput,
  planErrorMessage,
  type RaypoolApi,
  type RunOptions,
  runPipeline,
} from "./run.ts";
import { formatDuration, formatRate } from "./format.ts";
import type { RenderSummary } from "./summary.ts";

/** An environment variable's value when it may be read and is not empty. */
function readVariable(name: string): string | undefined {
  if (
    Deno.permissions.querySync({ name: "env", variable: name }).state !==
      "granted"
  ) {
    return undefined;
  }
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The farm's secrets from the environment, never from the command line (which `deno task`
 * echoes and `ps` shows): a token, or a user and password, and a credentials file.
 */
async function readSecrets(
  credsOption: string | undefined,
  flag: string,
): Promise<Omit<FarmConnectionOptions, "server">> {
  const credentials = await readCredentials(credsOption, flag);
  const token = readVariable(FARM_TOKEN_VARIABLE);
  const user = readVariable(FARM_USER_VARIABLE);
  const password = readVariable(FARM_PASSWORD_VARIABLE);
  return {
    ...(credentials === undefined ? {} : { credentials }),
    ...(token === undefined ? {} : { token }),
    ...(user === undefined ? {} : { user, password: password ?? "" }),
  };
}

/** The credentials file: the option, else the environment variable (when readable). */
async function readCredentials(
  option: string | undefined,
  flag: string,
): Promise<Uint8Array | undefined> {
  const path = option ?? readVariable(FARM_CREDS_VARIABLE);
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
      // The render's id is a capability (it names the render's subjects): a prefix only.
      return `job ${event.job} of render ${
        event.renderId.slice(0, 6)
      }…: ${event.pixels} pixels in ${formatDuration(event.ms)}`;
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
  const secrets = await readSecrets(command.creds, "--creds");
  const node = await startFarmNode({
    server: command.server,
    ...secrets,
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
  /**
   * The farm: its server (without credentials), the jobs, the nodes that took part, and the
   * results refused (malformed, off the grid, unconfirmed failures).
   */
  farm: { server: string; jobs: number; nodes: string[]; ignored: number };
}

/**
 * How the progress line names a farm.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFarm } from "./farm.ts";
 * assert.equal(
 *   describeFarm({ server: "nats://h:4222", timeoutSeconds: 60 }),
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
 *   farm: { server: "nats://h:4222", jobs: 16, nodes: ["a", "b"], ignored: 0 },
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
  }, ${nodes} node${nodes === 1 ? "" : "s"} of ${farm.server}${
    farm.ignored === 0
      ? ""
      : `; ${farm.ignored} malformed, foreign or unconfirmed result${
        farm.ignored === 1 ? "" : "s"
      } ignored`
  })`;
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
  if (command.workers !== undefined) {
    throw new InputError(
      "--workers does not apply to --farm renders: each node uses its own (farm-node --workers)",
    );
  }
  const secrets = await readSecrets(farm.creds, "--farm-creds");
  const input = await checkInput(command, api, options, undefined);
  const backend = farmBackend({
    server: farm.server,
    ...secrets,
    timeoutSeconds: farm.timeoutSeconds,
  });
  try {
    const { summary, report } = await runPipeline(
      input,
      backend,
      api,
      command,
      options,
    );
    if (report.by.kind !== "farm") throw new TypeError("not a farm report");
    const { server, jobs, nodes, ignored } = report.by;
    return { ...summary, farm: { server, jobs, nodes, ignored } };
  } catch (error) {
    // The user's setup, or an option the farm's server limits (--tile): exit 2.
    if (error instanceof FarmConnectError) {
      throw new InputError(error.message, { cause: error });
    }
    if (optionOf(error) !== undefined) {
      throw new InputError(planErrorMessage(error), { cause: error });
    }
    throw error;
  }
}
