// The table of element kinds (src/scene/elements.ts), scene.schema.json and validateScene
// must agree: every kind in the table is in the schema and validated, and the schema has no
// kind the table lacks. `examples` is keyed by the table's kinds, so a kind added to the
// table without an example here fails to compile.
//
// deno-lint-ignore no-import-prefix
import { Ajv2020 } from "npm:ajv@8.17.1/dist/2020.js";
import assert from "node:assert/strict";
import { validateScene } from "../src/scene/mod.ts";
import {
  ELEMENT_KINDS,
  type ElementKind,
  elementParts,
} from "../src/scene/elements.ts";
import { sceneAssets } from "../src/scene/_assets.ts";
import { packScene } from "../src/render/packed_scene.ts";

const schema = JSON.parse(await Deno.readTextFile("scene.schema.json"));
const ajv = new Ajv2020({ allErrors: true, strict: true });
const schemaAccepts = ajv.compile(schema);

const white = {
  coloration: { Color: { red: 1, green: 1, blue: 1 } },
  albedo: 0.18,
  surface: "Diffuse",
};
const textured = {
  ...white,
  coloration: { Texture: { path: "t.png" } },
};

/** One valid body per kind. */
const examples: Record<ElementKind, Record<string, unknown>> = {
  Sphere: { center: { x: 0, y: 0, z: -5 }, radius: 1, material: white },
  Plane: {
    origin: { x: 0, y: -1, z: 0 },
    normal: { x: 0, y: -1, z: 0 },
    material: white,
  },
  Mesh: {
    positions: [0, 0, -5, 1, 0, -5, 0, 1, -5],
    indices: [0, 1, 2],
    material: white,
  },
  Gltf: { path: "model.glb", transform: { scale: 2 } },
};

function sceneWith(...elements: unknown[]) {
  return {
    width: 4,
    height: 4,
    fov: 90,
    elements,
    lights: [],
    shadow_bias: 1e-13,
    max_recursion_depth: 3,
  };
}

function validatorAccepts(value: unknown): boolean {
  try {
    validateScene(value);
    return true;
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) return false;
    throw error;
  }
}

Deno.test("the schema's element kinds are exactly the table's", () => {
  const inSchema = (schema.$defs.element.oneOf as { required: string[] }[])
    .map((variant) => variant.required[0]);
  assert.deepEqual([...inSchema].sort(), [...ELEMENT_KINDS].sort());
});

Deno.test("every kind in the table is accepted by the schema and the validator, and only as itself", () => {
  for (const kind of ELEMENT_KINDS) {
    const good = sceneWith({ [kind]: examples[kind] });
    assert.ok(
      schemaAccepts(good),
      `${kind}: ${ajv.errorsText(schemaAccepts.errors)}`,
    );
    assert.ok(validatorAccepts(good), kind);
    const parsed = validateScene(good).elements[0];
    assert.equal(elementParts(parsed).kind, kind);
    // An unknown field in the body, and the body under a name no kind has, fail both.
    for (
      const bad of [
        sceneWith({ [kind]: { ...examples[kind], unknown: 1 } }),
        sceneWith({ [`${kind}s`]: examples[kind] }),
        sceneWith({ [kind]: { ...examples[kind], material: undefined } }),
      ]
    ) {
      assert.ok(!schemaAccepts(bad), kind);
      assert.ok(!validatorAccepts(bad), kind);
    }
  }
});

Deno.test("every kind's material texture is one of the scene's assets, named by its JSON path", () => {
  // A glTF model brings its own materials.
  const withMaterial = ELEMENT_KINDS.filter((kind) => kind !== "Gltf");
  const description = validateScene(
    sceneWith(
      ...withMaterial.map((kind) => ({
        [kind]: { ...examples[kind], material: textured },
      })),
      { Mesh: { path: "m.obj", material: white } },
      { Gltf: examples.Gltf },
    ),
  );
  assert.deepEqual(sceneAssets(description), [
    ...withMaterial.map((kind, i) => ({
      kind: "texture",
      path: "t.png",
      jsonPath: `elements[${i}].${kind}.material.coloration.Texture.path`,
    })),
    {
      kind: "mesh",
      path: "m.obj",
      jsonPath: `elements[${withMaterial.length}].Mesh.path`,
    },
    {
      kind: "gltf",
      path: "model.glb",
      jsonPath: `elements[${withMaterial.length + 1}].Gltf.path`,
    },
  ]);
});

Deno.test("an element of no known kind is refused by the dispatch, not packed as another kind", () => {
  assert.throws(() => elementParts({ Cube: {} } as never), {
    name: "TypeError",
    message: /an element must have one key, one of Sphere, Plane, Mesh/,
  });
  const description = validateScene(sceneWith({ Sphere: examples.Sphere }));
  (description.elements as unknown[]).push({ Cube: { material: white } });
  assert.throws(
    () => packScene({ description, textures: new Map() }),
    { name: "TypeError" },
  );
});

Deno.test("the asset loader reads a mesh file named 10,000 times, in two spellings, once", async () => {
  const { prepareScene } = await import("../src/scene/mod.ts");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/m.obj`,
      "v 0 0 -5\nv 1 0 -5\nv 0 1 -5\nf 1 2 3\n",
    );
    const elements = Array.from({ length: 10_000 }, (_, i) => ({
      Mesh: {
        path: i % 2 === 0 ? "m.obj" : "./m.obj",
        material: white,
        transform: { translate: { x: i, y: 0, z: 0 } },
      },
    }));
    const scene = await prepareScene(sceneWith(...elements) as never, {
      baseDir: dir,
    });
    assert.deepEqual([...scene.meshes!.keys()], ["m.obj", "./m.obj"]);
    // One parse: both spellings hold the very same geometry.
    assert.equal(scene.meshes!.get("m.obj"), scene.meshes!.get("./m.obj"));
    assert.equal(scene.meshes!.get("m.obj")!.indices.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
