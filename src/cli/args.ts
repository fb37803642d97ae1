/**
 * The CLI's command line, parsed with `node:util`'s `parseArgs` and checked strictly: every
 * problem is an {@linkcode InputError} with a message naming the option and the bad value.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { show } from "../_format.ts";
import type { Region } from "../types.ts";
import { InputError } from "../_errors.ts";
import {
  type FarmNodeCommand,
  type FarmOptions,
  parseFarmNodeArgs,
  parseFarmOptions,
} from "./farm_args.ts";
import { parsePathFlags, PATH_OPTIONS, type PathFlags } from "./path_flags.ts";

/** What the user asked for when it is a render. */
export interface RenderCommand {
  /** Discriminant. */
  kind: "render";
  /** The scene file (the first, when several are given). */
  scene: string;
  /**
   * Every scene file, when several are given: each is rendered in turn by the same workers,
   * to its own `<scene name>.png`.
   */
  batch?: string[];
  /** `-o, --output`: the image file; absent means `<scene name>.png`. */
  output?: string;
  /** `--width`: overrides the scene's. */
  width?: number;
  /** `--height`: overrides the scene's. */
  height?: number;
  /** `--workers`: worker count. */
  workers?: number;
  /** `--tile`: tile size in pixels. */
  tileSize?: number;
  /** `--samples`: anti-aliasing samples per pixel, a perfect square. */
  samples?: number;
  /** `--region`: only this rectangle of the full image. */
  region?: Region;
  /** `--quality`: JPEG quality, 1–100. */
  quality?: number;
  /** `--json`: a JSON summary on stdout instead of progress. */
  json: boolean;
  /** `--quiet`: no progress and no summary line. */
  quiet: boolean;
  /** `--preview [PORT]`: serve a live preview page on this port (0: any free one). */
  preview?: number;
  /** `--host`: the address the preview listens on; default 127.0.0.1. */
  host?: string;
  /** `--watch`: render again whenever the scene or a file it uses changes. */
  watch?: boolean;
  /** `--farm URL` and its options: render on a farm instead of here. */
  farm?: FarmOptions;
  /** `--camera N`: which of a glTF model's cameras to look through (0 = the first). */
  camera?: number;
  /** The path tracer's flags (`--integrator`, `--environment`, …). */
  path?: PathFlags;
  /** `--denoise`: filter the path tracer's noise (the render plan's `denoise`). */
  denoise?: boolean;
  /** `--time SECONDS`: render passes of growing sample counts, keep the last that fits. */
  time?: number;
}

/** What the command line asks for. */
export type Command =
  | { kind: "help" }
  | { kind: "version" }
  | RenderCommand
  | FarmNodeCommand
  | { kind: "farm-node-help" };

const OPTIONS = {
  output: { type: "string", short: "o" },
  width: { type: "string" },
  height: { type: "string" },
  workers: { type: "string" },
  tile: { type: "string" },
  samples: { type: "string" },
  region: { type: "string" },
  camera: { type: "string" },
  quality: { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  denoise: { type: "boolean" },
  time: { type: "string" },
  preview: { type: "string" },
  host: { type: "string" },
  watch: { type: "boolean" },
  farm: { type: "string" },
  "farm-timeout": { type: "string" },
  "farm-creds": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  ...PATH_OPTIONS,
} as const;

/**
 * Parses the arguments after `cli.ts`. `--help` and `--version` win over everything else that
 * parses; a render needs exactly one scene file.
 *
 * @throws {InputError} for an unknown option, a missing or bad value, a repeated option, or a
 * missing or extra scene file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCliArgs } from "./args.ts";
 * const command = parseCliArgs(["scene.json", "--width", "640", "--region", "0,0,64,48"]);
 * assert.ok(command.kind === "render" && command.width === 640);
 * assert.ok(command.kind === "render" && command.region?.height === 48);
 * assert.equal(parseCliArgs(["--version"]).kind, "version");
 * const live = parseCliArgs(["--preview", "scene.json", "--watch"]);
 * assert.ok(live.kind === "render" && live.preview === 0 && live.scene === "scene.json");
 * ```
 */
export function parseCliArgs(args: readonly string[]): Command {
  if (args[0] === "farm-node") return parseFarmNodeArgs(args.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: withPreviewPort(joinNegativeNumbers(args)),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new InputError(describeParseError(error, args), { cause: error });
  }
  const { values, positionals, tokens } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };

  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (seen.has(token.name)) {
      throw new InputError(`--${token.name} is given more than once`);
    }
    seen.add(token.name);
  }
  if (positionals.length === 0) {
    throw new InputError("no scene file given (try --help)");
  }
  const scene = positionals[0];
  if (positionals.some((file) => file === "")) {
    throw new InputError("the scene file name is empty");
  }
  if (positionals.length > 1) {
    if (values.output !== undefined) {
      throw new InputError(
        `--output names one image, and ${positionals.length} scene files are given (each is written to <scene name>.png)`,
      );
    }
    for (const single of ["preview", "watch", "farm"] as const) {
      if (values[single] !== undefined) {
        throw new InputError(
          `--${single} takes one scene file, and ${positionals.length} are given`,
        );
      }
    }
  }
  if (values.output === "") throw new InputError("--output is empty");

  const command: RenderCommand = {
    kind: "render",
    scene,
    json: values.json ?? false,
    quiet: values.quiet ?? false,
  };
  if (positionals.length > 1) command.batch = [...positionals];
  if (values.output !== undefined) command.output = values.output;
  if (values.denoise) command.denoise = true;
  if (values.time !== undefined) {
    const seconds = Number(values.time);
    if (
      values.time.trim() === "" || !Number.isFinite(seconds) || seconds <= 0
    ) {
      throw new InputError(
        `--time must be a positive number of seconds, got ${
          JSON.stringify(values.time)
        }`,
      );
    }
    command.time = seconds;
  }
  // Syntax only: the render plan checks every limit (and names the flag).
  if (values.width !== undefined) {
    command.width = parseWhole("--width", values.width);
  }
  if (values.height !== undefined) {
    command.height = parseWhole("--height", values.height);
  }
  if (values.workers !== undefined) {
    command.workers = parseWhole("--workers", values.workers);
  }
  if (values.tile !== undefined) {
    command.tileSize = parseWhole("--tile", values.tile);
  }
  if (values.samples !== undefined) {
    command.samples = parseWhole("--samples", values.samples);
  }
  if (values.region !== undefined) command.region = parseRegion(values.region);
  if (values.quality !== undefined) {
    command.quality = parseInteger("--quality", values.quality, 1, 100);
  }
  if (values.camera !== undefined) {
    if (!/\.(glb|gltf)$/i.test(scene)) {
      throw new InputError(
        `--camera applies to glTF models (.glb, .gltf), and ${scene} is not one`,
      );
    }
    command.camera = parseInteger("--camera", values.camera, 0, 65_535);
  }
  if (values.preview !== undefined) {
    command.preview = values.preview === PREVIEW_ANY_PORT
      ? 0
      : parseInteger("--preview", values.preview, 0, 65_535);
  }
  if (values.host !== undefined) {
    if (command.preview === undefined) {
      throw new InputError("--host applies to --preview only");
    }
    if (!/^[0-9A-Za-z.:\-\[\]]+$/.test(values.host)) {
      throw new InputError(
        `--host must be a host name or address, got ${show(values.host)}`,
      );
    }
    command.host = values.host.replace(/^\[(.*)\]$/, "$1");
  }
  if (values.watch) command.watch = true;
  const path = parsePathFlags(values);
  if (path !== undefined) command.path = path;
  const farm = parseFarmOptions(
    values.farm,
    values["farm-timeout"],
    values["farm-creds"],
  );
  if (farm !== undefined) command.farm = farm;
  if (
    command.farm !== undefined &&
    (command.preview !== undefined || command.watch)
  ) {
    throw new InputError(
      "--farm cannot be combined with --preview or --watch",
    );
  }
  return command;
}

/** What a bare `--preview` (no port after it) is rewritten to before parsing. */
const PREVIEW_ANY_PORT = "";

/**
 * `--preview` takes an optional port, which `parseArgs` cannot express: a port right after it
 * (digits only) is its value, anything else (the scene file, another option) is not.
 */
function withPreviewPort(args: readonly string[]): string[] {
  const result: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") {
      result.push(...args.slice(i));
      break;
    }
    if (args[i] !== "--preview") {
      result.push(args[i]);
    } else if (/^[0-9]+$/.test(args[i + 1] ?? "")) {
      result.push(`--preview=${args[++i]}`);
    } else {
      result.push(`--preview=${PREVIEW_ANY_PORT}`);
    }
  }
  return result;
}

/**
 * Parses a whole decimal integer within `[min, max]`; no signs, fractions, exponents or spaces.
 *
 * @throws {InputError} naming `name` and the value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseInteger } from "./args.ts";
 * assert.equal(parseInteger("--quality", "90", 1, 100), 90);
 * ```
 */
export function parseInteger(
  name: string,
  text: string,
  min: number,
  max: number,
): number {
  // A sign is parsed so that "-5" is reported as out of range, not as not a number.
  const value = /^-?[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value)) {
    throw new InputError(`${name} must be a whole number, got ${show(text)}`);
  }
  if (value < min || value > max) {
    throw new InputError(
      `${name} must be between ${min} and ${max}, got ${text}`,
    );
  }
  return value;
}

/**
 * Parses a whole decimal number, sign allowed; no fractions, exponents or spaces. Its range is
 * the render plan's to check.
 *
 * @throws {InputError} naming `name` and the text when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWhole } from "./args.ts";
 * assert.equal(parseWhole("--width", "-5"), -5);
 * assert.throws(() => parseWhole("--width", "1e3"), { message: '--width must be a whole number, got "1e3"' });
 * ```
 */
export function parseWhole(name: string, text: string): number {
  if (!/^-?[0-9]+$/.test(text)) {
    throw new InputError(`${name} must be a whole number, got ${show(text)}`);
  }
  return Number(text);
}

/**
 * Parses `--region x,y,w,h`: four whole numbers. Their ranges, and whether the region fits the
 * image, are the render plan's to check.
 *
 * @throws {InputError} unless it is four whole numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRegion } from "./args.ts";
 * const region = parseRegion("10,20,30,40");
 * assert.deepEqual(region, { x: 10, y: 20, width: 30, height: 40 });
 * ```
 */
export function parseRegion(text: string): Region {
  const parts = text.split(",");
  if (parts.length !== 4) {
    throw new InputError(
      `--region must be x,y,width,height, got ${show(text)}`,
    );
  }
  const [x, y, width, height] = parts.map((part, i) =>
    parseWhole(`--region ${["x", "y", "width", "height"][i]}`, part.trim())
  );
  return { x, y, width, height };
}

/**
 * parseArgs takes `--width -5` for an option missing its value followed by an option `-5`;
 * joined as `--width=-5`, the value reaches the check that says what is wrong with it.
 */
function joinNegativeNumbers(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (
      /^--[\w-]+$/.test(args[i]) && next !== undefined &&
      /^-[0-9.]/.test(next)
    ) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  return joined;
}

/** parseArgs' own messages are long and suggest `--` tricks; these name just the option. */
function describeParseError(error: unknown, args: readonly string[]): string {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
  const option = /--[\w-]+/.exec(quoted)?.[0] ?? /-\w/.exec(quoted)?.[0] ??
    "an option";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option} (try --help)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (message.includes("does not take an argument")) {
        return `${option} does not take a value`;
      }
      if (message.includes("ambiguous")) {
        const next = args[args.indexOf(quoted) + 1] ?? "";
        const long = /--[\w-]+/.exec(message.split("\n")[2] ?? "")?.[0] ??
          option;
        return `${option} needs a value, and ${
          show(next)
        } looks like an option; ` +
          `if it is the value, write ${long}=${next}`;
      }
      return `${option} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${option}`;
    default:
      return message.split("\n")[0];
  }
}
