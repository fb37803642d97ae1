/**
 * The path tracer's CLI flags (`--integrator`, `--max-bounces`, `--environment`, `--tone-map`,
 * `--exposure`): parsed here, applied to a loaded scene's description, which is then checked
 * and its new files (an `.hdr` environment) loaded like any scene's.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import type { Environment, Scene, ToneMapping } from "../types.ts";
import { prepareScene } from "../scene/prepare.ts";
import { InputError } from "../_errors.ts";

/** What the flags ask for; each absent field leaves the scene's own value. */
export interface PathFlags {
  /** `--integrator whitted|path`. */
  integrator?: "whitted" | "path";
  /** `--max-bounces N` (implies `--integrator path`). */
  maxBounces?: number;
  /** `--environment R,G,B|FILE.hdr`. */
  environment?: Environment;
  /** `--tone-map clamp|neutral|aces`. */
  toneMap?: ToneMapping;
  /** `--exposure EV`. */
  exposure?: number;
}

/** The options `parseArgs` needs for these flags. */
export const PATH_OPTIONS = {
  integrator: { type: "string" },
  "max-bounces": { type: "string" },
  environment: { type: "string" },
  "tone-map": { type: "string" },
  exposure: { type: "string" },
} as const;

/** The default bounces when `--integrator path` turns the path tracer on. */
export const DEFAULT_MAX_BOUNCES = 8;

/**
 * Parses the flags' values (strings as `parseArgs` gives them); `undefined` when none is set.
 *
 * @throws {InputError} naming the flag and the bad value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePathFlags } from "./path_flags.ts";
 * const flags = parsePathFlags({ integrator: "path", environment: "1,0.9,0.8", "tone-map": "aces" });
 * assert.deepEqual(flags?.environment, { Color: { red: 1, green: 0.9, blue: 0.8 } });
 * assert.throws(() => parsePathFlags({ "tone-map": "filmic" }), /--tone-map must be clamp, neutral or aces, got "filmic"/);
 * ```
 */
export function parsePathFlags(
  values: Partial<Record<keyof typeof PATH_OPTIONS, string>>,
): PathFlags | undefined {
  const flags: PathFlags = {};
  const integrator = values.integrator;
  if (integrator !== undefined) {
    if (integrator !== "whitted" && integrator !== "path") {
      throw new InputError(
        `--integrator must be whitted or path, got ${
          JSON.stringify(integrator)
        }`,
      );
    }
    flags.integrator = integrator;
  }
  const bounces = values["max-bounces"];
  if (bounces !== undefined) {
    const n = Number(bounces);
    if (!/^\d+$/.test(bounces) || n < 1 || n > 1024) {
      throw new InputError(
        `--max-bounces must be an integer from 1 to 1024, got ${
          JSON.stringify(bounces)
        }`,
      );
    }
    if (flags.integrator === "whitted") {
      throw new InputError("--max-bounces applies to --integrator path only");
    }
    flags.maxBounces = n;
  }
  const env = values.environment;
  if (env !== undefined) {
    if (/\.hdr$/i.test(env)) {
      flags.environment = { Hdr: { path: resolve(env) } };
    } else {
      const parts = env.split(",");
      const rgb = parts.map(Number);
      if (
        parts.length !== 3 || parts.some((p) => p.trim() === "") ||
        rgb.some((v) => !Number.isFinite(v) || v < 0)
      ) {
        throw new InputError(
          `--environment must be R,G,B (three non-negative numbers) or a .hdr file, got ${
            JSON.stringify(env)
          }`,
        );
      }
      flags.environment = {
        Color: { red: rgb[0], green: rgb[1], blue: rgb[2] },
      };
    }
  }
  const tone = values["tone-map"];
  if (tone !== undefined) {
    const map = { clamp: "Clamp", neutral: "Neutral", aces: "Aces" } as const;
    if (!(tone in map)) {
      throw new InputError(
        `--tone-map must be clamp, neutral or aces, got ${
          JSON.stringify(tone)
        }`,
      );
    }
    flags.toneMap = map[tone as keyof typeof map];
  }
  const exposure = values.exposure;
  if (exposure !== undefined) {
    const n = Number(exposure);
    if (exposure.trim() === "" || !Number.isFinite(n) || n < -64 || n > 64) {
      throw new InputError(
        `--exposure must be a number of stops from -64 to 64, got ${
          JSON.stringify(exposure)
        }`,
      );
    }
    flags.exposure = n;
  }
  return Object.keys(flags).length === 0 ? undefined : flags;
}

/**
 * The scene with the flags applied: its description changed, checked again and its files
 * loaded (relative paths against the scene file's folder, as when it was loaded).
 */
export async function applyPathFlags(
  scene: Scene,
  flags: PathFlags,
  sceneFile: string,
  signal?: AbortSignal,
): Promise<Scene> {
  const d = { ...scene.description };
  const current = d.integrator;
  const bounces = flags.maxBounces ??
    (typeof current === "object"
      ? current.Path.max_bounces
      : DEFAULT_MAX_BOUNCES);
  if (flags.integrator === "whitted") d.integrator = "Whitted";
  else if (flags.integrator === "path" || flags.maxBounces !== undefined) {
    d.integrator = { Path: { max_bounces: bounces } };
  }
  if (flags.environment !== undefined) d.environment = flags.environment;
  if (flags.toneMap !== undefined) d.tone_mapping = flags.toneMap;
  if (flags.exposure !== undefined) d.exposure = flags.exposure;
  return await prepareScene(d, {
    baseDir: dirname(resolve(sceneFile)),
    signal,
  });
}
