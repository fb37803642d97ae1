/**
 * Running `cli.ts` as a subprocess, the way a user would: the repository's root, the render
 * task's permissions, and the command. Shared by the tests (through
 * `tests/fixtures/cli/helpers.ts`), the farm's test nodes and the farm benchmark.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { DENO } from "./process.ts";

/** The repository's root, where `cli.ts` and `deno.json` are. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The permissions of `deno task render`, with writing narrowed to `out/`. */
export const PERMISSIONS = [
  "--allow-read",
  `--allow-write=${ROOT}out`,
  `--allow-ffi=${ROOT}node_modules/.deno/imagescript@1.3.1`,
  "--allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG",
];

/** How to run the CLI: permissions, extra environment, working folder. */
export interface CliOptions {
  /** Permission flags; default {@linkcode PERMISSIONS}. */
  permissions?: string[];
  /** Environment variables to add. */
  env?: Record<string, string>;
  /** The working folder; default the root, so that relative paths in tests work. */
  cwd?: string;
}

/**
 * The `Deno.Command` running `cli.ts` with `args` from the root, `RAYPOOL_DEBUG` unset, with the
 * Deno running the tests (not a `deno` from `PATH`, which may be another or none).
 */
export function cliCommand(
  args: string[],
  options: CliOptions = {},
): Deno.Command {
  return new Deno.Command(DENO, {
    args: [
      "run",
      "--no-prompt",
      ...(options.permissions ?? PERMISSIONS),
      `${ROOT}cli.ts`,
      ...args,
    ],
    cwd: options.cwd ?? ROOT,
    env: { RAYPOOL_DEBUG: "", NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}
