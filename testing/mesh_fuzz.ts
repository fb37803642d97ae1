/**
 * The mesh-file fuzzer (issue 19): seeded OBJ, PLY (ascii and binary, both byte orders) and
 * gzip files, valid and mutated in the ways a hostile or damaged file is — bytes flipped,
 * inserted (NUL, CR, C1 controls), deleted and duplicated, numbers replaced by huge or
 * non-finite ones, header counts up to 2^53 − 1, elements without properties, several gzip
 * members, trailing garbage, damaged checksums, small gzip bombs, UTF-16 — each parsed by
 * `parseMesh` under a time limit (its signal) and a memory limit (the process's resident
 * size after the case), and sorted into a mesh, a clean error or a failure.
 *
 * A mesh must be consistent (whole triangles, indices in range, every number finite as an
 * f32). A clean error is a TypeError, RangeError or SyntaxError whose message is one line that
 * starts with the file's name and holds no control character. Anything else is a failure:
 * another error, a message without the name, a case that outlives its time limit, a process
 * over the memory limit.
 *
 * @example
 * ```ts
 * import { generateMeshCase } from "./mesh_fuzz.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(generateMeshCase(7, 3), generateMeshCase(7, 3));
 * ```
 *
 * @module
 */

import { Random } from "./scene_fuzz.ts";
import { gzipBomb } from "./hostile_files.ts";
import { parseMesh } from "../src/mesh/parse_mesh.ts";
import { isF32Finite } from "../src/scene/limits.ts";
import { gzipSync } from "node:zlib";

/** One generated mesh file. */
export interface MeshCase {
  /** The file name given to the parser (its extension matters for OBJ). */
  name: string;
  bytes: Uint8Array;
  /** Whether it was changed after being made valid. */
  mutated: boolean;
}

const encoder = new TextEncoder();

function coordinate(r: Random): string {
  return r.chance(0.1)
    ? String(r.int(-5, 5))
    : r.float(-5, 5).toPrecision(r.int(1, 9));
}

function validObj(r: Random): string {
  const eol = r.pick(["\n", "\n", "\r\n", "\r"]);
  const vertices = r.int(3, 40);
  const lines: string[] = [];
  if (r.chance(0.3)) lines.push("# made by the fuzzer");
  if (r.chance(0.2)) lines.push("o thing", "g group", "s 1", "usemtl m");
  for (let i = 0; i < vertices; i++) {
    lines.push(`v ${coordinate(r)} ${coordinate(r)} ${coordinate(r)}`);
  }
  const uvs = r.chance(0.4) ? vertices : 0;
  for (let i = 0; i < uvs; i++) {
    lines.push(`vt ${coordinate(r)} ${coordinate(r)}`);
  }
  const normals = r.chance(0.4) ? vertices : 0;
  for (let i = 0; i < normals; i++) {
    lines.push(`vn ${coordinate(r)} ${coordinate(r)} ${coordinate(r)}`);
  }
  const faces = r.int(1, 50);
  for (let f = 0; f < faces; f++) {
    const corners = r.int(3, 6);
    const parts: string[] = [];
    for (let c = 0; c < corners; c++) {
      const v = r.int(1, vertices);
      const index = r.chance(0.2) ? String(v - vertices - 1) : String(v);
      parts.push(
        uvs && normals
          ? `${index}/${index}/${index}`
          : uvs
          ? `${index}/${index}`
          : normals
          ? `${index}//${index}`
          : index,
      );
    }
    lines.push(`f ${parts.join(" ")}`);
  }
  return lines.join(eol) + eol;
}

const PLY_TYPES = [
  "char",
  "uchar",
  "short",
  "ushort",
  "int",
  "uint",
  "float",
  "double",
];
const SIZES: Record<string, number> = {
  char: 1,
  uchar: 1,
  short: 2,
  ushort: 2,
  int: 4,
  uint: 4,
  float: 4,
  double: 8,
};

function putValue(
  view: DataView,
  at: number,
  type: string,
  value: number,
  little: boolean,
): void {
  switch (type) {
    case "char":
      return view.setInt8(at, value);
    case "uchar":
      return view.setUint8(at, value);
    case "short":
      return view.setInt16(at, value, little);
    case "ushort":
      return view.setUint16(at, value, little);
    case "int":
      return view.setInt32(at, value, little);
    case "uint":
      return view.setUint32(at, value, little);
    case "float":
      return view.setFloat32(at, value, little);
    default:
      return view.setFloat64(at, value, little);
  }
}

function validPly(r: Random): Uint8Array {
  const format = r.pick(["ascii", "binary_little_endian", "binary_big_endian"]);
  const little = format === "binary_little_endian";
  const vertices = r.int(3, 30);
  const faces = r.int(1, 30);
  const coordType = r.pick(["float", "double"]);
  const props = ["x", "y", "z"];
  if (r.chance(0.4)) props.push("nx", "ny", "nz");
  if (r.chance(0.4)) props.push("u", "v");
  const countType = r.pick(["uchar", "int", "uint", "ushort"]);
  const indexType = r.pick(["int", "uint"]);
  const junkBefore = r.chance(0.2);
  const header = [
    "ply",
    `format ${format} 1.0`,
    ...(r.chance(0.3) ? ["comment fuzz"] : []),
    ...(junkBefore ? ["element junk 9007199254740991"] : []),
    `element vertex ${vertices}`,
    ...props.map((p) => `property ${coordType} ${p}`),
    `element face ${faces}`,
    `property list ${countType} ${indexType} vertex_indices`,
    ...(r.chance(0.2) ? ["element other 2", "property uchar a"] : []),
    "end_header",
    "",
  ].join("\n");
  const rows: number[][] = [];
  for (let i = 0; i < vertices; i++) {
    rows.push(props.map(() => Number(coordinate(r))));
  }
  const polys: number[][] = [];
  for (let f = 0; f < faces; f++) {
    const n = r.int(3, 5);
    polys.push(Array.from({ length: n }, () => r.int(0, vertices - 1)));
  }
  const others = header.includes("element other") ? [[1], [2]] : [];
  if (format === "ascii") {
    const body = [
      ...rows.map((row) => row.join(" ")),
      ...polys.map((p) => `${p.length} ${p.join(" ")}`),
      ...others.map((o) => o.join(" ")),
    ].join("\n") + "\n";
    return encoder.encode(header + body);
  }
  const size = vertices * props.length * SIZES[coordType] +
    polys.reduce(
      (s, p) => s + SIZES[countType] + p.length * SIZES[indexType],
      0,
    ) +
    others.length;
  const head = encoder.encode(header);
  const out = new Uint8Array(head.length + size);
  out.set(head);
  const view = new DataView(out.buffer);
  let at = head.length;
  for (const row of rows) {
    for (const value of row) {
      putValue(view, at, coordType, value, little);
      at += SIZES[coordType];
    }
  }
  for (const p of polys) {
    putValue(view, at, countType, p.length, little);
    at += SIZES[countType];
    for (const i of p) {
      putValue(view, at, indexType, i, little);
      at += SIZES[indexType];
    }
  }
  for (const o of others) out[at++] = o[0];
  void PLY_TYPES;
  return out;
}

const SPLICES = [
  "1e300",
  "-1e39",
  "nan",
  "inf",
  "9007199254740991",
  "4294967295",
  "-2147483648",
  "0",
  "-0",
  "1e-400",
  "/",
  "//",
  "\0",
  "\r",
  "\x1b[2J",
  "\x9b",
  "\xff\xfe",
  "element junk 9007199254740991\n",
  "property list uint int vertex_indices\n",
  "f 1 2\n",
  "v 1 2\n",
  "end_header\n",
  "format binary_big_endian 1.0\n",
];

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 255;
  return out;
}

/** One or a few damaging edits of `bytes`. */
function mutateBytes(r: Random, bytes: Uint8Array): Uint8Array {
  let out = bytes;
  const edits = r.int(1, 4);
  for (let e = 0; e < edits; e++) {
    const at = r.int(0, Math.max(0, out.length - 1));
    switch (r.int(0, 7)) {
      case 0: {
        out = out.slice();
        out[at] = r.int(0, 255);
        break;
      }
      case 1: {
        const insert = latin1(r.pick(SPLICES));
        out = new Uint8Array([
          ...out.subarray(0, at),
          ...insert,
          ...out.subarray(at),
        ]);
        break;
      }
      case 2: {
        const end = Math.min(out.length, at + r.int(1, 40));
        out = new Uint8Array([...out.subarray(0, at), ...out.subarray(end)]);
        break;
      }
      case 3:
        out = out.subarray(0, at);
        break;
      case 4: {
        const end = Math.min(out.length, at + r.int(1, 200));
        out = new Uint8Array([...out.subarray(0, end), ...out.subarray(at)]);
        break;
      }
      case 5: {
        // A number replaced by a hostile one.
        const text = new TextDecoder("latin1").decode(out);
        const numbers = [...text.matchAll(/-?[0-9][0-9.e+-]*/g)];
        if (numbers.length === 0) break;
        const m = r.pick(numbers);
        out = latin1(
          text.slice(0, m.index) + r.pick(SPLICES) +
            text.slice(m.index! + m[0].length),
        );
        break;
      }
      case 6: {
        const text = new TextDecoder("latin1").decode(out);
        out = latin1(
          text.replace(
            /element (vertex|face) \d+/,
            (_, which) =>
              `element ${which} ${
                r.pick(["0", "1", "4294967295", "9007199254740991"])
              }`,
          ),
        );
        break;
      }
      default: {
        const garbage = new Uint8Array(r.int(1, 64)).map(() => r.int(0, 255));
        out = new Uint8Array([
          ...out.subarray(0, at),
          ...garbage,
          ...out.subarray(at),
        ]);
      }
    }
  }
  return out;
}

function utf16(bytes: Uint8Array, little: boolean): Uint8Array {
  const out = new Uint8Array(2 * bytes.length + 2);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfeff, little);
  bytes.forEach((b, i) => view.setUint16(2 + 2 * i, b, little));
  return out;
}

/** Case `index` of the run seeded `seed`: the same everywhere. */
export function generateMeshCase(seed: number, index: number): MeshCase {
  const r = new Random((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const obj = r.chance(0.5);
  let bytes = obj ? encoder.encode(validObj(r)) : validPly(r);
  let name = obj ? "case.obj" : "case.ply";
  let mutated = false;
  if (r.chance(0.7)) {
    bytes = mutateBytes(r, bytes);
    mutated = true;
  }
  const wrap = r.int(0, 9);
  if (wrap <= 2) {
    bytes = new Uint8Array(gzipSync(bytes));
    name += ".gz";
    if (wrap === 1) {
      // Damaged after compression: flipped, cut, trailing data, a second member.
      mutated = true;
      switch (r.int(0, 3)) {
        case 0:
          bytes = mutateBytes(r, bytes);
          break;
        case 1:
          bytes = new Uint8Array([
            ...bytes,
            ...new Uint8Array(r.int(1, 20)).map(() => r.int(0, 255)),
          ]);
          break;
        case 2:
          bytes = new Uint8Array([
            ...bytes,
            ...gzipSync(encoder.encode("# more\n")),
          ]);
          break;
        default:
          bytes = bytes.subarray(0, r.int(0, bytes.length - 1));
      }
    } else if (wrap === 2) {
      // A small bomb: 16 MiB of zeros against the fuzzer's 8 MiB limit.
      bytes = gzipBomb(16 * 2 ** 20);
      mutated = true;
    }
  } else if (wrap === 3 && r.chance(0.3)) {
    bytes = utf16(bytes, r.chance(0.5));
    mutated = true;
  }
  return { name, bytes, mutated };
}

/** How one case ended. */
export type MeshOutcome =
  | { kind: "mesh" }
  | { kind: "clean" }
  | { kind: "failure"; reason: string };

/** Options for {@linkcode runMeshCase}. */
export interface MeshCaseOptions {
  /** Time limit of one case; over it, the case is aborted and fails. Default 10 s. */
  timeoutMs?: number;
  /** The process's resident size after a case must stay under this. Default 1.5 GB. */
  memoryLimit?: number;
}

const CLEAN = ["TypeError", "RangeError", "SyntaxError"];
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** Parses one case and sorts the outcome. */
export async function runMeshCase(
  meshCase: MeshCase,
  options: MeshCaseOptions = {},
): Promise<MeshOutcome> {
  const { timeoutMs = 10_000, memoryLimit = 1.5e9 } = options;
  let outcome: MeshOutcome;
  try {
    const mesh = await parseMesh(meshCase.bytes, meshCase.name, {
      maxBytes: 8 * 2 ** 20,
      maxTriangles: 100_000,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const vertices = mesh.positions.length / 3;
    const bad = mesh.indices.length % 3 !== 0 ||
      !Number.isInteger(vertices) ||
      mesh.indices.some((i) => i >= vertices) ||
      !mesh.positions.every(isF32Finite) ||
      (mesh.normals !== undefined &&
        (mesh.normals.length !== 3 * vertices ||
          !mesh.normals.every(isF32Finite))) ||
      (mesh.uvs !== undefined &&
        (mesh.uvs.length !== 2 * vertices || !mesh.uvs.every(isF32Finite)));
    outcome = bad
      ? { kind: "failure", reason: "an inconsistent mesh" }
      : { kind: "mesh" };
  } catch (error) {
    if (!(error instanceof Error)) {
      outcome = { kind: "failure", reason: `threw ${String(error)}` };
    } else if (error.name === "AbortError" || error.name === "TimeoutError") {
      outcome = {
        kind: "failure",
        reason: `over the time limit of ${timeoutMs} ms`,
      };
    } else if (!CLEAN.includes(error.name)) {
      outcome = { kind: "failure", reason: `${error.name}: ${error.message}` };
    } else if (!error.message.startsWith(`${meshCase.name}`)) {
      outcome = { kind: "failure", reason: `no file name: ${error.message}` };
    } else if (CONTROL.test(error.message)) {
      outcome = {
        kind: "failure",
        reason: `a control character in ${JSON.stringify(error.message)}`,
      };
    } else outcome = { kind: "clean" };
  }
  const rss = Deno.memoryUsage().rss;
  if (rss > memoryLimit) {
    outcome = {
      kind: "failure",
      reason: `resident ${rss} bytes after the case`,
    };
  }
  return outcome;
}

/** Counts of a mesh run. */
export interface MeshFuzzReport {
  seed: number;
  cases: number;
  mesh: number;
  clean: number;
  failure: number;
  /** Up to 20 failures: index, reason and the start of the input. */
  failures: { index: number; reason: string; input: string }[];
}

/** Runs `cases` mesh cases of the run seeded `seed`. */
export async function meshFuzz(
  options: MeshCaseOptions & {
    seed: number;
    cases: number;
    every?: number;
    onProgress?: (report: MeshFuzzReport) => void;
  },
): Promise<MeshFuzzReport> {
  const { seed, cases, every = 1000, onProgress } = options;
  const report: MeshFuzzReport = {
    seed,
    cases: 0,
    mesh: 0,
    clean: 0,
    failure: 0,
    failures: [],
  };
  for (let index = 0; index < cases; index++) {
    const meshCase = generateMeshCase(seed, index);
    let outcome = await runMeshCase(meshCase, options);
    if (!meshCase.mutated && outcome.kind === "clean") {
      // A valid file is refused only when random corners made every triangle degenerate.
      outcome = { kind: "failure", reason: "a valid file was refused" };
      try {
        await parseMesh(meshCase.bytes, meshCase.name);
      } catch (error) {
        if (/no triangles with area/.test(String(error))) {
          outcome = { kind: "clean" };
        } else {outcome = {
            kind: "failure",
            reason: `a valid file was refused: ${error}`,
          };}
      }
    }
    report.cases++;
    report[outcome.kind]++;
    if (outcome.kind === "failure" && report.failures.length < 20) {
      const text = new TextDecoder("latin1").decode(
        meshCase.bytes.subarray(0, 600),
      );
      report.failures.push({
        index,
        reason: outcome.reason,
        input: `${meshCase.name}: ${JSON.stringify(text)}`,
      });
    }
    if (onProgress !== undefined && (index + 1) % every === 0) {
      onProgress(report);
    }
  }
  return report;
}
