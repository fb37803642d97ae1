import assert from "node:assert/strict";
import { resolve } from "node:path";
import type { SceneDescription } from "../src/types.ts";
import { loadScene, parseScene, prepareScene } from "../src/scene/mod.ts";

const fixtures = "tests/fixtures/scenes";
const original = "tests/fixtures/original";

/** A fresh folder under ./out, removed after `body`. */
async function withTempDir(body: (dir: string) => Promise<void>) {
  await Deno.mkdir("out", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A scene whose spheres use these textures, in this order. */
function textured(...paths: string[]): SceneDescription {
  return {
    width: 8,
    height: 6,
    fov: 90,
    elements: paths.map((path, i) => ({
      Sphere: {
        center: { x: i, y: 0, z: -5 },
        radius: 1,
        material: {
          coloration: { Texture: { path } },
          albedo: 0.18,
          surface: "Diffuse",
        },
      },
    })),
    lights: [],
    shadow_bias: 1e-13,
    max_recursion_depth: 10,
  };
}

const texturePath = (i: number) =>
  `elements[${i}].Sphere.material.coloration.Texture.path`;

Deno.test("loadScene() loads the original's scene and its texture next to it", async () => {
  const scene = await loadScene(`${original}/test_800x600.json`);
  const expected = JSON.parse(
    await Deno.readTextFile(`${original}/test_800x600.json`),
  );
  assert.deepEqual(scene.description, expected);
  assert.deepEqual([...scene.textures.keys()], ["scenes/checkerboard.png"]);
  const texture = scene.textures.get("scenes/checkerboard.png")!;
  assert.equal(texture.width, 819);
  assert.equal(texture.height, 819);
  assert.ok(texture.data instanceof Uint8Array);
  assert.equal(texture.data.length, 819 * 819 * 4);
  assert.deepEqual([...texture.data.subarray(0, 4)], [0, 0, 0, 255]);
});

Deno.test("loadScene() takes a file: URL", async () => {
  const url = new URL(
    `../${original}/test_800x600.json`,
    import.meta.url,
  );
  const scene = await loadScene(url);
  assert.equal(scene.description.width, 800);
  assert.equal(scene.textures.size, 1);
});

Deno.test("loadScene() names the file it cannot read", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(loadScene(`${dir}/missing.json`), {
      name: "NotFound",
      message:
        `cannot read scene file "${dir}/missing.json": No such file or directory`,
    });
    await assert.rejects(loadScene(dir), {
      name: "IsADirectory",
      message: `cannot read scene file "${dir}": Is a directory`,
    });
    await Deno.writeFile(
      `${dir}/latin1.json`,
      new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]), // {"é":1} in Latin-1
    );
    await assert.rejects(loadScene(`${dir}/latin1.json`), {
      name: "TypeError",
      message:
        `cannot read scene file "${dir}/latin1.json": it is not UTF-8 text`,
    });
    await assert.rejects(
      loadScene(new URL("https://example.com/scene.json")),
      {
        name: "TypeError",
        message:
          'cannot read scene file "https://example.com/scene.json": only file: URLs can be read',
      },
    );
  });
});

Deno.test("loadScene() reports syntax and validation errors as parseScene does", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/bad.json`, '{\n  "width": 8,\n  x\n}');
    await assert.rejects(loadScene(`${dir}/bad.json`), {
      name: "SyntaxError",
      message:
        "invalid JSON at line 3, column 3: Expected double-quoted property name",
    });
    const scene = textured();
    scene.fov = 200;
    await Deno.writeTextFile(`${dir}/fov.json`, JSON.stringify(scene));
    await assert.rejects(loadScene(`${dir}/fov.json`), {
      name: "RangeError",
      message: "fov must be a number greater than 0 and less than 180, got 200",
    });
  });
});

Deno.test("textures: the scene file's folder comes before the current directory", async () => {
  await withTempDir(async (dir) => {
    // The same relative path exists in the current directory (a 2×3 image) and, after the
    // copy, in the scene's folder (an 819×819 one).
    const relative = `${fixtures}/tiny_2x3.png`;
    await Deno.writeTextFile(
      `${dir}/scene.json`,
      JSON.stringify(textured(relative)),
    );
    const fromCwd = await loadScene(`${dir}/scene.json`);
    assert.equal(fromCwd.textures.get(relative)!.width, 2);

    await Deno.mkdir(`${dir}/${fixtures}`, { recursive: true });
    await Deno.copyFile(
      `${fixtures}/checkerboard.png`,
      `${dir}/${relative}`,
    );
    const fromBase = await loadScene(`${dir}/scene.json`);
    assert.equal(fromBase.textures.get(relative)!.width, 819);
  });
});

Deno.test("textures: baseDir may be a relative path, an absolute path or a file: URL", async () => {
  const description = textured("checkerboard.png");
  for (
    const baseDir of [
      fixtures,
      resolve(fixtures),
      new URL("./fixtures/scenes/", import.meta.url),
    ]
  ) {
    const scene = await prepareScene(description, { baseDir });
    assert.equal(scene.textures.get("checkerboard.png")!.height, 819);
  }
});

Deno.test("textures: an absolute path is used as is", async () => {
  const absolute = resolve(fixtures, "tiny_2x3.png");
  const scene = await prepareScene(textured(absolute), { baseDir: "/nowhere" });
  assert.equal(scene.textures.get(absolute)!.width, 2);
});

Deno.test("textures: PNG pixels come out as RGBA bytes, top row first", async () => {
  const scene = await prepareScene(textured("tiny_2x3.png"), {
    baseDir: fixtures,
  });
  const texture = scene.textures.get("tiny_2x3.png")!;
  assert.equal(texture.width, 2);
  assert.equal(texture.height, 3);
  assert.deepEqual([...texture.data], [
    ...[255, 0, 0, 255, 0, 255, 0, 255],
    ...[0, 0, 255, 255, 255, 255, 255, 128],
    ...[0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78],
  ]);
});

Deno.test("textures: JPEG decodes too", async () => {
  const scene = await prepareScene(textured("gray_4x4.jpg"), {
    baseDir: fixtures,
  });
  const texture = scene.textures.get("gray_4x4.jpg")!;
  assert.equal(texture.width, 4);
  assert.equal(texture.height, 4);
  for (let i = 0; i < texture.data.length; i += 4) {
    assert.deepEqual([...texture.data.subarray(i, i + 4)], [
      128,
      128,
      128,
      255,
    ]);
  }
});

Deno.test("textures: each path is decoded once and keyed as written", async () => {
  const scene = await prepareScene(
    textured(
      "checkerboard.png",
      "tiny_2x3.png",
      "checkerboard.png",
      "./checkerboard.png",
    ),
    { baseDir: fixtures },
  );
  assert.deepEqual([...scene.textures.keys()], [
    "checkerboard.png",
    "tiny_2x3.png",
    "./checkerboard.png",
  ]);
  // Two spellings of one file share one decoded image.
  assert.equal(
    scene.textures.get("./checkerboard.png"),
    scene.textures.get("checkerboard.png"),
  );
});

Deno.test("textures: a missing file names the JSON path and every file tried", async () => {
  const base = resolve("out/no-such-folder");
  await assert.rejects(
    prepareScene(textured("checkerboard.png", "scenes/x.png"), {
      baseDir: fixtures,
    }),
    {
      name: "NotFound",
      message: `${texturePath(1)}: texture "scenes/x.png" not found (tried "${
        resolve(fixtures, "scenes/x.png")
      }", "${resolve("scenes/x.png")}")`,
    },
  );
  // Without a baseDir, or with the current directory as baseDir, one place is tried.
  for (const baseDir of [undefined, "."]) {
    await assert.rejects(prepareScene(textured("x.png"), { baseDir }), {
      message: `${texturePath(0)}: texture "x.png" not found (tried "${
        resolve("x.png")
      }")`,
    });
  }
  await assert.rejects(prepareScene(textured(`${base}/x.png`)), {
    message: `${
      texturePath(0)
    }: texture "${base}/x.png" not found (tried "${base}/x.png")`,
  });
});

Deno.test("textures: a folder, a non-image and a corrupt image are named", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/folder.png`);
    await Deno.writeTextFile(`${dir}/text.png`, "not an image");
    await Deno.writeFile(`${dir}/empty.png`, new Uint8Array());
    const png = await Deno.readFile(`${fixtures}/checkerboard.png`);
    await Deno.writeFile(`${dir}/truncated.png`, png.subarray(0, 100));
    await Deno.writeFile(
      `${dir}/scene.gif`,
      new TextEncoder().encode("GIF89a"),
    );
    const where = (name: string) => JSON.stringify(resolve(dir, name));

    await assert.rejects(
      prepareScene(textured("folder.png"), { baseDir: dir }),
      {
        name: "IsADirectory",
        message: `${texturePath(0)}: texture "folder.png" is a directory (${
          where("folder.png")
        })`,
      },
    );
    for (const name of ["text.png", "empty.png", "scene.gif"]) {
      await assert.rejects(
        prepareScene(textured(name), { baseDir: dir }),
        {
          name: "TypeError",
          message: `${texturePath(0)}: texture "${name}" (${
            where(name)
          }) is not a PNG or JPEG image`,
        },
      );
    }
    await assert.rejects(
      prepareScene(textured("truncated.png"), { baseDir: dir }),
      {
        name: "TypeError",
        message: new RegExp(
          `^${
            texturePath(0).replaceAll(/[.[\]]/g, "\\$&")
          }: cannot decode texture "truncated.png" \\(${
            where("truncated.png").replaceAll(/[.[\]]/g, "\\$&")
          }\\): .+`,
        ),
      },
    );
  });
});

Deno.test("textures: the first bad texture in scene order is the one reported", async () => {
  await assert.rejects(
    prepareScene(textured("checkerboard.png", "b.png", "a.png"), {
      baseDir: fixtures,
    }),
    { message: new RegExp(`^elements\\[1\\]\\.Sphere.*"b\\.png" not found`) },
  );
});

Deno.test("textures: planes are decoded too and reported with their path", async () => {
  const description = textured();
  description.elements.push({
    Plane: {
      origin: { x: 0, y: -2, z: 0 },
      normal: { x: 0, y: -1, z: 0 },
      material: {
        coloration: { Texture: { path: "missing.png" } },
        albedo: 0.18,
        surface: "Diffuse",
      },
    },
  });
  await assert.rejects(prepareScene(description), {
    message: new RegExp(
      '^elements\\[0\\]\\.Plane\\.material\\.coloration\\.Texture\\.path: texture "missing\\.png" not found',
    ),
  });
});

Deno.test("prepareScene() validates and copies the description", async () => {
  const description = textured("checkerboard.png");
  const scene = await prepareScene(description, { baseDir: fixtures });
  assert.deepEqual(scene.description, description);
  assert.notEqual(scene.description, description);
  const bad = textured();
  bad.width = -1;
  await assert.rejects(prepareScene(bad), {
    name: "RangeError",
    message: "width must be a positive integer, got -1",
  });
});

Deno.test("parseScene() resolves textures against baseDir", async () => {
  const text = JSON.stringify(textured("scenes/checkerboard.png"));
  const scene = await parseScene(text, { baseDir: original });
  assert.equal(scene.textures.get("scenes/checkerboard.png")!.width, 819);
});
