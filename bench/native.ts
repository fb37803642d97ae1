/**
 * The native side of the benchmark: the same Rust core built for the host and run by
 * `rust/src/bin/native_render.rs` on the very packed scene bytes the wasm workers read
 * (`packScene` in `src/render/packed_scene.ts`), so both sides render exactly the same scene.
 *
 * @module
 */

import type { View } from "../src/render/plan.ts";

/**
 * Shows a number so that Rust's `f64::from_str` reads back the same value: `String` already
 * gives the shortest round-trip form, but it prints −0 as "0", and the sign of a zero can
 * reach the image through a division.
 *
 * @example
 * ```ts
 * import { showNumber } from "./native.ts";
 * import assert from "node:assert/strict";
 * assert.equal(showNumber(-0), "-0");
 * assert.equal(showNumber(1e-13), "1e-13");
 * assert.equal(Number(showNumber(0.1 + 0.2)), 0.1 + 0.2);
 * ```
 */
export function showNumber(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}

/**
 * How to reach the native binary: every command goes through `scripts/toolchain.sh run`,
 * because the binary links against the toolchain chroot's glibc.
 *
 * @example
 * ```ts
 * import type { NativeToolchain } from "./native.ts";
 * const toolchain: NativeToolchain = { repo: new URL("../", import.meta.url) };
 * ```
 */
export interface NativeToolchain {
  /** The repository root (a directory URL); relative paths are resolved against it. */
  repo: URL;
  /** Receives the build's progress lines; default: dropped. */
  log?: (line: string) => void;
}

/**
 * One native render as `native_render` reports it.
 *
 * @example
 * ```ts
 * import type { NativeRun } from "./native.ts";
 * const run: NativeRun = { width: 8, height: 6, threads: 1, renderMs: 0.5, cpuMs: 10 };
 * ```
 */
export interface NativeRun {
  /** Image width. */
  width: number;
  /** Image height. */
  height: number;
  /** Threads that rendered. */
  threads: number;
  /** Wall time of the render (the scene's load and BVH build excluded). */
  renderMs: number;
  /** The SAH cost of each mesh object's BVH (`Bvh::sah_cost`), when the binary reports it. */
  meshSah?: number[];
  /** CPU time of the whole process (load and build included), if measured. */
  cpuMs: number | null;
}

async function toolchain(
  tc: NativeToolchain,
  args: string[],
): Promise<{ stdout: string; stderr: string; cpuMs: number | null }> {
  // bash's `time` adds up the CPU of the whole process tree (chroot, sh, the binary), which
  // unlike wall time hardly depends on what else the machine is running.
  const output = await new Deno.Command("bash", {
    args: [
      "-c",
      'TIMEFORMAT="raypool-cpu %3U %3S"; time bash scripts/toolchain.sh run "$@"',
      "bench",
      ...args,
    ],
    cwd: tc.repo,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const stdout = decoder.decode(output.stdout);
  let stderr = decoder.decode(output.stderr);
  let cpuMs: number | null = null;
  stderr = stderr.replace(
    /^raypool-cpu ([\d.]+) ([\d.]+)\n?/m,
    (_, user, system) => {
      cpuMs = (Number(user) + Number(system)) * 1000;
      return "";
    },
  );
  if (!output.success) {
    throw new Error(
      `scripts/toolchain.sh run ${args.join(" ")} exited with ${output.code}: ${
        stderr.trim().split("\n").slice(-5).join(" | ")
      }`,
    );
  }
  return { stdout, stderr, cpuMs };
}

/**
 * Builds `native_render` (release, as `rust/Cargo.toml` configures it) and returns how long
 * that took; fast when nothing changed. Rejects with the build's last lines on failure.
 *
 * @example
 * ```ts
 * import { buildNative } from "./native.ts";
 * // Needs root (the chroot) or a local Rust toolchain, so this only defines the call.
 * const build = () => buildNative({ repo: new URL("../", import.meta.url), log: console.error });
 * ```
 */
export async function buildNative(tc: NativeToolchain): Promise<number> {
  const start = performance.now();
  const { stderr } = await toolchain(tc, [
    "sh",
    "-c",
    "cd rust && cargo build --release --bin native_render $RAYPOOL_CARGO_ARGS",
  ]);
  for (const line of stderr.trim().split("\n")) tc.log?.(line);
  return performance.now() - start;
}

/**
 * The command-line arguments that give `native_render` the view of a render (as
 * `planRender` resolved it): size, fov, samples and, for a free camera, its 9 numbers.
 *
 * @example
 * ```ts
 * import { viewArgs } from "./native.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   viewArgs({ width: 8, height: 6, fov: 90, samples: 4, camera: undefined }),
 *   ["--width", "8", "--height", "6", "--fov", "90", "--samples", "4"],
 * );
 * const camera = { position: { x: 0, y: 1, z: -0 }, look_at: { x: 0, y: 0, z: -1 }, up: { x: 0, y: 1, z: 0 } };
 * assert.deepEqual(
 *   viewArgs({ width: 8, height: 6, fov: 60, samples: 1, camera }).slice(8),
 *   ["--camera", "0", "1", "-0", "0", "0", "-1", "0", "1", "0"],
 * );
 * ```
 */
export function viewArgs(view: View): string[] {
  const args = [
    "--width",
    String(view.width),
    "--height",
    String(view.height),
    "--fov",
    showNumber(view.fov),
    "--samples",
    String(view.samples),
  ];
  const c = view.camera;
  if (c !== undefined) {
    args.push(
      "--camera",
      ...[c.position, c.look_at, c.up].flatMap((v) => [v.x, v.y, v.z])
        .map(showNumber),
    );
  }
  return args;
}

/**
 * Runs `native_render` on the packed scene in `scene` (a path relative to the repository
 * root) with the given view and `threads` threads, writing the raw RGBA image to `out` (also
 * relative) when given.
 *
 * @example
 * ```ts
 * import { runNative } from "./native.ts";
 * // Needs the binary built by buildNative, so this only defines the call.
 * const nativeMs = async (scene: string) =>
 *   (await runNative({ repo: new URL("../", import.meta.url) }, {
 *     scene, view: { width: 64, height: 48, fov: 90, samples: 1, camera: undefined }, threads: 2,
 *   })).renderMs;
 * ```
 */
export async function runNative(
  tc: NativeToolchain,
  run: { scene: string; view: View; threads: number; out?: string },
): Promise<NativeRun> {
  const { stdout, cpuMs } = await toolchain(tc, [
    "rust/target/release/native_render",
    run.scene,
    ...viewArgs(run.view),
    "--threads",
    String(run.threads),
    ...(run.out === undefined ? [] : ["--out", run.out]),
  ]);
  const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
  if (typeof result?.renderMs !== "number") {
    throw new Error(`native_render printed ${JSON.stringify(stdout)}`);
  }
  return { ...result, cpuMs } as NativeRun;
}
