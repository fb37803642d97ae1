/**
 * The CLI's farm options: the `farm-node` subcommand's arguments and a render's `--farm`,
 * `--farm-timeout` and `--farm-creds`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseFarmServer } from "../farm/connection.ts";
import { parseInteger } from "./args.ts";
import { errorMessage as oneLineMessage, InputError } from "../_errors.ts";

/** The environment variable naming a NATS credentials file when `--farm-creds` is absent. */
export const FARM_CREDS_VARIABLE = "RAYPOOL_FARM_CREDS";
/** The environment variable holding the farm server's token. */
export const FARM_TOKEN_VARIABLE = "RAYPOOL_FARM_TOKEN";
/** The environment variable holding the NATS user (per-role users: submitter, node). */
export const FARM_USER_VARIABLE = "RAYPOOL_FARM_USER";
/** The environment variable holding that user's password. */
export const FARM_PASSWORD_VARIABLE = "RAYPOOL_FARM_PASSWORD";

/**
 * `cli.ts farm-node --server URL [--workers N] [--name NAME]`.
 *
 * @example
 * ```ts
 * import type { FarmNodeCommand } from "./farm_args.ts";
 * const command: FarmNodeCommand = { kind: "farm-node", server: "nats://127.0.0.1:4222" };
 * ```
 */
export interface FarmNodeCommand {
  /** Discriminant. */
  kind: "farm-node";
  /** The NATS server URL. */
  server: string;
  /** Render workers. */
  workers?: number;
  /** The node's name. */
  name?: string;
  /** A NATS credentials file. */
  creds?: string;
  /** No log lines. */
  quiet?: boolean;
}

/**
 * The farm options of a render command.
 *
 * @example
 * ```ts
 * import type { FarmOptions } from "./farm_args.ts";
 * const farm: FarmOptions = { server: "nats://127.0.0.1:4222", timeoutSeconds: 60 };
 * ```
 */
export interface FarmOptions {
  /** `--farm URL`. */
  server: string;
  /** `--farm-timeout SECONDS`. */
  timeoutSeconds: number;
  /** `--farm-creds FILE`. */
  creds?: string;
}

/** The options of the `farm-node` subcommand. */
const NODE_OPTIONS = {
  server: { type: "string" },
  workers: { type: "string" },
  name: { type: "string" },
  creds: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * The `farm-node --help` text; `command` is how the node was started (`raypool farm-node`
 * when installed, `deno task farm-node` from a clone).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { farmNodeUsage } from "./farm_args.ts";
 * assert.ok(farmNodeUsage("raypool farm-node").startsWith("Usage: raypool farm-node --server"));
 * ```
 */
export function farmNodeUsage(command: string): string {
  return `Usage: ${command} --server nats://HOST:4222 [options]

Runs a render node: takes tile jobs from the farm's NATS JetStream server, renders them on
this machine's cores and sends the pixels back. Ctrl-C or SIGTERM hands back what it holds
and exits 0.

Options:
      --server URL    nats://HOST:PORT, or tls://… for TLS
      --workers N     render workers (default: all cores, ${navigator.hardwareConcurrency} here)
      --name NAME     the node's name in results and errors (default: hostname-pid)
      --creds FILE    a NATS credentials file (default: $${FARM_CREDS_VARIABLE})
      --quiet         no log lines
  -h, --help          show this help

Secrets come from the environment, never the command line: $${FARM_TOKEN_VARIABLE} (a token),
or $${FARM_USER_VARIABLE} and $${FARM_PASSWORD_VARIABLE} (a user with node permissions).
`;
}

/**
 * Parses the arguments after `farm-node`.
 *
 * @throws {InputError} for an unknown option, a missing `--server` or a bad value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFarmNodeArgs } from "./farm_args.ts";
 * const command = parseFarmNodeArgs(["--server", "nats://127.0.0.1:4222", "--workers", "2"]);
 * assert.deepEqual(command, { kind: "farm-node", server: "nats://127.0.0.1:4222", workers: 2 });
 * assert.throws(() => parseFarmNodeArgs([]), { message: "farm-node needs --server URL" });
 * ```
 */
export function parseFarmNodeArgs(
  args: readonly string[],
): FarmNodeCommand | { kind: "farm-node-help" } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: NODE_OPTIONS,
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    throw new InputError(`farm-node: ${oneLineMessage(error)}`, {
      cause: error,
    });
  }
  if (values.help) return { kind: "farm-node-help" };
  if (values.server === undefined || values.server === "") {
    throw new InputError("farm-node needs --server URL");
  }
  checkServer("--server", values.server);
  const command: FarmNodeCommand = { kind: "farm-node", server: values.server };
  if (values.workers !== undefined) {
    command.workers = parseInteger("--workers", values.workers, 1, 256);
  }
  if (values.name !== undefined) {
    if (!/^[\w.-]{1,64}$/.test(values.name)) {
      throw new InputError(
        `--name must be 1–64 letters, digits, '.', '_' or '-', got ${
          JSON.stringify(values.name)
        }`,
      );
    }
    command.name = values.name;
  }
  if (values.creds !== undefined) command.creds = values.creds;
  if (values.quiet) command.quiet = true;
  return command;
}

/**
 * Parses `--farm`, `--farm-timeout` and `--farm-creds` of a render command.
 *
 * @throws {InputError} naming the option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFarmOptions } from "./farm_args.ts";
 * assert.deepEqual(parseFarmOptions("nats://h:4222", "5", undefined), {
 *   server: "nats://h:4222", timeoutSeconds: 5,
 * });
 * assert.throws(() => parseFarmOptions(undefined, "5", undefined), {
 *   message: "--farm-timeout applies to --farm renders only",
 * });
 * ```
 */
export function parseFarmOptions(
  server: string | undefined,
  timeout: string | undefined,
  creds: string | undefined,
): FarmOptions | undefined {
  if (server === undefined) {
    if (timeout !== undefined) {
      throw new InputError("--farm-timeout applies to --farm renders only");
    }
    if (creds !== undefined) {
      throw new InputError("--farm-creds applies to --farm renders only");
    }
    return undefined;
  }
  checkServer("--farm", server);
  const options: FarmOptions = {
    server,
    timeoutSeconds: timeout === undefined
      ? 60
      : parseInteger("--farm-timeout", timeout, 1, 86_400),
  };
  if (creds !== undefined) {
    if (creds === "") throw new InputError("--farm-creds is empty");
    options.creds = creds;
  }
  return options;
}

function checkServer(option: string, url: string) {
  try {
    parseFarmServer(url);
  } catch (error) {
    throw new InputError(`${option}: ${oneLineMessage(error)}`, {
      cause: error,
    });
  }
}
