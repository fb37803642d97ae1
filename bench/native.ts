/**
 * The native side of the benchmark: the same Rust core built for the host and run by
 * `rust/src/bin/native_render.rs`, fed a "call script" recorded from the very builder calls
 * the wasm workers make (`buildScene` in `src/render/scene_to_wasm.ts`), so both sides render
 * exactly the same scene.
 *
 * @module
 */

import type {
  PackedScene,
  SceneBuilderLike,
} from "../src/render/scene_to_wasm.ts";
import { buildScene } from "../src/render/scene_to_wasm.ts";

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
 * Records the builder calls of {@linkcode buildScene} as the lines of a `native_render` call
 * script. Texture pixels are handed to `saveTexture`, which returns the path the script
 * should name (relative to the script's folder); it must save them before the script runs.
 *
 * @example
 * ```ts
 * import { callScript } from "./native.ts";
 * import { packScene } from "../src/render/scene_to_wasm.ts";
 * import assert from "node:assert/strict";
 * const packed = packScene({
 *   description: {
 *     width: 4, height: 3, fov: 90, shadow_bias: 1e-13, max_recursion_depth: 10,
 *     elements: [{ Sphere: {
 *       center: { x: 0, y: 0, z: -5 }, radius: 1,
 *       material: { coloration: { Color: { red: 1, green: 0, blue: 0 } }, albedo: 0.18, surface: "Diffuse" as const },
 *     } }],
 *     lights: [],
 *   },
 *   textures: new Map(),
 * }, { width: 8, height: 6, samples: 1 });
 * const script = callScript(packed, () => "unused.rgba");
 * assert.deepEqual(script.split("\n").slice(0, 4), [
 *   "scene 8 6 90 1e-13 10",
 *   "samples 1",
 *   "material 0 1 0 0 0 0.18 0 0 0",
 *   "sphere 0 0 -5 1 0",
 * ]);
 * ```
 */
export function callScript(
  packed: PackedScene,
  saveTexture: (index: number, rgba: Uint8Array) => string,
): string {
  const lines: string[] = [];
  const line = (call: string, values: readonly number[]) =>
    lines.push([call, ...values.map(showNumber)].join(" "));
  let textures = 0;
  let materials = 0;
  // Ids are handed out in call order, which is how native_render numbers them too.
  class Recorder implements SceneBuilderLike<string> {
    constructor(...values: number[]) {
      line("scene", values);
    }
    set_camera(...values: number[]) {
      line("camera", values);
    }
    set_samples(samples: number) {
      line("samples", [samples]);
    }
    add_texture(width: number, height: number, rgba: Uint8Array) {
      const id = textures++;
      const path = saveTexture(id, rgba);
      if (/\s/.test(path)) {
        throw new Error(`texture path ${JSON.stringify(path)} has whitespace`);
      }
      lines.push(`texture ${width} ${height} ${path}`);
      return id;
    }
    add_material(...values: number[]) {
      line("material", values);
      return materials++;
    }
    add_sphere(...values: number[]) {
      line("sphere", values);
    }
    add_plane(...values: number[]) {
      line("plane", values);
    }
    add_directional_light(...values: number[]) {
      line("directional", values);
    }
    add_spherical_light(...values: number[]) {
      line("spherical", values);
    }
    build() {
      return lines.join("\n") + "\n";
    }
    free() {}
  }
  return buildScene(Recorder, packed);
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
 * Runs `native_render` on `script` (a path relative to the repository root) with `threads`
 * threads, writing the raw RGBA image to `out` (also relative) when given.
 *
 * @example
 * ```ts
 * import { runNative } from "./native.ts";
 * // Needs the binary built by buildNative, so this only defines the call.
 * const nativeMs = async (script: string) =>
 *   (await runNative({ repo: new URL("../", import.meta.url) }, script, 2)).renderMs;
 * ```
 */
export async function runNative(
  tc: NativeToolchain,
  script: string,
  threads: number,
  out?: string,
): Promise<NativeRun> {
  const { stdout, cpuMs } = await toolchain(tc, [
    "rust/target/release/native_render",
    script,
    "--threads",
    String(threads),
    ...(out === undefined ? [] : ["--out", out]),
  ]);
  const run = JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
  if (typeof run?.renderMs !== "number") {
    throw new Error(`native_render printed ${JSON.stringify(stdout)}`);
  }
  return { ...run, cpuMs } as NativeRun;
}
