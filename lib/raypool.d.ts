/* tslint:disable */
/* eslint-disable */

/**
 * A built scene, ready to render tiles of its image.
 */
export class RenderScene {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * The rectangle (x, y, w, h) of the full image as w*h*4 RGBA8 bytes, top row first.
     * Throws if the rectangle is empty or outside the image.
     */
    render_tile(x: number, y: number, width: number, height: number): Uint8Array;
    readonly height: number;
    readonly width: number;
}

/**
 * Collects a scene's settings, textures, materials, elements and lights, then builds it.
 */
export class SceneBuilder {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * The direction the light travels; normalised here.
     */
    add_directional_light(dx: number, dy: number, dz: number, red: number, green: number, blue: number, intensity: number): void;
    /**
     * coloration_kind 0 = colour (red, green, blue), 1 = texture (texture_id);
     * surface_kind 0 = Diffuse, 1 = Reflective (param_a = reflectivity),
     * 2 = Refractive (param_a = index, param_b = transparency). Returns the material id.
     */
    add_material(coloration_kind: number, red: number, green: number, blue: number, texture_id: number, albedo: number, surface_kind: number, param_a: number, param_b: number): number;
    /**
     * The normal is normalised here; it points away from the visible side.
     */
    add_plane(ox: number, oy: number, oz: number, nx: number, ny: number, nz: number, material_id: number): void;
    /**
     * Elements keep the order of these calls (spheres and planes share one order): on equal
     * distance the earlier element wins.
     */
    add_sphere(cx: number, cy: number, cz: number, radius: number, material_id: number): void;
    /**
     * A point light whose intensity falls off as 1/(4πr²).
     */
    add_spherical_light(px: number, py: number, pz: number, red: number, green: number, blue: number, intensity: number): void;
    /**
     * RGBA8, rgba.length must be width*height*4. Returns the texture id.
     */
    add_texture(width: number, height: number, rgba: Uint8Array): number;
    /**
     * Builds the BVH; consumes the builder.
     */
    build(): RenderScene;
    /**
     * The original's camera: at the origin looking down −z; fov is vertical, in degrees.
     */
    constructor(width: number, height: number, fov_degrees: number, shadow_bias: number, max_recursion_depth: number);
    /**
     * Extension: a free camera. Equal to the default, renders byte-identically.
     */
    set_camera(px: number, py: number, pz: number, look_x: number, look_y: number, look_z: number, up_x: number, up_y: number, up_z: number): void;
    /**
     * Extension: samples per pixel, a perfect square; 1 (default) is the original's image.
     */
    set_samples(samples: number): void;
    /**
     * Default true; false uses brute force over all elements (for tests and benchmarks).
     */
    set_use_bvh(use_bvh: boolean): void;
}

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_renderscene_free: (a: number, b: number) => void;
    readonly __wbg_scenebuilder_free: (a: number, b: number) => void;
    readonly renderscene_height: (a: number) => number;
    readonly renderscene_render_tile: (a: number, b: number, c: number, d: number, e: number) => [number, number, number, number];
    readonly renderscene_width: (a: number) => number;
    readonly scenebuilder_add_directional_light: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number];
    readonly scenebuilder_add_material: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => [number, number, number];
    readonly scenebuilder_add_plane: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number];
    readonly scenebuilder_add_sphere: (a: number, b: number, c: number, d: number, e: number, f: number) => [number, number];
    readonly scenebuilder_add_spherical_light: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number];
    readonly scenebuilder_add_texture: (a: number, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly scenebuilder_build: (a: number) => [number, number, number];
    readonly scenebuilder_new: (a: number, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly scenebuilder_set_camera: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => [number, number];
    readonly scenebuilder_set_samples: (a: number, b: number) => [number, number];
    readonly scenebuilder_set_use_bvh: (a: number, b: number) => void;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
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
