// The benchmark's glTF model, built in code: a torus of `rings × sides` quads (15,000
// triangles by default) with a base-colour texture, a metallic-roughness texture and a normal
// map (all PNG, generated), no tangents in the file (the loader makes them), in a .glb.

// deno-lint-ignore no-import-prefix
import * as core from "npm:@gltf-transform/core@4.5.1";
import { png } from "../testing/gltf_parts.ts";

/** Options for {@linkcode writeBenchModel}. */
export interface BenchModelOptions {
  /** Around the torus (default 100). */
  rings?: number;
  /** Around its tube (default 75): triangles = 2 × rings × sides. */
  sides?: number;
  /** Side of each texture in pixels (default 512). */
  textureSide?: number;
}

/** Writes the model to `path` and returns its triangle count. */
export async function writeBenchModel(
  path: string,
  options: BenchModelOptions = {},
): Promise<number> {
  const { rings = 100, sides = 75, textureSide = 512 } = options;
  const R = 1, r = 0.4;
  const positions: number[] = [];
  const normals: number[] = [];
  const uvs: number[] = [];
  const indices: number[] = [];
  for (let i = 0; i <= rings; i++) {
    const u = i / rings, a = 2 * Math.PI * u;
    for (let j = 0; j <= sides; j++) {
      const v = j / sides, b = 2 * Math.PI * v;
      const nx = Math.cos(a) * Math.cos(b),
        ny = Math.sin(b),
        nz = Math.sin(a) * Math.cos(b);
      positions.push(
        R * Math.cos(a) + r * nx,
        r * ny,
        R * Math.sin(a) + r * nz,
      );
      normals.push(nx, ny, nz);
      uvs.push(4 * u, v);
    }
  }
  for (let i = 0; i < rings; i++) {
    for (let j = 0; j < sides; j++) {
      const a = i * (sides + 1) + j, b = a + sides + 1;
      indices.push(a, a + 1, b, b, a + 1, b + 1);
    }
  }
  const doc = new core.Document();
  const buffer = doc.createBuffer();
  const accessor = (type: core.GLTF.AccessorType, array: core.TypedArray) =>
    doc.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  const primitive = doc.createPrimitive()
    .setAttribute("POSITION", accessor("VEC3", new Float32Array(positions)))
    .setAttribute("NORMAL", accessor("VEC3", new Float32Array(normals)))
    .setAttribute("TEXCOORD_0", accessor("VEC2", new Float32Array(uvs)))
    .setIndices(accessor("SCALAR", new Uint32Array(indices)));
  const n = textureSide;
  const texture = async (
    name: string,
    color: (x: number, y: number) => number[],
  ) =>
    doc.createTexture(name).setMimeType("image/png").setImage(
      await png(n, n, color, 1),
    );
  const cell = n / 8;
  const material = doc.createMaterial("tiles")
    .setBaseColorTexture(
      await texture(
        "colour",
        (x, y) =>
          (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0
            ? [200, 60, 40, 255]
            : [230, 210, 170, 255],
      ),
    )
    .setMetallicRoughnessTexture(
      await texture(
        "metal-rough",
        (x, y) =>
          (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0
            ? [0, 80, 0, 255]
            : [0, 200, 255, 255],
      ),
    )
    .setNormalTexture(
      await texture("bumps", (x, y) => {
        // A height field of bumps; the normal is (−∂h/∂x, −∂h/∂y, 1), normalised.
        const k = (2 * Math.PI * 16) / n;
        const dx = -0.6 * Math.cos(k * x) * Math.sin(k * y);
        const dy = -0.6 * Math.sin(k * x) * Math.cos(k * y);
        const length = Math.hypot(dx, dy, 1);
        return [dx / length, -dy / length, 1 / length].map((c) =>
          Math.round((c * 0.5 + 0.5) * 255)
        )
          .concat(255);
      }),
    );
  primitive.setMaterial(material);
  const mesh = doc.createMesh("torus").addPrimitive(primitive);
  doc.createScene().addChild(
    doc.createNode("torus").setMesh(mesh).setRotation([0.259, 0, 0, 0.966]),
  );
  await Deno.writeFile(path, await new core.NodeIO().writeBinary(doc));
  return indices.length / 3;
}
