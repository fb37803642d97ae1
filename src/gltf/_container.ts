// Private: reads a .glb or .gltf and the resources beside it through the bounded reader, into
// the JSON and the bytes each buffer and image URI names (what gltf-transform's readJSON
// takes), checking the JSON on the way.

import { dirname, resolve } from "node:path";
import { abortError } from "../_abort.ts";
import { reason, rewrap } from "../_errors.ts";
import { readBoundedFile } from "../scene/_read_file.ts";
import { checkGltfJson, type JsonFacts } from "./_check_json.ts";
import { gltfError } from "./_error.ts";
import { MAX_GLTF_BYTES } from "./limits.ts";

/** gltf-transform's key for a .glb's binary chunk. */
const GLB_BUFFER = "@glb.bin";

/** What {@linkcode readContainer} gives. */
export interface Container {
  // deno-lint-ignore no-explicit-any
  json: any;
  resources: Record<string, Uint8Array>;
  facts: JsonFacts;
  /** The glTF file and each external resource read, as resolved paths. */
  files: string[];
}

/** Reads and checks `path`; `signal` aborts between and during reads. */
export async function readContainer(
  path: string,
  signal: AbortSignal | undefined,
): Promise<Container> {
  let budget = MAX_GLTF_BYTES;
  const read = async (file: string, what: string, at: string) => {
    let bytes: Uint8Array;
    try {
      bytes = await readBoundedFile(file, { limit: budget, what, signal });
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, "loading the scene");
      if (at === "") throw error;
      throw rewrap(
        error,
        `glTF file ${JSON.stringify(path)}: ${at}: ${reason(error)}`,
      );
    }
    budget -= bytes.length;
    return bytes;
  };
  const bytes = await read(path, `glTF file ${JSON.stringify(path)}`, "");
  const resources: Record<string, Uint8Array> = {};
  // deno-lint-ignore no-explicit-any
  let json: any;
  let binChunk: Uint8Array | undefined;
  if (isGlb(bytes)) {
    ({ json, binChunk } = parseGlb(path, bytes));
  } else {
    json = parseJson(path, bytes, "");
  }
  checkGltfJson(path, json);

  const files = [resolve(path)];
  const base = dirname(path);
  const fetchUri = async (uri: string, at: string): Promise<Uint8Array> => {
    if (uri.startsWith("data:")) return decodeDataUri(path, uri, at);
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
      throw gltfError(
        path,
        at,
        `${
          JSON.stringify(uri)
        } is neither a relative file path nor a data: URI`,
      );
    }
    let relative: string;
    try {
      relative = decodeURIComponent(uri);
    } catch {
      throw gltfError(path, at, `${JSON.stringify(uri)} is not a valid URI`);
    }
    const file = resolve(base, relative);
    if (!files.includes(file)) files.push(file);
    return await read(
      file,
      `${JSON.stringify(uri)} (${JSON.stringify(file)})`,
      at,
    );
  };
  // One at a time, in file order, so the error reported is always the first one.
  const bufferData: (number | undefined)[] = [];
  const buffers = (json.buffers ?? []) as {
    uri?: string;
    extensions?: Record<string, unknown>;
  }[];
  for (let i = 0; i < buffers.length; i++) {
    const { uri } = buffers[i];
    if (uri === undefined) {
      if (i === 0 && binChunk !== undefined) {
        resources[GLB_BUFFER] = binChunk;
        bufferData.push(binChunk.length);
      } else if (buffers[i].extensions?.EXT_meshopt_compression !== undefined) {
        bufferData.push(undefined); // a fallback buffer: its views are decoded, not read
      } else {
        throw gltfError(
          path,
          `buffers[${i}]`,
          binChunk === undefined && i === 0 && isGlb(bytes)
            ? "the .glb has no binary chunk for its buffer"
            : "has no uri (only a .glb's first buffer may omit it)",
        );
      }
    } else {
      resources[uri] ??= await fetchUri(uri, `buffers[${i}].uri`);
      bufferData.push(resources[uri].length);
    }
  }
  const images = (json.images ?? []) as { uri?: string; bufferView?: number }[];
  for (let i = 0; i < images.length; i++) {
    const { uri, bufferView } = images[i];
    if (bufferView === undefined && uri !== undefined) {
      resources[uri] ??= await fetchUri(uri, `images[${i}].uri`);
    }
  }
  const facts = checkGltfJson(path, json, (i) => bufferData[i]);
  return { json, resources, facts, files };
}

function isGlb(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x67 && bytes[1] === 0x6c &&
    bytes[2] === 0x54 && bytes[3] === 0x46;
}

/** The JSON and binary chunks of a .glb, every length checked against the file. */
function parseGlb(
  path: string,
  bytes: Uint8Array,
  // deno-lint-ignore no-explicit-any
): { json: any; binChunk?: Uint8Array } {
  const fail = (message: string): never => {
    throw gltfError(path, "", `not a valid .glb: ${message}`);
  };
  if (bytes.length < 20) fail(`only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== 2) fail(`version ${version}, not 2`);
  const total = view.getUint32(8, true);
  if (total > bytes.length) {
    fail(`the header says ${total} bytes, the file has ${bytes.length}`);
  }
  const jsonLength = view.getUint32(12, true);
  if (view.getUint32(16, true) !== 0x4e4f534a) {
    fail("the first chunk is not JSON");
  }
  if (20 + jsonLength > total) {
    fail(`the JSON chunk (${jsonLength} bytes) runs past the end`);
  }
  const json = parseJson(
    path,
    bytes.subarray(20, 20 + jsonLength),
    " (.glb JSON chunk)",
  );
  let offset = 20 + jsonLength;
  offset += (4 - (offset % 4)) % 4;
  if (offset + 8 <= total && view.getUint32(offset + 4, true) === 0x004e4942) {
    const length = view.getUint32(offset, true);
    if (offset + 8 + length > total) {
      fail(`the binary chunk (${length} bytes) runs past the end`);
    }
    return { json, binChunk: bytes.subarray(offset + 8, offset + 8 + length) };
  }
  return { json };
}

// deno-lint-ignore no-explicit-any
function parseJson(path: string, bytes: Uint8Array, where: string): any {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw gltfError(path, "", `not a .glb, and not UTF-8 JSON${where}`);
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw gltfError(
      path,
      "",
      `not valid JSON${where}: ${reason(error)}`,
      SyntaxError,
    );
  }
}

function decodeDataUri(path: string, uri: string, at: string): Uint8Array {
  const comma = uri.indexOf(",");
  if (comma < 0) throw gltfError(path, at, "a data: URI without a comma");
  const header = uri.slice(5, comma);
  const payload = uri.slice(comma + 1);
  try {
    if (header.endsWith(";base64")) {
      const text = atob(payload);
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
      return out;
    }
    return new TextEncoder().encode(decodeURIComponent(payload));
  } catch {
    throw gltfError(path, at, "the data: URI's contents do not decode");
  }
}
