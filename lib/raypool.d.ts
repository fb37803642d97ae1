/* tslint:disable */
/* eslint-disable */

/** Asked at the start of every row and every 4096 primary samples while a tile renders;
 *  returning true (or throwing) stops it with Error("cancelled"). */
export interface CancelToken {
    cancelled(): boolean;
}



/**
 * A scene read from packed bytes, rendered tile by tile with the current view.
 */
export class RenderScene {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Reads (and validates) packed bytes; a prepared scene's BVHs are used as they are (their
     * structure checked), otherwise built here.
     * The bytes are copied into the core's memory once and kept: the scene reads its meshes
     * and BVHs in place.
     */
    static from_packed(packed: Uint8Array): RenderScene;
    /**
     * The rectangle of the current view as width*height*4 RGBA8 bytes, top row first. Throws
     * Error("cancelled") when `cancel.cancelled()` returns true (or throws), and an Error when
     * no view was set or the rectangle is empty or outside the view.
     */
    render_tile(x: number, y: number, width: number, height: number, cancel: CancelToken): Uint8Array;
    /**
     * The rectangle's linear radiance, first-surface albedo and normal (the denoiser's
     * features), 9 f32 a pixel in that order, top row first. Path-traced scenes only; errors
     * as [`RenderScene::render_tile`].
     */
    render_tile_features(x: number, y: number, width: number, height: number, cancel: CancelToken): Float32Array;
    /**
     * The rectangle's linear radiance before exposure and tone mapping (the path tracer's
     * sample mean; under Whitted the colour the original's gamma encodes) as
     * width*height*3 f32, top row first. Errors as [`RenderScene::render_tile`].
     */
    render_tile_linear(x: number, y: number, width: number, height: number, cancel: CancelToken): Float32Array;
    /**
     * Sets the view for the following tiles: `camera` holds 0 numbers (the original's
     * camera) or 9 (position, look_at, up).
     */
    set_view(width: number, height: number, fov_degrees: number, samples: number, camera: Float64Array): void;
    /**
     * The height of the current view; 0 before `set_view`.
     */
    readonly height: number;
    /**
     * The width of the current view; 0 before `set_view`.
     */
    readonly width: number;
}

/**
 * Denoises a whole path-traced image handed over as 9 f32 a pixel (see
 * `RenderScene.render_tile_features`) and tone maps it: `tone_mapping` 0 clamp, 1 neutral,
 * 2 ACES (the packed scene's codes), `exposure` in stops. Returns width*height*4 RGBA8 bytes.
 */
export function denoise_to_rgba8(width: number, height: number, features: Float32Array, tone_mapping: number, exposure: number): Uint8Array;

/**
 * Validates packed bytes once and returns their prepared form (flag bit 0): smooth normals
 * computed, every BVH built, mesh triangles in leaf order; workers read it without redoing any
 * of that.
 */
export function prepare_scene(packed: Uint8Array): Uint8Array;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_renderscene_free: (a: number, b: number) => void;
    readonly denoise_to_rgba8: (a: number, b: number, c: number, d: number, e: number, f: number) => [number, number, number, number];
    readonly prepare_scene: (a: number, b: number) => [number, number, number, number];
    readonly renderscene_from_packed: (a: number, b: number) => [number, number, number];
    readonly renderscene_height: (a: number) => number;
    readonly renderscene_render_tile: (a: number, b: number, c: number, d: number, e: number, f: any) => [number, number, number, number];
    readonly renderscene_render_tile_features: (a: number, b: number, c: number, d: number, e: number, f: any) => [number, number, number, number];
    readonly renderscene_render_tile_linear: (a: number, b: number, c: number, d: number, e: number, f: any) => [number, number, number, number];
    readonly renderscene_set_view: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number];
    readonly renderscene_width: (a: number) => number;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
