// Scene, texture and asset files are read only when they are regular files within their size
// limit; anything else (a device, a FIFO, a folder, an oversize or growing file) is refused at
// once, and every load can be aborted.

import assert from "node:assert/strict";
import { resolve } from "node:path";
import type { SceneDescription } from "../src/types.ts";
import { loadScene, parseScene, prepareScene } from "../src/scene/mod.ts";
import {
  MAX_ASSET_FILE_BYTES,
  MAX_SCENE_FILE_BYTES,
  MAX_TEXTURE_FILE_BYTES,
} from "../src/scene/limits.ts";
import { readBoundedFile } from "../src/scene/_read_file.ts";

const texturePath = "elements[0].Sphere.material.coloration.Texture.path";

async function withTempDir(body: (dir: string) => Promise<void>) {
  await Deno.mkdir("out", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Settles as `promise` does, or fails the test if it takes more than `ms` (a hang). */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still pending after ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function mkfifo(path: string): Promise<void> {
  const { success, stderr } = await new Deno.Command("mkfifo", {
    args: [path],
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
}

function textured(path: string): SceneDescription {
  return {
    width: 4,
    height: 3,
    fov: 90,
    elements: [{
      Sphere: {
        center: { x: 0, y: 0, z: -5 },
        radius: 1,
        material: {
          coloration: { Texture: { path } },
          albedo: 0.18,
          surface: "Diffuse",
        },
      },
    }],
    lights: [],
    shadow_bias: 1e-13,
    max_recursion_depth: 10,
  };
}

const tinyScene = JSON.stringify({
  width: 4,
  height: 3,
  fov: 90,
  elements: [],
  lights: [],
  shadow_bias: 1e-13,
  max_recursion_depth: 10,
});

Deno.test("the file limits are 256 MiB", () => {
  assert.equal(MAX_SCENE_FILE_BYTES, 256 * 2 ** 20);
  assert.equal(MAX_TEXTURE_FILE_BYTES, 256 * 2 ** 20);
  assert.equal(MAX_ASSET_FILE_BYTES, 256 * 2 ** 20);
});

Deno.test("loadScene() refuses /dev/zero at once instead of reading it forever", async () => {
  await assert.rejects(within(2000, loadScene("/dev/zero")), {
    name: "TypeError",
    message:
      'cannot read scene file "/dev/zero": it is a character device, not a regular file',
  });
});

Deno.test("loadScene() refuses a FIFO at once instead of blocking on it", async () => {
  await withTempDir(async (dir) => {
    await mkfifo(`${dir}/scene.json`);
    await assert.rejects(within(2000, loadScene(`${dir}/scene.json`)), {
      name: "TypeError",
      message:
        `cannot read scene file "${dir}/scene.json": it is a FIFO (named pipe), not a regular file`,
    });
  });
});

Deno.test("loadScene() refuses a scene file over 256 MiB before reading it", async () => {
  await withTempDir(async (dir) => {
    // Sparse: takes no disk space, and is never read.
    const file = await Deno.open(`${dir}/huge.json`, {
      write: true,
      create: true,
    });
    await file.truncate(MAX_SCENE_FILE_BYTES + 1);
    file.close();
    await assert.rejects(within(2000, loadScene(`${dir}/huge.json`)), {
      name: "RangeError",
      message: `cannot read scene file "${dir}/huge.json": it is ${
        MAX_SCENE_FILE_BYTES + 1
      } bytes, more than the limit of 268435456 bytes (256 MiB)`,
    });
  });
});

Deno.test("a texture that is a device, a FIFO or too large is refused at once", async () => {
  await withTempDir(async (dir) => {
    await mkfifo(`${dir}/pipe.png`);
    const big = await Deno.open(`${dir}/big.png`, {
      write: true,
      create: true,
    });
    await big.truncate(MAX_TEXTURE_FILE_BYTES + 1);
    big.close();
    const where = (name: string) => JSON.stringify(resolve(dir, name));
    await assert.rejects(within(2000, prepareScene(textured("/dev/zero"))), {
      name: "TypeError",
      message:
        `${texturePath}: cannot read texture "/dev/zero" ("/dev/zero"): it is a character device, not a regular file`,
    });
    await assert.rejects(
      within(2000, prepareScene(textured("pipe.png"), { baseDir: dir })),
      {
        name: "TypeError",
        message: `${texturePath}: cannot read texture "pipe.png" (${
          where("pipe.png")
        }): it is a FIFO (named pipe), not a regular file`,
      },
    );
    await assert.rejects(
      within(2000, prepareScene(textured("big.png"), { baseDir: dir })),
      {
        name: "RangeError",
        message: `${texturePath}: cannot read texture "big.png" (${
          where("big.png")
        }): it is ${
          MAX_TEXTURE_FILE_BYTES + 1
        } bytes, more than the limit of 268435456 bytes (256 MiB)`,
      },
    );
  });
});

Deno.test("readBoundedFile() reads a file within its limit whole", async () => {
  await withTempDir(async (dir) => {
    const bytes = crypto.getRandomValues(new Uint8Array(10_000));
    await Deno.writeFile(`${dir}/a.bin`, bytes);
    const read = await readBoundedFile(`${dir}/a.bin`, {
      limit: 10_000,
      what: "asset",
    });
    assert.deepEqual(read, bytes);
    assert.deepEqual(
      await readBoundedFile(`${dir}/a.bin`, { limit: 20_000, what: "asset" }),
      bytes,
    );
    await Deno.writeFile(`${dir}/empty.bin`, new Uint8Array());
    assert.equal(
      (await readBoundedFile(`${dir}/empty.bin`, { limit: 0, what: "asset" }))
        .length,
      0,
    );
    await assert.rejects(
      readBoundedFile(`${dir}/a.bin`, { limit: 9_999, what: 'mesh "a.bin"' }),
      {
        name: "RangeError",
        message:
          'cannot read mesh "a.bin": it is 10000 bytes, more than the limit of 9999 bytes',
      },
    );
  });
});

Deno.test("readBoundedFile() names the file for OS errors and folders", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      readBoundedFile(`${dir}/missing`, { limit: 10, what: "asset x" }),
      {
        name: "NotFound",
        message: "cannot read asset x: No such file or directory",
      },
    );
    await assert.rejects(
      readBoundedFile(dir, { limit: 10, what: "asset y" }),
      { name: "IsADirectory", message: "cannot read asset y: Is a directory" },
    );
  });
});

Deno.test("loadScene(), parseScene() and prepareScene() reject with an AbortError quoting the reason", async () => {
  const aborted = AbortSignal.abort();
  await assert.rejects(
    loadScene("tests/fixtures/original/test.json", { signal: aborted }),
    { name: "AbortError" },
  );
  await assert.rejects(parseScene(tinyScene, { signal: aborted }), {
    name: "AbortError",
  });
  await assert.rejects(
    prepareScene(JSON.parse(tinyScene), { signal: aborted }),
    { name: "AbortError" },
  );

  // Aborted at points fixed by the test, not by a timer racing the load (the load could
  // finish first on a slow or busy machine): right after the call, before any of its work has
  // settled; and while the texture's file is being looked at, a look that never finishes, so
  // only the abort can end the load. The reason is no Error.
  const reason = Symbol("stop");
  const texture = resolve("tests/fixtures/original/scenes/checkerboard.png");
  for (const when of ["at once", "while the texture is read"] as const) {
    const controller = new AbortController();
    const realStat = Deno.stat;
    let textureLookedAt = false;
    if (when === "while the texture is read") {
      Deno.stat = (path: string | URL) => {
        if (resolve(String(path)) !== texture) return realStat(path);
        textureLookedAt = true;
        controller.abort(reason);
        return new Promise<never>(() => {}); // a read that never finishes
      };
    }
    try {
      const loading = loadScene("tests/fixtures/original/test_800x600.json", {
        signal: controller.signal,
      });
      if (when === "at once") controller.abort(reason);
      await assert.rejects(within(10_000, loading), {
        name: "AbortError",
        message: "loading the scene was aborted: Symbol(stop)",
      }, when);
      assert.equal(textureLookedAt, when !== "at once", when);
    } finally {
      Deno.stat = realStat;
    }
  }
});

Deno.test("readBoundedFile() rejects at once when aborted mid-read", async () => {
  await withTempDir(async (dir) => {
    const file = await Deno.open(`${dir}/big.bin`, {
      write: true,
      create: true,
    });
    await file.truncate(64 * 2 ** 20);
    file.close();
    const controller = new AbortController();
    const reading = readBoundedFile(`${dir}/big.bin`, {
      limit: 128 * 2 ** 20,
      what: "big",
      signal: controller.signal,
    });
    await new Promise((ok) => setTimeout(ok, 1));
    controller.abort();
    await assert.rejects(within(2000, reading), { name: "AbortError" });
  });
});
