import { Scanner } from "./_scanner.ts";
import { Int32List } from "./_grow.ts";
import { finishMesh } from "./_finish.ts";
import { MAX_MESH_TRIANGLES, type MeshLimits } from "./limits.ts";
import type { MeshData } from "../types.ts";
import { yielder } from "../_abort.ts";
import { isF32Finite } from "../scene/limits.ts";

/** What every vertex number must be: the core stores them as f32 (src/scene/limits.ts). */
const finiteF32 = "finite and within the 32-bit float range (±3.4e38)";

/** Items read between two checks of the clock and the signal. */
const CHECK_EVERY = 4096;

type Format = "ascii" | "binary_little_endian" | "binary_big_endian";
type Scalar =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "float32"
  | "float64";

interface Property {
  name: string;
  type: Scalar;
  /** For a list: the type of its count. */
  countType?: Scalar;
}

interface Element {
  name: string;
  count: number;
  properties: Property[];
  /** The header line that declared it, for messages. */
  line: number;
}

const TYPES: Record<string, Scalar> = {
  char: "int8",
  int8: "int8",
  uchar: "uint8",
  uint8: "uint8",
  short: "int16",
  int16: "int16",
  ushort: "uint16",
  uint16: "uint16",
  int: "int32",
  int32: "int32",
  uint: "uint32",
  uint32: "uint32",
  float: "float32",
  float32: "float32",
  double: "float64",
  float64: "float64",
};

const SIZES: Record<Scalar, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

/**
 * Parses a PLY file (ascii, binary_little_endian or binary_big_endian): the `vertex` element's
 * `x y z`, optional `nx ny nz` and `u v` (or `s t`, `texture_u texture_v`), and the `face`
 * element's `vertex_indices` (or `vertex_index`) list, of any count and index types; polygons
 * are fan-triangulated, other elements and properties skipped. Triangles without area are
 * dropped and counted in `degenerate`.
 *
 * The work is bounded by the file's size: an element's declared count is checked against the
 * bytes left before it is read, every item with properties reads at least one byte, and an
 * element without properties (which holds nothing) is skipped at once, whatever its count.
 * It yields to the event loop every 20 ms or so, so that `options.signal` (and a Ctrl-C) acts
 * promptly.
 *
 * @param bytes The file's contents (not gzipped).
 * @param name The file name used in messages, e.g. `dragon.ply`.
 * @param options Tighter limits than the defaults ({@linkcode MAX_MESH_TRIANGLES}), if wanted,
 * and a signal that stops the work.
 * @returns The mesh.
 * @throws {SyntaxError} A malformed header or body, with the line (ascii, and the header) or
 * the element number (binary): `dragon.ply:9: unknown property type "float16"`.
 * @throws {RangeError} An index out of range (`dragon.ply:1234: face index 5000 out of range
 * (0..3673)`), a coordinate that is not finite, more than {@linkcode MAX_MESH_TRIANGLES}
 * triangles, a body shorter than the header declares, or no triangles.
 *
 * @example Usage
 * ```ts
 * import { parsePly } from "./parse_ply.ts";
 * import assert from "node:assert/strict";
 *
 * const text = [
 *   "ply", "format ascii 1.0", "element vertex 3", "property float x", "property float y",
 *   "property float z", "element face 1", "property list uchar int vertex_indices", "end_header",
 *   "0 0 0", "1 0 0", "0 1 0", "3 0 1 2", "",
 * ].join("\n");
 * const mesh = await parsePly(new TextEncoder().encode(text), "tri.ply");
 * assert.deepEqual([...mesh.indices], [0, 1, 2]);
 * ```
 */
export async function parsePly(
  bytes: Uint8Array,
  name: string,
  options: MeshLimits & { signal?: AbortSignal } = {},
): Promise<MeshData> {
  const maxTriangles = options.maxTriangles ?? MAX_MESH_TRIANGLES;
  const pause = yielder(options.signal, `parsing ${name}`);
  let work = 0;
  const s = new Scanner(bytes, name);
  const { format, elements } = readHeader(s);
  const vertex = elements.find((e) => e.name === "vertex");
  if (vertex === undefined) {
    throw new SyntaxError(`${name}: the header declares no "vertex" element`);
  }
  const face = elements.find((e) => e.name === "face");
  if (face === undefined) {
    throw new SyntaxError(`${name}: the header declares no "face" element`);
  }
  const slot = (element: Element, names: string[]): number => {
    for (const n of names) {
      const i = element.properties.findIndex((p) => p.name === n);
      if (i >= 0) {
        if (element.properties[i].countType !== undefined) {
          throw new SyntaxError(
            `${name}:${element.line}: vertex property "${n}" must be a number, not a list`,
          );
        }
        return i;
      }
    }
    return -1;
  };
  const xyz = ["x", "y", "z"].map((n) => slot(vertex, [n]));
  if (xyz.some((i) => i < 0)) {
    throw new SyntaxError(
      `${name}:${vertex.line}: the vertex element needs properties x, y and z`,
    );
  }
  const nxyz = ["nx", "ny", "nz"].map((n) => slot(vertex, [n]));
  const uv = [
    slot(vertex, ["u", "s", "texture_u", "texture_s"]),
    slot(vertex, ["v", "t", "texture_v", "texture_t"]),
  ];
  const listIndex = face.properties.findIndex((p) =>
    p.name === "vertex_indices" || p.name === "vertex_index"
  );
  if (listIndex < 0 || face.properties[listIndex].countType === undefined) {
    throw new SyntaxError(
      `${name}:${face.line}: the face element needs a list property "vertex_indices"`,
    );
  }
  const hasNormals = nxyz.every((i) => i >= 0);
  const hasUvs = uv.every((i) => i >= 0);
  const reader = format === "ascii"
    ? new AsciiReader(s)
    : new BinaryReader(bytes, s.pos, format === "binary_little_endian", name);

  let positions = new Float64Array(0);
  let normals: Float32Array | undefined;
  let uvs: Float32Array | undefined;
  const indices = new Int32List(3 * 1024);
  const polygon: number[] = [];
  let triangles = 0;
  let verticesRead = false;

  for (const element of elements) {
    const { properties } = element;
    // Items without properties hold nothing: skipped at once, whatever the declared count.
    if (properties.length === 0) continue;
    const isVertex = element === vertex;
    const isFace = element === face;
    // A count the rest of the file cannot hold is refused before anything is read for it.
    reader.checkRoom(element);
    if (isVertex) {
      positions = new Float64Array(3 * element.count);
      if (hasNormals) normals = new Float32Array(3 * element.count);
      if (hasUvs) uvs = new Float32Array(2 * element.count);
      verticesRead = true;
    } else if (isFace && !verticesRead) {
      throw new SyntaxError(
        `${name}:${element.line}: the face element must come after the vertex element`,
      );
    }
    const values = new Float64Array(properties.length);
    const vertexCount = vertex.count;
    for (let item = 0; item < element.count; item++) {
      if (++work >= CHECK_EVERY) {
        work = 0;
        await pause();
      }
      reader.startItem(element, item);
      for (let k = 0; k < properties.length; k++) {
        const p = properties[k];
        if (p.countType === undefined) {
          values[k] = reader.scalar(p.type, `${element.name} ${p.name}`);
          continue;
        }
        const count = reader.scalar(
          p.countType,
          `${element.name} ${p.name} count`,
        );
        if (!Number.isInteger(count) || count < 0) {
          throw reader.error(
            SyntaxError,
            `${element.name} ${p.name} count must be a whole number, got ${count}`,
          );
        }
        if (!(isFace && k === listIndex)) {
          for (let i = 0; i < count; i++) reader.scalar(p.type, p.name);
          continue;
        }
        if (count < 3) {
          throw reader.error(
            SyntaxError,
            `a face needs at least 3 corners, got ${count}`,
          );
        }
        if (triangles + count - 2 > maxTriangles) {
          throw reader.error(
            RangeError,
            `more than ${maxTriangles} triangles (the limit for one mesh)`,
          );
        }
        polygon.length = 0;
        for (let i = 0; i < count; i++) {
          const v = reader.scalar(p.type, "face index");
          if (!(Number.isInteger(v) && v >= 0 && v < vertexCount)) {
            throw reader.error(
              RangeError,
              `face index ${v} out of range (0..${vertexCount - 1})`,
            );
          }
          polygon.push(v);
        }
        triangles += count - 2;
        if (triangles > maxTriangles) {
          throw reader.error(
            RangeError,
            `more than ${maxTriangles} triangles (the limit for one mesh)`,
          );
        }
        for (let i = 1; i + 1 < count; i++) {
          indices.push(polygon[0]);
          indices.push(polygon[i]);
          indices.push(polygon[i + 1]);
        }
      }
      if (isVertex) {
        for (let a = 0; a < 3; a++) {
          const value = values[xyz[a]];
          if (!isF32Finite(value)) {
            throw reader.error(
              RangeError,
              `vertex ${"xyz"[a]} must be ${finiteF32}, got ${value}`,
            );
          }
          positions[3 * item + a] = value;
          if (normals) {
            const n = values[nxyz[a]];
            if (!isF32Finite(n)) {
              throw reader.error(
                RangeError,
                `vertex n${"xyz"[a]} must be ${finiteF32}, got ${n}`,
              );
            }
            normals[3 * item + a] = n;
          }
        }
        if (uvs) {
          for (let a = 0; a < 2; a++) {
            const t = values[uv[a]];
            if (!isF32Finite(t)) {
              throw reader.error(
                RangeError,
                `vertex ${
                  vertex.properties[uv[a]].name
                } must be ${finiteF32}, got ${t}`,
              );
            }
            uvs[2 * item + a] = t;
          }
        }
      }
      reader.endItem();
    }
  }
  return await finishMesh(
    name,
    positions,
    new Uint32Array(indices.view()),
    pause,
    normals,
    uvs,
  );
}

/** Reads the header up to `end_header`, leaving the scanner at the first body byte. */
function readHeader(s: Scanner): { format: Format; elements: Element[] } {
  const b = s.bytes;
  if (!(b[0] === 0x70 && b[1] === 0x6c && b[2] === 0x79)) {
    throw new SyntaxError(`${s.name}:1: a PLY file starts with "ply"`);
  }
  s.skipLine();
  let format: Format | undefined;
  const elements: Element[] = [];
  while (true) {
    if (s.done) {
      throw new SyntaxError(`${s.name}: the header has no "end_header" line`);
    }
    const keyword = s.token();
    if (keyword === "end_header") {
      // The body starts right after this line's end (binary data may begin with any byte).
      const end = b.indexOf(s.eol, s.pos);
      s.pos = end < 0 ? b.length : end + 1;
      s.line++;
      break;
    }
    if (keyword === "format") {
      const f = s.token();
      if (
        f !== "ascii" && f !== "binary_little_endian" &&
        f !== "binary_big_endian"
      ) {
        throw s.syntaxError(
          `unknown format "${f}" (ascii, binary_little_endian or binary_big_endian)`,
        );
      }
      format = f;
    } else if (keyword === "element") {
      const elementName = s.token();
      const count = s.int();
      if (!Number.isSafeInteger(count) || count < 0 || !s.atLineEnd()) {
        throw s.syntaxError(
          `element "${elementName}" needs a whole count`,
        );
      }
      elements.push({ name: elementName, count, properties: [], line: s.line });
    } else if (keyword === "property") {
      const element = elements.at(-1);
      if (element === undefined) {
        throw s.syntaxError("a property before any element");
      }
      const first = s.token();
      if (first === "list") {
        const countType = scalarType(s, s.token());
        const type = scalarType(s, s.token());
        element.properties.push({ name: s.token(), type, countType });
      } else {
        element.properties.push({
          name: s.token(),
          type: scalarType(s, first),
        });
      }
    } else if (
      keyword !== "comment" && keyword !== "obj_info" && keyword !== ""
    ) {
      throw s.syntaxError(`unknown header line "${keyword}"`);
    }
    s.skipLine();
  }
  if (format === undefined) {
    throw new SyntaxError(`${s.name}: the header has no "format" line`);
  }
  return { format, elements };
}

function scalarType(s: Scanner, word: string): Scalar {
  const type = TYPES[word];
  if (type === undefined) {
    throw s.syntaxError(`unknown property type "${word}"`);
  }
  return type;
}

type ErrorClass = typeof SyntaxError | typeof RangeError;

/** Reads one value at a time from the body, in either encoding. */
interface BodyReader {
  /** Refuses a declared count the rest of the file cannot hold (before allocating for it). */
  checkRoom(element: Element): void;
  startItem(element: Element, item: number): void;
  scalar(type: Scalar, what: string): number;
  endItem(): void;
  error(kind: ErrorClass, message: string): Error;
}

class AsciiReader implements BodyReader {
  constructor(private s: Scanner) {}

  checkRoom(element: Element): void {
    // Each value takes at least two bytes ("0 ").
    const room = (this.s.bytes.length - this.s.pos) /
      (2 * element.properties.length);
    if (element.count > room) {
      throw new RangeError(
        `${this.s.name}:${element.line}: ${element.count} ${element.name} items declared, but the file is too short for them`,
      );
    }
  }

  startItem(): void {
    this.s.skipWhitespace();
    if (this.s.done) {
      throw new RangeError(
        `${this.s.name}:${this.s.line}: the file ends before the items the header declares`,
      );
    }
  }

  scalar(type: Scalar, what: string): number {
    const s = this.s;
    if (s.atLineEnd()) {
      throw s.syntaxError(`${what} is missing (the line ends early)`);
    }
    const value = type === "float32" || type === "float64"
      ? s.float()
      : s.int();
    if (Number.isNaN(value)) throw s.numberError(what);
    return value;
  }

  endItem(): void {
    if (!this.s.atLineEnd()) {
      throw this.s.syntaxError(
        `more values than the header declares, from "${this.s.token()}"`,
      );
    }
  }

  error(kind: ErrorClass, message: string): Error {
    return new kind(`${this.s.name}:${this.s.line}: ${message}`);
  }
}

class BinaryReader implements BodyReader {
  private view: DataView;
  private element = "";
  private item = 0;

  constructor(
    private bytes: Uint8Array,
    private pos: number,
    private little: boolean,
    private name: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  checkRoom(element: Element): void {
    const size = element.properties.reduce(
      (sum, p) => sum + SIZES[p.countType ?? p.type],
      0,
    );
    if (element.count * size > this.bytes.length - this.pos) {
      throw new RangeError(
        `${this.name}:${element.line}: ${element.count} ${element.name} items declared, but the file is too short for them`,
      );
    }
  }

  startItem(element: Element, item: number): void {
    this.element = element.name;
    this.item = item;
  }

  scalar(type: Scalar, what: string): number {
    const size = SIZES[type];
    if (this.pos + size > this.bytes.length) {
      throw this.error(RangeError, `the file ends inside ${what}`);
    }
    const v = this.view;
    const p = this.pos;
    this.pos += size;
    switch (type) {
      case "int8":
        return v.getInt8(p);
      case "uint8":
        return v.getUint8(p);
      case "int16":
        return v.getInt16(p, this.little);
      case "uint16":
        return v.getUint16(p, this.little);
      case "int32":
        return v.getInt32(p, this.little);
      case "uint32":
        return v.getUint32(p, this.little);
      case "float32":
        return v.getFloat32(p, this.little);
      case "float64":
        return v.getFloat64(p, this.little);
    }
  }

  endItem(): void {}

  error(kind: ErrorClass, message: string): Error {
    return new kind(`${this.name}: ${this.element} ${this.item}: ${message}`);
  }
}
