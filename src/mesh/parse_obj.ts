import { Scanner } from "./_scanner.ts";
import { Float64List, Int32List } from "./_grow.ts";
import { finishMesh } from "./_finish.ts";
import { MAX_MESH_TRIANGLES, type MeshLimits } from "./limits.ts";
import type { MeshData } from "../types.ts";
import { yielder } from "../_abort.ts";
import { isF32Finite } from "../scene/limits.ts";

/** Statements (and face corners) parsed between two checks of the clock and the signal. */
const CHECK_EVERY = 4096;

const HASH = 0x23;
const SLASH = 0x2f;
const LF = 0x0a;
const V = 0x76;
const F = 0x66;
const T = 0x74;
const N = 0x6e;

/**
 * Parses a Wavefront OBJ file: `v`, `vt`, `vn` and `f` statements (corners as `v`, `v/vt`,
 * `v//vn` or `v/vt/vn`, 1-based or negative, relative to the end of the list so far);
 * polygons are fan-triangulated; every other statement (`o`, `g`, `s`, `mtllib`, `usemtl`,
 * `l`, …) is ignored. Normals and texture coordinates are kept only when every corner has
 * them, and each distinct corner combination becomes one vertex. Triangles without area are
 * dropped and counted in `degenerate`. Lines end in LF, CR LF or CR.
 *
 * The work is bounded by the file's size (every step reads at least one byte, and the
 * triangle limit is checked before a polygon is stored), and it yields to the event loop
 * every 20 ms or so, so that `options.signal` (and a Ctrl-C) acts promptly.
 *
 * @param bytes The file's contents (not gzipped).
 * @param name The file name used in messages, e.g. `bunny.obj`.
 * @param options Tighter limits than the defaults ({@linkcode MAX_MESH_TRIANGLES}), if wanted,
 * and a signal that stops the work.
 * @returns The mesh.
 * @throws {SyntaxError} A malformed statement: `bunny.obj:12: vertex y must be a number, got "a"`
 * (control bytes in the quoted text escaped: `"\x00"`).
 * @throws {RangeError} An index out of range (`bunny.obj:1234: face index 5000 out of range
 * (1..3674)`), a coordinate that is not finite as an f32, more than {@linkcode MAX_MESH_TRIANGLES}
 * triangles, or no triangles.
 *
 * @example Usage
 * ```ts
 * import { parseObj } from "./parse_obj.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4\n";
 * const mesh = await parseObj(new TextEncoder().encode(text), "quad.obj");
 * assert.deepEqual([...mesh.indices], [0, 1, 2, 0, 2, 3]);
 * ```
 */
export async function parseObj(
  bytes: Uint8Array,
  name: string,
  options: MeshLimits & { signal?: AbortSignal } = {},
): Promise<MeshData> {
  const maxTriangles = options.maxTriangles ?? MAX_MESH_TRIANGLES;
  const pause = yielder(options.signal, `parsing ${name}`);
  let work = 0;
  const s = new Scanner(bytes, name);
  const positions = new Float64List(3 * 1024);
  const normals = new Float64List();
  const uvs = new Float64List();
  // Per triangle corner: position, texture and normal index (0-based; -1 when absent).
  const cornerV = new Int32List(3 * 1024);
  const cornerT = new Int32List(3 * 1024);
  const cornerN = new Int32List(3 * 1024);
  // One polygon's corners before fan triangulation.
  const polyV: number[] = [];
  const polyT: number[] = [];
  const polyN: number[] = [];
  let triangles = 0;
  const b = bytes;

  const index = (what: string, count: number): number => {
    const raw = s.int();
    if (Number.isNaN(raw)) throw s.numberError(what);
    const resolved = raw > 0 ? raw - 1 : count + raw;
    if (raw === 0 || resolved < 0 || resolved >= count) {
      const range = count === 0
        ? "none defined yet"
        : raw < 0
        ? `${-count}..-1`
        : `1..${count}`;
      throw s.rangeError(`${what} ${raw} out of range (${range})`);
    }
    return resolved;
  };

  // Every number is stored as an f32 by the core (src/scene/limits.ts).
  const coordinate = (what: string): number => {
    const x = s.float();
    if (Number.isNaN(x)) throw s.numberError(what);
    if (!isF32Finite(x)) throw s.rangeOfF32Error(what);
    return x;
  };

  while (true) {
    if (++work >= CHECK_EVERY) {
      work = 0;
      await pause();
    }
    s.skipWhitespace();
    if (s.done) break;
    const c0 = b[s.pos];
    const c1 = b[s.pos + 1];
    const blank2 = c1 === 0x20 || c1 === 0x09;
    if (c0 === V && blank2) {
      s.pos += 2;
      positions.push3(
        coordinate("vertex x"),
        coordinate("vertex y"),
        coordinate("vertex z"),
      );
    } else if (
      c0 === V && c1 === N && (b[s.pos + 2] === 0x20 || b[s.pos + 2] === 0x09)
    ) {
      s.pos += 3;
      normals.push3(
        coordinate("normal x"),
        coordinate("normal y"),
        coordinate("normal z"),
      );
    } else if (
      c0 === V && c1 === T && (b[s.pos + 2] === 0x20 || b[s.pos + 2] === 0x09)
    ) {
      s.pos += 3;
      const u = coordinate("texture u");
      const v = s.atLineEnd() ? 0 : coordinate("texture v");
      uvs.push3(u, v, 0);
    } else if (c0 === F && blank2) {
      s.pos += 2;
      polyV.length = polyT.length = polyN.length = 0;
      while (!s.atLineEnd()) {
        polyV.push(index("face index", positions.length / 3));
        let t = -1;
        let n = -1;
        if (s.accept(SLASH)) {
          if (b[s.pos] !== SLASH) t = index("texture index", uvs.length / 3);
          if (s.accept(SLASH)) n = index("normal index", normals.length / 3);
        }
        polyT.push(t);
        polyN.push(n);
        if (triangles + polyV.length - 2 > maxTriangles) {
          throw s.rangeError(
            `more than ${maxTriangles} triangles (the limit for one mesh)`,
          );
        }
        if (++work >= CHECK_EVERY) {
          work = 0;
          await pause();
        }
        const next = b[s.pos];
        if (
          next !== undefined && next !== 0x20 && next !== 0x09 &&
          next !== 0x0d && next !== LF
        ) {
          throw s.syntaxError(
            `face corner must be v, v/vt, v//vn or v/vt/vn, got "${s.token()}"`,
          );
        }
      }
      if (polyV.length < 3) {
        throw s.syntaxError(
          `a face needs at least 3 corners, got ${polyV.length}`,
        );
      }
      triangles += polyV.length - 2;
      if (triangles > maxTriangles) {
        throw s.rangeError(
          `more than ${maxTriangles} triangles (the limit for one mesh)`,
        );
      }
      for (let i = 1; i + 1 < polyV.length; i++) {
        for (const k of [0, i, i + 1]) {
          cornerV.push(polyV[k]);
          cornerT.push(polyT[k]);
          cornerN.push(polyN[k]);
        }
      }
      continue;
    } else if (c0 !== HASH) {
      // Any other statement (o, g, s, mtllib, usemtl, l, p, vp, …) is ignored.
      s.skipLine();
      continue;
    } else {
      s.skipLine();
      continue;
    }
    if (!s.atLineEnd()) {
      // Extra numbers (a `w`, or vertex colours after x y z) are allowed and ignored.
      s.skipLine();
    }
  }
  return await assemble(
    pause,
    name,
    positions.view(),
    normals.view(),
    uvs.view(),
    cornerV.view(),
    cornerT.view(),
    cornerN.view(),
  );
}

/** One vertex per distinct (position, texture, normal) corner, and the triangles over them. */
async function assemble(
  pause: () => Promise<void>,
  name: string,
  positions: Float64Array,
  normals: Float64Array,
  uvs: Float64Array,
  cornerV: Int32Array,
  cornerT: Int32Array,
  cornerN: Int32Array,
): Promise<MeshData> {
  const corners = cornerV.length;
  const useNormals = corners > 0 && cornerN.every((n) => n >= 0);
  const useUvs = corners > 0 && cornerT.every((t) => t >= 0);
  if (!useNormals && !useUvs) {
    return await finishMesh(name, positions, new Uint32Array(cornerV), pause);
  }
  // An open-addressing table from (position, texture, normal) to the vertex made for it:
  // expected O(1) per corner however the corners share positions.
  let size = 1024;
  while (size < 2 * corners) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size).fill(-1);
  const keyV = new Int32Array(corners);
  const keyT = new Int32Array(corners);
  const keyN = new Int32Array(corners);
  const indices = new Uint32Array(corners);
  let made = 0;
  for (let i = 0; i < corners; i++) {
    if ((i & 0xffff) === 0xffff) await pause();
    const v = cornerV[i];
    const t = useUvs ? cornerT[i] : -1;
    const n = useNormals ? cornerN[i] : -1;
    let h = Math.imul(v, 0x9e3779b1) ^ Math.imul(t + 1, 0x85ebca77) ^
      Math.imul(n + 1, 0xc2b2ae3d);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h = (h ^ (h >>> 13)) & mask;
    let found = -1;
    for (;;) {
      const k = table[h];
      if (k < 0) break;
      if (keyV[k] === v && keyT[k] === t && keyN[k] === n) {
        found = k;
        break;
      }
      h = (h + 1) & mask;
    }
    if (found < 0) {
      found = made++;
      keyV[found] = v;
      keyT[found] = t;
      keyN[found] = n;
      table[h] = found;
    }
    indices[i] = found;
  }
  const outPositions = new Float64Array(3 * made);
  const outNormals = useNormals ? new Float32Array(3 * made) : undefined;
  const outUvs = useUvs ? new Float32Array(2 * made) : undefined;
  for (let k = 0; k < made; k++) {
    const v = keyV[k];
    outPositions[3 * k] = positions[3 * v];
    outPositions[3 * k + 1] = positions[3 * v + 1];
    outPositions[3 * k + 2] = positions[3 * v + 2];
    if (outNormals) {
      const n = keyN[k];
      outNormals[3 * k] = normals[3 * n];
      outNormals[3 * k + 1] = normals[3 * n + 1];
      outNormals[3 * k + 2] = normals[3 * n + 2];
    }
    if (outUvs) {
      const t = keyT[k];
      outUvs[2 * k] = uvs[3 * t];
      outUvs[2 * k + 1] = uvs[3 * t + 1];
    }
  }
  return await finishMesh(
    name,
    outPositions,
    indices,
    pause,
    outNormals,
    outUvs,
  );
}
