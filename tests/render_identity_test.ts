// Scene identity (src/render/scene_identity.ts): how the renderer knows a scene is unchanged
// without packing it, and that it never calls two different scenes the same.

import assert from "node:assert/strict";
import { sameScene, sceneIdentity } from "../src/render/scene_identity.ts";
import { packScene } from "../src/render/packed_scene.ts";
import type { MeshData, Scene, SceneDescription } from "../src/types.ts";

const textured = {
  coloration: { Texture: { path: "t.png" } },
  albedo: 0.5,
  surface: "Diffuse",
} as const;

function sceneOf(
  elements: SceneDescription["elements"],
  textures: Scene["textures"] = new Map(),
  meshes?: Scene["meshes"],
): Scene {
  return {
    description: {
      width: 4,
      height: 4,
      fov: 90,
      shadow_bias: 1e-9,
      max_recursion_depth: 3,
      elements,
      lights: [],
    },
    textures,
    ...(meshes ? { meshes } : {}),
  };
}

const ball = (x: number) => ({
  Sphere: {
    center: { x, y: 0, z: -5 },
    radius: 1,
    material: structuredClone(textured),
  },
});
const file: MeshData = {
  positions: new Float64Array([0, 0, 0, 1, 0, 0, 0, 1, 0]),
  indices: new Uint32Array([0, 1, 2]),
  degenerate: 0,
};
const placed = (path: string) => ({
  Mesh: { path, material: structuredClone(textured) },
});

Deno.test("identity: equal for the same values and the same arrays, whichever objects hold them", () => {
  const image = { width: 1, height: 1, data: new Uint8Array([1, 2, 3, 255]) };
  const a = sceneOf(
    [ball(0), placed("m.obj")],
    new Map([["t.png", image]]),
    new Map([["m.obj", file]]),
  );
  const b = sceneOf(
    structuredClone(a.description.elements),
    new Map([["t.png", { ...image }]]),
    new Map([["m.obj", file]]),
  );
  assert.ok(sameScene(sceneIdentity(a), sceneIdentity(b)));
});

Deno.test("identity: different for any change the packed bytes would show", () => {
  const image = { width: 2, height: 1, data: new Uint8Array(8) };
  const base = sceneOf(
    [ball(0), placed("m.obj")],
    new Map([["t.png", image]]),
    new Map([["m.obj", file]]),
  );
  const identity = sceneIdentity(base);
  const variants: Scene[] = [
    // A value, even −0 for 0 (which packs to other bytes).
    sceneOf([ball(-0), placed("m.obj")], base.textures, base.meshes),
    sceneOf([ball(1), placed("m.obj")], base.textures, base.meshes),
    // New pixels, or the same pixels read as another size.
    sceneOf(
      base.description.elements,
      new Map([["t.png", { ...image, data: image.data.slice() }]]),
      base.meshes,
    ),
    sceneOf(
      base.description.elements,
      new Map([["t.png", { width: 1, height: 2, data: image.data }]]),
      base.meshes,
    ),
    // Another parsed mesh, or two spellings no longer sharing one.
    sceneOf(
      base.description.elements,
      base.textures,
      new Map([["m.obj", { ...file, positions: file.positions.slice() }]]),
    ),
    sceneOf(
      [ball(0), placed("m.obj"), placed("./m.obj")],
      base.textures,
      new Map([["m.obj", file], ["./m.obj", { ...file }]]),
    ),
  ];
  for (const [i, variant] of variants.entries()) {
    assert.ok(!sameScene(identity, sceneIdentity(variant)), `variant ${i}`);
  }
  // The sharing variant packs differently indeed: two mesh objects, not one.
  const shared = sceneOf(
    [ball(0), placed("m.obj"), placed("./m.obj")],
    base.textures,
    new Map([["m.obj", file], ["./m.obj", file]]),
  );
  assert.notEqual(packScene(shared).length, packScene(variants[5]).length);
  assert.ok(!sameScene(sceneIdentity(shared), sceneIdentity(variants[5])));
  // And options are part of it.
  assert.ok(!sameScene(identity, sceneIdentity(base, { bruteForce: true })));
});

Deno.test("the scene prepared last is found again without a Renderer's help, by identity or by bytes", async () => {
  const { shareScene } = await import("../src/render/shared_scene.ts");
  const image = { width: 1, height: 1, data: new Uint8Array([1, 2, 3, 255]) };
  const a = sceneOf([ball(0)], new Map([["t.png", image]]));
  const prepared = await shareScene(a);
  // Same arrays: recognised by identity.
  assert.equal(await shareScene(sceneOf([ball(0)], a.textures)), prepared);
  // Equal pixels in a new array: packed and recognised by its bytes (same key, same memory).
  const copy = await shareScene(
    sceneOf(
      [ball(0)],
      new Map([["t.png", { ...image, data: image.data.slice() }]]),
    ),
  );
  assert.equal(copy.key, prepared.key);
  assert.equal(copy.bytes, prepared.bytes);
  // Another scene is prepared anew.
  const other = await shareScene(sceneOf([ball(2)], a.textures));
  assert.notEqual(other.key, prepared.key);
});
