/**
 * The Embree comparison of `deno task bench:mesh`: builds `bench/embree_rays.c` against the
 * system's Embree 3 (Debian: `libembree-dev`) with the system's C compiler into a temporary
 * folder at bench time, hands it the scene's triangles, camera and lights, and reads back its
 * timings. Nothing is built or run when either is missing: {@linkcode buildEmbreeRays}
 * then says why, in one line.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** A camera as a scene gives it. */
export interface EmbreeCamera {
  /** The eye. */
  position: [number, number, number];
  /** A point the view direction passes through. */
  lookAt: [number, number, number];
  /** Roughly up. */
  up: [number, number, number];
}

/** A light: directional (`xyz` the way the light travels) or a point (`xyz` its position). */
export interface EmbreeLight {
  /** Which kind. */
  kind: "directional" | "point";
  /** Direction or position. */
  xyz: [number, number, number];
}

/** What `embree_rays` traces: world-space triangles, a camera and the lights. */
export interface EmbreeScene {
  /** Image width: one primary ray per pixel. */
  width: number;
  /** Image height. */
  height: number;
  /** Vertical field of view in degrees. */
  fov: number;
  /** The camera. */
  camera: EmbreeCamera;
  /** Lights: one shadow ray per light per primary hit. */
  lights: EmbreeLight[];
  /** How far along the normal shadow and bounce rays start. */
  bias: number;
  /** x, y, z per vertex, world space. */
  positions: Float32Array;
  /** Three vertex indices per triangle. */
  indices: Uint32Array;
  /** The first this many triangles (the mesh, not the floor) are what the SAH is taken of. */
  sahTriangles: number;
  /** Runs per pass; the best counts. */
  reps: number;
}

/** What `embree_rays` prints (see `bench/embree_rays.c`). */
export interface EmbreeResult {
  /** Embree's version. */
  embree: string;
  /** Triangles traced. */
  triangles: number;
  /** Embree's scene BVH build (high quality, 1 thread). */
  buildMs: number;
  /** One ray per pixel, `rtcIntersect1`. */
  primaryMs: number;
  /** Primary rays traced. */
  primaryRays: number;
  /** Primary rays that hit. */
  primaryHits: number;
  /** One ray per light per primary hit, `rtcOccluded1`. */
  shadowMs: number;
  /** Shadow rays traced. */
  shadowRays: number;
  /** Shadow rays blocked. */
  shadowOccluded: number;
  /** One cosine-distributed bounce ray per primary hit, `rtcIntersect1`. */
  incoherentMs: number;
  /** Bounce rays traced. */
  incoherentRays: number;
  /** Bounce rays that hit. */
  incoherentHits: number;
  /** SAH cost of a binary BVH from Embree's builder API over the mesh's triangles. */
  binarySah: {
    triangles: number;
    cost: number;
    innerNodes: number;
    leaves: number;
    maxLeafSize: number;
    buildMs: number;
  };
}

const MAGIC = "RPEMBR1\0";

/**
 * The scene file `embree_rays` reads (layout in `bench/embree_rays.c`).
 *
 * @example
 * ```ts
 * import { encodeEmbreeScene } from "./embree.ts";
 * import assert from "node:assert/strict";
 * const bytes = encodeEmbreeScene({
 *   width: 4, height: 3, fov: 45, bias: 1e-4, reps: 1, sahTriangles: 1,
 *   camera: { position: [0, 0, 0], lookAt: [0, 0, -1], up: [0, 1, 0] },
 *   lights: [{ kind: "point", xyz: [0, 5, 0] }],
 *   positions: new Float32Array([0, 0, -2, 1, 0, -2, 0, 1, -2]),
 *   indices: new Uint32Array([0, 1, 2]),
 * });
 * assert.equal(bytes.length, 8 + 7 * 4 + 11 * 8 + 4 * 8 + 9 * 4 + 3 * 4);
 * ```
 */
export function encodeEmbreeScene(scene: EmbreeScene): Uint8Array {
  const { positions, indices, lights } = scene;
  const size = 8 + 7 * 4 + 11 * 8 + lights.length * 32 +
    positions.byteLength + indices.byteLength;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  let at = 8;
  for (
    const n of [
      scene.width,
      scene.height,
      positions.length / 3,
      indices.length / 3,
      lights.length,
      scene.reps,
      scene.sahTriangles,
    ]
  ) {
    view.setUint32(at, n, true);
    at += 4;
  }
  const { position, lookAt, up } = scene.camera;
  for (const x of [scene.fov, ...position, ...lookAt, ...up, scene.bias]) {
    view.setFloat64(at, x, true);
    at += 8;
  }
  for (const light of lights) {
    for (const x of [light.kind === "directional" ? 0 : 1, ...light.xyz]) {
      view.setFloat64(at, x, true);
      at += 8;
    }
  }
  for (const x of positions) {
    view.setFloat32(at, x, true);
    at += 4;
  }
  for (const i of indices) {
    view.setUint32(at, i, true);
    at += 4;
  }
  return bytes;
}

/** A built harness, or why there is none. */
export type EmbreeBuild =
  | { kind: "built"; binary: string; buildMs: number }
  | { kind: "skipped"; reason: string };

/**
 * Compiles `bench/embree_rays.c` into `dir` with `cc` (`-O2 -march=native`, linked against
 * `libembree3`), when `/usr/include/embree3/rtcore.h` exists and `cc` runs; both run through
 * `bash`.
 *
 * @example
 * ```ts
 * import { buildEmbreeRays } from "./embree.ts";
 * // Needs --allow-run=bash and a C compiler, so this only defines the call.
 * const build = (dir: string) => buildEmbreeRays(dir);
 * ```
 */
export async function buildEmbreeRays(dir: string): Promise<EmbreeBuild> {
  const header = "/usr/include/embree3/rtcore.h";
  try {
    await Deno.stat(header);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return {
      kind: "skipped",
      reason: `no ${header} (Debian: apt-get install libembree-dev)`,
    };
  }
  const source = fileURLToPath(new URL("./embree_rays.c", import.meta.url));
  const binary = `${dir}/embree_rays`;
  const start = performance.now();
  let output;
  try {
    // Through bash, which the task may run anyway: allowing the binary itself to run would
    // forbid writing (and so removing) the folder it is built in.
    output = await new Deno.Command("bash", {
      args: [
        "-c",
        'exec cc "$@"',
        "cc",
        "-O2",
        "-march=native",
        "-std=c11",
        "-D_DEFAULT_SOURCE",
        "-o",
        binary,
        source,
        "-lembree3",
        "-lm",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    return {
      kind: "skipped",
      reason: `cannot run cc (${
        error instanceof Error ? error.message : String(error)
      }); install a C compiler`,
    };
  }
  if (output.code === 127) {
    return { kind: "skipped", reason: "no C compiler (cc): install gcc" };
  }
  if (!output.success) {
    const lines = new TextDecoder().decode(output.stderr).trim().split("\n");
    return {
      kind: "skipped",
      reason: `cc failed: ${lines.slice(0, 3).join(" | ")}`,
    };
  }
  return { kind: "built", binary, buildMs: performance.now() - start };
}

/**
 * Writes `scene` next to the binary and runs it: one thread, passes timed as the best of
 * `scene.reps`.
 *
 * @example
 * ```ts
 * import { runEmbreeRays } from "./embree.ts";
 * // Needs the binary buildEmbreeRays made, so this only defines the call.
 * const run = (binary: string) => runEmbreeRays;
 * ```
 */
export async function runEmbreeRays(
  binary: string,
  scene: EmbreeScene,
): Promise<EmbreeResult> {
  const file = `${binary}.scene.bin`;
  await Deno.writeFile(file, encodeEmbreeScene(scene));
  try {
    const output = await new Deno.Command("bash", {
      args: ["-c", 'exec "$0" "$@"', binary, file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(
        `embree_rays exited with ${output.code}: ${
          new TextDecoder().decode(output.stderr).trim()
        }`,
      );
    }
    const text = new TextDecoder().decode(output.stdout).trim();
    return JSON.parse(text.split("\n").at(-1) ?? "") as EmbreeResult;
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}
