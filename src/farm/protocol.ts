/**
 * The render farm's wire protocol: the names of its NATS resources, and the messages that
 * travel between submitters and render nodes, as discriminated unions with their encodings.
 *
 * - A **job** (JSON, on `raypool.jobs.<render>` in the work-queue stream) asks a node to
 *   render one rectangle of an image of a scene stored by content hash.
 * - A **result** (on `raypool.results.<render>`) is either one finished piece of a job, its
 *   RGBA8 pixels after a JSON header, or a failure report.
 * - A **cancel** (core NATS, `raypool.cancel`, the render id as text) tells nodes to drop a
 *   render's jobs at once.
 *
 * @module
 */

import denoJson from "../../deno.json" with { type: "json" };
import type { Camera, Region } from "../types.ts";

/** Protocol version carried in every message; a node refuses jobs of another version. */
export const PROTOCOL_VERSION = 2;
/**
 * The renderer build a job needs. Rendering is deterministic per build, not across builds, so
 * a node renders only jobs of its own build (and hands others to nodes that can).
 */
export const BUILD = `raypool ${denoJson.version}`;
/** The work-queue stream holding jobs. */
export const JOBS_STREAM = "RAYPOOL_JOBS";
/** The stream holding results until their submitter has read them. */
export const RESULTS_STREAM = "RAYPOOL_RESULTS";
/** The durable consumer all render nodes share: each job goes to one node. */
export const NODES_CONSUMER = "raypool-nodes";
/** The object store bucket with packed scenes, named by the SHA-256 of their bytes. */
export const SCENE_BUCKET = "raypool-scenes";
/** Core NATS subject on which submitters withdraw renders. */
export const CANCEL_SUBJECT = "raypool.cancel";
/** Milliseconds a node may hold a job without a sign of life before it goes to another node. */
export const ACK_WAIT_MS = 5_000;
/** How often a node holding a job tells the server it is still working on it. */
export const WORKING_INTERVAL_MS = 1_500;
/** Deliveries of one job before it counts as failed everywhere. */
export const MAX_DELIVER = 4;

/**
 * What a render id looks like: 1–64 letters, digits, `_` or `-`. It is one token of a NATS
 * subject, so `.`, `*`, `>` and spaces are out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RENDER_ID } from "./protocol.ts";
 * assert.ok(RENDER_ID.test("Xy_3-z"));
 * assert.ok(!RENDER_ID.test("a.b") && !RENDER_ID.test(">") && !RENDER_ID.test("x".repeat(65)));
 * ```
 */
export const RENDER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A new render id: 128 random bits, unguessable, in base64url (22 characters).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newRenderId, RENDER_ID } from "./protocol.ts";
 * const id = newRenderId();
 * assert.ok(RENDER_ID.test(id) && id.length === 22 && id !== newRenderId());
 * ```
 */
export function newRenderId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "");
}

/** Bytes allowed for a result's JSON header (a piece's header is about 150). */
export const MAX_RESULT_HEADER_BYTES = 1024;

/**
 * The bytes of a result message carrying a `size × size` piece at most: the largest piece a
 * tile edge makes, its header and the header's length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pieceMessageBytes } from "./protocol.ts";
 * assert.equal(pieceMessageBytes(64), 4 + 1024 + 64 * 64 * 4);
 * ```
 */
export function pieceMessageBytes(tileSize: number): number {
  return 4 + MAX_RESULT_HEADER_BYTES + tileSize * tileSize * 4;
}

/** The most pixels one job may cover: 4096² (64 MiB of RGBA on its node). */
export const MAX_JOB_PIXELS = 4096 * 4096;

/**
 * The subject of a render's jobs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jobSubject } from "./protocol.ts";
 * assert.equal(jobSubject("abc"), "raypool.jobs.abc");
 * ```
 */
export function jobSubject(renderId: string): string {
  return `raypool.jobs.${renderId}`;
}

/**
 * The subject of a render's results.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resultSubject } from "./protocol.ts";
 * assert.equal(resultSubject("abc"), "raypool.results.abc");
 * ```
 */
export function resultSubject(renderId: string): string {
  return `raypool.results.${renderId}`;
}

/**
 * What a job's camera sees: the render plan's view, sent along since the packed scene does
 * not hold it.
 */
export interface JobView {
  /** Full image width. */
  width: number;
  /** Full image height. */
  height: number;
  /** Vertical field of view in degrees. */
  fov: number;
  /** Samples per pixel. */
  samples: number;
  /** The free camera, absent for the original's. */
  camera?: Camera;
}

/**
 * One job: render `rect` of the image `view` sees of the packed scene stored as `scene`, cut
 * into the render plan's tiles of `tileSize` (each published as its own result, so every
 * message stays under the server's payload limit whatever the job's size).
 *
 * @example
 * ```ts
 * import type { JobMessage } from "./protocol.ts";
 * const job: JobMessage = {
 *   kind: "job", version: 2, renderId: "r1", job: 0, build: "raypool 0.1.0", scene: "ab12",
 *   view: { width: 64, height: 48, fov: 90, samples: 1 },
 *   rect: { x: 0, y: 0, width: 32, height: 32 }, tileSize: 16,
 * };
 * ```
 */
export interface JobMessage {
  /** Discriminant. */
  kind: "job";
  /** {@linkcode PROTOCOL_VERSION}. */
  version: number;
  /** The render this job belongs to ({@linkcode RENDER_ID}). */
  renderId: string;
  /** Index of the job within the render. */
  job: number;
  /** The submitter's {@linkcode BUILD}. */
  build: string;
  /** SHA-256 (hex) of the packed scene in {@linkcode SCENE_BUCKET}. */
  scene: string;
  /** Size, field of view, samples and camera. */
  view: JobView;
  /** The rectangle to render, in full-image pixels: whole tiles of the render's grid. */
  rect: Region;
  /** The render plan's tile edge: the pieces the node publishes. */
  tileSize: number;
}

/**
 * A finished piece of a job.
 *
 * @example
 * ```ts
 * import type { PieceResult } from "./protocol.ts";
 * const piece: PieceResult = {
 *   kind: "piece", renderId: "r1", job: 0, node: "n1",
 *   rect: { x: 0, y: 0, width: 1, height: 1 }, pixels: new Uint8Array(4),
 * };
 * ```
 */
export interface PieceResult {
  /** Discriminant. */
  kind: "piece";
  /** The render. */
  renderId: string;
  /** The job the piece belongs to. */
  job: number;
  /** The node that rendered it. */
  node: string;
  /** Where the piece goes in the full image. */
  rect: Region;
  /** `rect.width × rect.height` RGBA8 pixels. */
  pixels: Uint8Array;
}

/**
 * A job that failed on a node; `final` when it will not be tried again.
 *
 * @example
 * ```ts
 * import type { FailureResult } from "./protocol.ts";
 * const failure: FailureResult = {
 *   kind: "failed", renderId: "r1", job: 3, node: "n1", attempt: 4, final: true, message: "boom",
 * };
 * ```
 */
export interface FailureResult {
  /** Discriminant. */
  kind: "failed";
  /** The render. */
  renderId: string;
  /** The job that failed. */
  job: number;
  /** The node it failed on. */
  node: string;
  /** Which delivery of the job this was (1 for the first). */
  attempt: number;
  /** No delivery is left. */
  final: boolean;
  /** The node's error message. */
  message: string;
}

/**
 * What nodes send back.
 *
 * @example
 * ```ts
 * import type { ResultMessage } from "./protocol.ts";
 * const describe = (r: ResultMessage) => r.kind === "piece" ? "pixels" : r.message;
 * ```
 */
export type ResultMessage = PieceResult | FailureResult;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes a job as JSON bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeJob, encodeJob, type JobMessage } from "./protocol.ts";
 * const job: JobMessage = {
 *   kind: "job", version: 2, renderId: "r1", job: 2, build: "raypool 0.1.0", scene: "ab".repeat(32),
 *   view: { width: 8, height: 8, fov: 90, samples: 4 }, rect: { x: 0, y: 0, width: 8, height: 8 }, tileSize: 4,
 * };
 * assert.deepEqual(decodeJob(encodeJob(job)), job);
 * ```
 */
export function encodeJob(job: JobMessage): Uint8Array {
  return encoder.encode(JSON.stringify(job));
}

/**
 * Decodes and checks a job before anything is done with it: ids by {@linkcode RENDER_ID},
 * the rectangle inside the image and at most {@linkcode MAX_JOB_PIXELS}, and tiles whose
 * results fit in `maxPayload`, the server's limit. What the plan checks (samples, sizes, the
 * camera) the node's plan checks again.
 *
 * @throws {TypeError} naming what is wrong, for anything but a well-formed job of this
 * protocol version.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeJob } from "./protocol.ts";
 * assert.throws(() => decodeJob(new TextEncoder().encode("{}")), TypeError);
 * ```
 */
export function decodeJob(
  bytes: Uint8Array,
  maxPayload = Infinity,
): JobMessage {
  const value = parseJson(bytes, "job");
  if (value.kind !== "job") {
    throw new TypeError(`not a job: kind is ${quote(value.kind)}`);
  }
  if (value.version !== PROTOCOL_VERSION) {
    throw new TypeError(
      `job of protocol version ${
        quote(value.version)
      }, this node speaks ${PROTOCOL_VERSION}`,
    );
  }
  const view = object(value.view, "view");
  const job: JobMessage = {
    kind: "job",
    version: PROTOCOL_VERSION,
    renderId: renderId(value),
    job: count(value, "job", 0),
    build: text(value, "build"),
    scene: text(value, "scene"),
    view: {
      width: count(view, "width", 1),
      height: count(view, "height", 1),
      fov: finite(view, "fov"),
      samples: count(view, "samples", 1),
      ...(view.camera === undefined ? {} : { camera: camera(view.camera) }),
    },
    rect: region(value.rect, "rect"),
    tileSize: count(value, "tileSize", 1),
  };
  if (!/^[0-9a-f]{64}$/.test(job.scene)) {
    throw new TypeError(
      `job scene must be a SHA-256 in hex, got ${quote(job.scene)}`,
    );
  }
  const { rect, view: { width, height } } = job;
  if (rect.x + rect.width > width || rect.y + rect.height > height) {
    throw new TypeError(
      `job rect ${
        JSON.stringify(rect)
      } is outside the ${width}×${height} image`,
    );
  }
  if (rect.width * rect.height > MAX_JOB_PIXELS) {
    throw new TypeError(
      `job rect ${rect.width}×${rect.height} is over ${MAX_JOB_PIXELS} pixels`,
    );
  }
  const piece = Math.min(job.tileSize, Math.max(rect.width, rect.height));
  if (pieceMessageBytes(piece) > maxPayload) {
    throw new TypeError(
      `job tiles of ${job.tileSize} pixels make results over the server's max_payload of ${maxPayload} bytes`,
    );
  }
  return job;
}

/**
 * Encodes a result: a 4-byte big-endian header length, the JSON header, then for a piece its
 * pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeResult, encodeResult } from "./protocol.ts";
 * const bytes = encodeResult({
 *   kind: "piece", renderId: "r", job: 1, node: "n",
 *   rect: { x: 2, y: 3, width: 1, height: 2 }, pixels: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
 * });
 * const back = decodeResult(bytes);
 * assert.ok(back.kind === "piece" && back.pixels[7] === 8);
 * ```
 */
export function encodeResult(result: ResultMessage): Uint8Array {
  let header: Uint8Array;
  let body: Uint8Array;
  switch (result.kind) {
    case "piece": {
      const { pixels, ...rest } = result;
      header = encoder.encode(JSON.stringify(rest));
      body = pixels;
      break;
    }
    case "failed":
      header = encoder.encode(JSON.stringify(result));
      body = new Uint8Array(0);
      break;
    default:
      throw new TypeError(
        `unknown result kind ${
          JSON.stringify((result as { kind: unknown }).kind)
        }`,
      );
  }
  const bytes = new Uint8Array(4 + header.length + body.length);
  new DataView(bytes.buffer).setUint32(0, header.length);
  bytes.set(header, 4);
  bytes.set(body, 4 + header.length);
  return bytes;
}

/**
 * Decodes and checks a result; a piece's pixel count must match its rectangle.
 *
 * @throws {TypeError} naming what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeResult } from "./protocol.ts";
 * assert.throws(() => decodeResult(new Uint8Array([0, 0])), TypeError);
 * ```
 */
export function decodeResult(bytes: Uint8Array): ResultMessage {
  if (bytes.length < 4) throw new TypeError("result shorter than its header");
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 4)
    .getUint32(0);
  if (4 + headerLength > bytes.length) {
    throw new TypeError("result header runs past the message");
  }
  if (headerLength > MAX_RESULT_HEADER_BYTES) {
    throw new TypeError(
      `result header of ${headerLength} bytes, over ${MAX_RESULT_HEADER_BYTES}`,
    );
  }
  const value = parseJson(bytes.subarray(4, 4 + headerLength), "result");
  const body = bytes.subarray(4 + headerLength);
  const kind = value.kind;
  switch (kind) {
    case "piece": {
      const rect = region(value.rect, "rect");
      const expected = rect.width * rect.height * 4;
      if (body.length !== expected) {
        throw new TypeError(
          `piece ${
            JSON.stringify(rect)
          } carries ${body.length} bytes, expected ${expected}`,
        );
      }
      return {
        kind,
        renderId: renderId(value),
        job: count(value, "job", 0),
        node: text(value, "node"),
        rect,
        pixels: body,
      };
    }
    case "failed":
      return {
        kind,
        renderId: renderId(value),
        job: count(value, "job", 0),
        node: text(value, "node"),
        attempt: count(value, "attempt", 1),
        final: value.final === true,
        message: text(value, "message"),
      };
    default:
      throw new TypeError(`unknown result kind ${quote(kind)}`);
  }
}

type Json = Record<string, unknown>;

function parseJson(bytes: Uint8Array, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new TypeError(`${what} is not JSON`, { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${what} is not a JSON object`);
  }
  return value as Json;
}

function text(value: Json, name: string): string {
  const field = value[name];
  if (typeof field !== "string" || field === "" || field.length > 4096) {
    throw new TypeError(`${name} must be a string of 1 to 4096 characters`);
  }
  return field;
}

function renderId(value: Json): string {
  const id = value.renderId;
  if (typeof id !== "string" || !RENDER_ID.test(id)) {
    throw new TypeError(
      `renderId must be 1–64 letters, digits, '_' or '-', got ${quote(id)}`,
    );
  }
  return id;
}

/** A value for a message, cut short: peers may send anything. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function object(value: unknown, name: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object`);
  }
  return value as Json;
}

function finite(value: Json, name: string): number {
  const field = value[name];
  if (typeof field !== "number" || !Number.isFinite(field)) {
    throw new TypeError(`${name} must be a finite number, got ${quote(field)}`);
  }
  return field;
}

function camera(value: unknown): Camera {
  const c = object(value, "view.camera");
  const vector = (name: string) => {
    const v = object(c[name], `view.camera.${name}`);
    return { x: finite(v, "x"), y: finite(v, "y"), z: finite(v, "z") };
  };
  return {
    position: vector("position"),
    look_at: vector("look_at"),
    up: vector("up"),
  };
}

function count(value: Json, name: string, min: number): number {
  const field = value[name];
  if (
    typeof field !== "number" || !Number.isSafeInteger(field) || field < min
  ) {
    throw new TypeError(
      `${name} must be an integer of at least ${min}, got ${quote(field)}`,
    );
  }
  return field;
}

function region(value: unknown, name: string): Region {
  const r = object(value, name);
  return {
    x: count(r, "x", 0),
    y: count(r, "y", 0),
    width: count(r, "width", 1),
    height: count(r, "height", 1),
  };
}
