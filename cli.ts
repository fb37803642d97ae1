/**
 * The raypool command line: renders a scene file to a PNG or JPEG image.
 *
 * ```sh
 * raypool scene.json -o out/scene.png            # installed (see the README)
 * deno task render scene.json -o out/scene.png   # from a clone
 * ```
 *
 * This file is the only part of the CLI that prints or exits; the work is in `src/cli/`.
 * Exit status: 0 written, 1 rendering or writing failed, 2 bad input, 130 interrupted
 * (SIGINT), 143 terminated (SIGTERM).
 *
 * @module
 */

import denoJson from "./deno.json" with { type: "json" };
import { defaultApi } from "./src/cli/api.ts";
import { parseCliArgs } from "./src/cli/args.ts";
import { EXIT_INTERRUPTED, EXIT_OK, exitCodeFor } from "./src/cli/errors.ts";
import { errorMessage as oneLineMessage } from "./src/_errors.ts";
import {
  parseStreamThreshold,
  PNG_STREAM_THRESHOLD_VARIABLE,
} from "./src/cli/limits.ts";
import { ProgressDisplay } from "./src/cli/progress.ts";
import { type RunOptions, runRender } from "./src/cli/run.ts";
import { formatSummaryLine, type RenderSummary } from "./src/cli/summary.ts";
// The farm (its NATS client, stores and zlib) and the live preview (its server) are imported
// only by the commands that use them: a plain render starts its workers sooner without them.
import type { FarmRenderSummary } from "./src/cli/farm.ts";
import { farmNodeUsage } from "./src/cli/farm_args.ts";
import { usage } from "./src/cli/usage.ts";

const encoder = new TextEncoder();

function writeAll(
  stream: typeof Deno.stdout | typeof Deno.stderr,
  text: string,
): void {
  const bytes = encoder.encode(text);
  for (let written = 0; written < bytes.length;) {
    written += stream.writeSync(bytes.subarray(written));
  }
}

/** The signals that stop a render cleanly, with the exit status and message of each. */
const SIGNALS = [
  { signal: "SIGINT", status: EXIT_INTERRUPTED, message: "interrupted" },
  { signal: "SIGTERM", status: 143, message: "terminated" },
] as const;

/** Asking for a permission that was not granted would prompt; without one, it is unset. */
function readEnv(variable: string): string | undefined {
  if (
    Deno.permissions.querySync({ name: "env", variable }).state !== "granted"
  ) return undefined;
  return Deno.env.get(variable);
}

function debugEnabled(): boolean {
  return readEnv("RAYPOOL_DEBUG") === "1";
}

function describeForDebugging(error: unknown): string {
  let text = "";
  for (
    let cause = error, depth = 0;
    cause !== undefined && depth < 5;
    depth++
  ) {
    text += `${depth === 0 ? "" : "caused by: "}${
      cause instanceof Error ? cause.stack ?? cause.message : String(cause)
    }\n`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/**
 * How the CLI was invoked, and so the folder paths are relative to. `deno task render` runs
 * in the repository's folder, and Deno passes the folder the task was started from as
 * `INIT_CWD`; the render task (only it) grants reading that variable, so the scene, its
 * textures and the output are found where the user is. An installed `raypool` is not granted
 * it and runs where it is started.
 */
function invocation(): { command: string; folder?: string } {
  const folder = readEnv("INIT_CWD");
  return folder === undefined || folder === ""
    ? { command: "raypool" }
    : { command: "deno task render", folder };
}

/**
 * How the user grants listening on `host`: the task grants only loopback, so run cli.ts with
 * deno run; the installed command was given its permissions by the install line, so install
 * it again with the address added (it is the user's command, not a deno invocation).
 */
function allowNetHint(command: string, host: string): string {
  return command === "raypool"
    ? `install raypool again with the README's install line, --allow-net=127.0.0.1 changed to --allow-net=127.0.0.1,${host}`
    : `${command} grants only 127.0.0.1; run cli.ts with deno run --allow-net=${host} and the task's other permissions`;
}

/** A pseudo-terminal may report 0 columns; assume the classic 80 then. */
function terminalColumns(): number {
  try {
    const { columns } = Deno.consoleSize();
    return columns > 0 ? columns : 80;
  } catch {
    return 80;
  }
}

/** Runs the CLI with `args` and returns the exit status. */
async function main(args: string[]): Promise<number> {
  const controller = new AbortController();
  // SIGTERM too: `timeout`, `kill` and service managers send it, and a partial file must not
  // be left behind for them either. The exit status is 128 + the signal's number, as shells
  // report it.
  let interruption = { status: EXIT_INTERRUPTED, message: "interrupted" };
  const listeners = SIGNALS.map(({ signal, status, message }) => {
    const listener = () => {
      // A second signal means "now", even if cleaning up is somehow stuck.
      if (controller.signal.aborted) Deno.exit(interruption.status);
      interruption = { status, message };
      controller.abort(new DOMException(message, "AbortError"));
    };
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
  let progress: ProgressDisplay | undefined;
  try {
    const invoked = invocation();
    if (invoked.folder !== undefined) Deno.chdir(invoked.folder);
    const command = parseCliArgs(args);
    if (command.kind === "help") {
      writeAll(Deno.stdout, usage(denoJson.version, invoked.command));
      return EXIT_OK;
    }
    if (command.kind === "version") {
      writeAll(Deno.stdout, `raypool ${denoJson.version}\n`);
      return EXIT_OK;
    }
    if (command.kind === "farm-node-help") {
      writeAll(
        Deno.stdout,
        farmNodeUsage(
          invoked.command === "deno task render"
            ? "deno task farm-node"
            : `${invoked.command} farm-node`,
        ),
      );
      return EXIT_OK;
    }
    const farm = command.kind === "farm-node" ||
        (command.kind === "render" && command.farm !== undefined)
      ? await import("./src/cli/farm.ts")
      : undefined;
    if (command.kind === "farm-node") {
      // A node stops on Ctrl-C or SIGTERM by handing its jobs back: that is success.
      await farm!.runFarmNode(command, {
        signal: controller.signal,
        log: (line) => writeAll(Deno.stderr, `raypool farm-node: ${line}\n`),
      });
      return EXIT_OK;
    }
    const showProgress = !command.quiet && !command.json;
    const threshold = readEnv(PNG_STREAM_THRESHOLD_VARIABLE);
    const runOptions: RunOptions = {
      signal: controller.signal,
      ...(threshold === undefined || threshold === ""
        ? {}
        : { pngStreamThresholdBytes: parseStreamThreshold(threshold) }),
      onStart: ({ scene, output, width, height, workers }) => {
        if (!showProgress) return;
        progress = new ProgressDisplay({
          write: (text) => writeAll(Deno.stderr, text),
          terminal: Deno.stderr.isTerminal(),
          pixelsTotal: width * height,
          columns: terminalColumns,
        });
        progress.start(
          `Rendering ${scene} at ${width}×${height} ${
            command.farm === undefined
              ? `with ${workers} worker${workers === 1 ? "" : "s"}`
              : farm!.describeFarm(command.farm)
          } to ${output}`,
        );
      },
      onProgress: (report) => progress?.update(report),
    };
    const api = () =>
      defaultApi({
        onWarning: (line) => {
          progress?.clear();
          writeAll(Deno.stderr, `raypool: warning: ${line}\n`);
        },
      });
    const report = (summary: RenderSummary) => {
      progress?.clear();
      if (command.json) writeAll(Deno.stdout, `${JSON.stringify(summary)}\n`);
      else if (!command.quiet) {
        const line = "farm" in summary
          ? farm!.formatFarmSummaryLine(summary as FarmRenderSummary)
          : formatSummaryLine(summary);
        writeAll(Deno.stderr, `${line}\n`);
      }
    };
    if (command.preview !== undefined || command.watch) {
      const { runLive } = await import("./src/cli/live.ts");
      const written = await runLive(command, api(), {
        ...runOptions,
        signal: controller.signal,
        allowNetHint: (host) => allowNetHint(invoked.command, host),
        onListening: (url) =>
          writeAll(Deno.stderr, `Preview at ${url} (Ctrl-C to stop)\n`),
        onWritten: report,
        onFailed: (error) => {
          progress?.clear();
          writeAll(Deno.stderr, `raypool: ${oneLineMessage(error)}\n`);
        },
      });
      // Stopped before any image was written: that is an interruption like any other.
      if (!written) throw controller.signal.reason;
      return EXIT_OK;
    }
    const run = farm === undefined ? runRender : farm.runFarmRender;
    if (command.batch === undefined) {
      report(await run(command, api(), runOptions));
      return EXIT_OK;
    }
    // Several files: one set of workers for all (each run would close it), one image each.
    const shared = api();
    try {
      for (const scene of command.batch) {
        report(
          await run(
            { ...command, scene },
            { ...shared, close: undefined },
            runOptions,
          ),
        );
      }
    } finally {
      await shared.close?.();
    }
    return EXIT_OK;
  } catch (error) {
    progress?.clear();
    const code = exitCodeFor(error, controller.signal);
    const interrupted = code === EXIT_INTERRUPTED;
    const message = interrupted ? interruption.message : oneLineMessage(error);
    writeAll(Deno.stderr, `raypool: ${message}\n`);
    if (debugEnabled()) writeAll(Deno.stderr, describeForDebugging(error));
    return interrupted ? interruption.status : code;
  } finally {
    for (const { signal, listener } of listeners) {
      Deno.removeSignalListener(signal, listener);
    }
  }
}

if (import.meta.main) {
  // Exiting also ends any workers an interrupted or failed render left behind.
  Deno.exit(await main(Deno.args));
}
