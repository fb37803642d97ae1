// raypool used the way a user of another project uses it: from folders outside the checkout
// (no import map of ours, no deno.json or one of their own), run with `Deno.execPath()` and
// exactly the permissions the README gives; installed as a command; and as a task started from
// another folder. The images written are compared to the same scene rendered here.

import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadScene, prepareScene, render } from "../mod.ts";
import type { RenderedImage } from "../mod.ts";
import {
  decodeImage,
  PERMISSIONS,
  ROOT,
  runCli,
} from "./fixtures/cli/helpers.ts";
import {
  markedBlock,
  markedCommand,
  run as runProgram,
  runDeno,
  userEnvironment,
  withOutsideDir,
} from "./fixtures/readme.ts";
import { missing } from "../testing/process.ts";

const TEXTURE = join(ROOT, "examples/textures/tiles.png");

/** A user's script: a textured scene built with the builders, rendered, written as PNG and JPEG. */
const SCRIPT = `import {
  encodeJpeg,
  encodePng,
  material,
  plane,
  point,
  prepareScene,
  render,
  rgb,
  scene,
  sphere,
  sphericalLight,
  vector,
} from ${JSON.stringify(pathToFileURL(join(ROOT, "mod.ts")).href)};

export const description = scene({
  width: 48,
  height: 36,
  elements: [
    sphere({ center: point(0, 0, -4), radius: 1, material: material({ texture: "wood.png" }) }),
    plane({
      origin: point(0, -1, 0),
      normal: vector(0, -1, 0),
      material: material({ color: rgb(0.8, 0.8, 0.8) }),
    }),
  ],
  lights: [sphericalLight({ position: point(2, 4, 0), color: rgb(1, 1, 1), intensity: 2000 })],
});

if (import.meta.main) {
  const prepared = await prepareScene(description, { baseDir: import.meta.dirname });
  const image = await render(prepared, { workers: 2 });
  await Deno.writeFile("scene.png", await encodePng(image));
  await Deno.writeFile("scene.jpg", await encodeJpeg(image, 90));
}
`;

/** Writes the user's project into `dir`: main.ts, its texture, and `denoJson` if given. */
async function writeProject(dir: string, denoJson?: unknown): Promise<void> {
  await Deno.writeTextFile(join(dir, "main.ts"), SCRIPT);
  await Deno.copyFile(TEXTURE, join(dir, "wood.png"));
  if (denoJson !== undefined) {
    await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify(denoJson));
  }
}

/** The project's scene, rendered here. */
async function expectedImage(dir: string): Promise<RenderedImage> {
  const { description } = await import(
    pathToFileURL(join(dir, "main.ts")).href
  );
  return await render(await prepareScene(description, { baseDir: dir }), {
    workers: 1,
  });
}

/** The PNG holds exactly `expected`; the JPEG is the same size and close to it. */
async function assertImagesWritten(dir: string, expected: RenderedImage) {
  const png = await decodeImage(join(dir, "scene.png"));
  assert.deepEqual([png.width, png.height], [expected.width, expected.height]);
  assert.ok(
    png.data.every((byte, i) => byte === expected.data[i]),
    "scene.png differs from the scene rendered here",
  );
  const jpeg = await decodeImage(join(dir, "scene.jpg"));
  assert.deepEqual([jpeg.width, jpeg.height], [
    expected.width,
    expected.height,
  ]);
  let error = 0;
  for (let i = 0; i < jpeg.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      error += Math.abs(jpeg.data[i + c] - expected.data[i + c]);
    }
  }
  const meanError = error / (expected.width * expected.height * 3);
  assert.ok(meanError < 6, `scene.jpg is far from the render: ${meanError}`);
}

function assertSucceeded(run: { code: number; stderr: string }, what: string) {
  assert.equal(run.code, 0, `${what} failed: ${run.stderr}`);
}

Deno.test("a project without a deno.json imports mod.ts and runs with the README's permissions", async () => {
  await withOutsideDir(async (dir) => {
    await writeProject(dir);
    const command = markedCommand("run: no deno.json");
    assertSucceeded(await runDeno(command, dir), command.join(" "));
    await assertImagesWritten(dir, await expectedImage(dir));
  });
});

Deno.test('a project with "nodeModulesDir": "auto" runs with the README\'s permissions', async () => {
  await withOutsideDir(async (dir) => {
    await writeProject(dir, { nodeModulesDir: "auto" });
    const command = markedCommand("run: nodeModulesDir");
    assertSucceeded(await runDeno(command, dir), command.join(" "));
    await Deno.stat(join(dir, "node_modules/.deno/imagescript@1.3.1"));
    await assertImagesWritten(dir, await expectedImage(dir));
  });
});

Deno.test("without --allow-ffi the error gives the exact flag, and that flag works", async () => {
  await withOutsideDir(async (dir) => {
    await writeProject(dir);
    const command = markedCommand("run: no deno.json");
    const withoutFfi = command.filter((word) => word !== "--allow-ffi");
    assert.equal(withoutFfi.length, command.length - 1);
    const denied = await runDeno(withoutFfi, dir);
    assert.notEqual(denied.code, 0);
    const flag = /run with (--allow-ffi=\S+)/.exec(denied.stderr)?.[1];
    assert.ok(flag !== undefined, denied.stderr);
    // The whole path: the file is there.
    assert.ok((await Deno.stat(flag.slice("--allow-ffi=".length))).isFile);
    const scoped = [...withoutFfi.slice(0, -1), flag, withoutFfi.at(-1)!];
    assertSucceeded(await runDeno(scoped, dir), scoped.join(" "));
    await assertImagesWritten(dir, await expectedImage(dir));
  });
});

/** A scene file with a texture in a subfolder, both relative, in `dir`. */
async function writeSceneFolder(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "textures"));
  await Deno.copyFile(TEXTURE, join(dir, "textures/wood.png"));
  await Deno.writeTextFile(
    join(dir, "scene.json"),
    JSON.stringify({
      width: 40,
      height: 30,
      fov: 90,
      elements: [{
        Sphere: {
          center: { x: 0, y: 0, z: -3 },
          radius: 1,
          material: {
            coloration: { Texture: { path: "textures/wood.png" } },
            albedo: 0.5,
            surface: "Diffuse",
          },
        },
      }],
      lights: [{
        Directional: {
          direction: { x: 0, y: -1, z: -1 },
          color: { red: 1, green: 1, blue: 1 },
          intensity: 5,
        },
      }],
      shadow_bias: 1e-13,
      max_recursion_depth: 10,
    }),
  );
}

async function assertSceneRendered(file: string, sceneFile: string) {
  const expected = await render(await loadScene(sceneFile), { workers: 1 });
  const written = await decodeImage(file);
  assert.deepEqual([written.width, written.height], [40, 30]);
  assert.ok(
    written.data.every((byte, i) => byte === expected.data[i]),
    `${file} differs from the scene rendered here`,
  );
}

/**
 * A folder of links to every program on this machine's usual `PATH` folders except `deno`:
 * a user's `PATH` with Node.js and npm but no Deno.
 */
async function pathWithoutDeno(dir: string, sh: string): Promise<string> {
  const tools = join(dir, "tools");
  await Deno.mkdir(tools);
  // Linked by sh: Deno.symlink needs unscoped --allow-write, which the tests do not have.
  const linked = await runProgram(sh, [
    "-c",
    `for f in /usr/local/bin/* /usr/bin/* /bin/* /usr/local/sbin/* /usr/sbin/* /sbin/*; do
       n=\${f##*/}
       [ "$n" = deno ] || [ -e "$0/$n" ] || [ -L "$0/$n" ] || ln -s "$f" "$0/$n"
     done`,
    tools,
  ], dir);
  assert.equal(linked.code, 0, linked.stderr);
  return tools;
}

Deno.test({
  name:
    "the README's install lines, from a PATH without deno, give a raypool command that works from any folder",
  ignore: await missing("npm", "npm"),
  fn: async () => {
    const { commands } = markedBlock("install");
    assert.equal(commands[0], "npm install -g deno@2.9.6");
    // npm's cache as this user has it, so the package is not downloaded again.
    const npmCache = new TextDecoder().decode(
      (await new Deno.Command("npm", {
        args: ["config", "get", "cache"],
        stdout: "piped",
        stderr: "null",
      }).output()).stdout,
    ).trim();
    // sh by its path: by name, it would be looked up on the child's PATH.
    const sh = new TextDecoder().decode(
      (await new Deno.Command("sh", {
        args: ["-c", "command -v sh"],
        stdout: "piped",
      }).output()).stdout,
    ).trim();
    await withOutsideDir(async (root) => {
      // A fresh user: their own home (where `deno install -g` puts the command) and npm
      // global folder, and no deno anywhere on PATH.
      const home = join(root, "home");
      const npmGlobal = join(root, "npm-global");
      await Deno.mkdir(home);
      const tools = await pathWithoutDeno(root, sh);
      const env = {
        ...await userEnvironment(),
        HOME: home,
        PATH: [join(npmGlobal, "bin"), join(home, ".deno/bin"), tools].join(
          ":",
        ),
        NPM_CONFIG_PREFIX: npmGlobal,
        npm_config_cache: npmCache,
        npm_config_prefer_offline: "true",
        npm_config_update_notifier: "false",
        npm_config_fund: "false",
        npm_config_audit: "false",
      };
      const shell = (script: string, cwd: string) =>
        runProgram(sh, ["-c", script], cwd, 600_000, env);

      const before = await shell("command -v deno", root);
      assert.notEqual(before.code, 0, `deno on PATH: ${before.stdout}`);
      for (const command of commands) {
        assertSucceeded(await shell(command, ROOT), command);
      }

      await withOutsideDir(async (dir) => {
        await writeSceneFolder(dir);
        await Deno.mkdir(join(dir, "images"));
        const rendered = await shell(
          "raypool scene.json -o images/scene.png --quiet",
          dir,
        );
        assertSucceeded(rendered, "raypool scene.json");
        await assertSceneRendered(
          join(dir, "images/scene.png"),
          join(dir, "scene.json"),
        );

        const help = await shell("raypool --help", dir);
        assertSucceeded(help, "raypool --help");
        assert.match(
          help.stdout,
          /^Usage: raypool <scene\.json> \[options\]$/m,
        );
        assert.match(help.stdout, /^ {2}raypool scene\.json$/m);
        assert.doesNotMatch(help.stdout, /deno task/);

        const missingScene = await shell("raypool nope.json", dir);
        assert.equal(missingScene.code, 2);
        assert.match(missingScene.stderr, /^raypool: .*nope\.json/);

        // Listening beyond loopback was not granted: say how to install it so, not how to
        // run deno.
        const everywhere = await shell(
          "raypool scene.json --preview --host 0.0.0.0",
          dir,
        );
        assert.equal(everywhere.code, 2, everywhere.stderr);
        assert.match(everywhere.stderr, /install raypool again/);
        assert.doesNotMatch(everywhere.stderr, /run deno with/);
      });
    });
  },
});

Deno.test("deno task --config …/deno.json render works on the files of the folder it is started from", async () => {
  await withOutsideDir(async (dir) => {
    await writeSceneFolder(dir);
    const config = join(ROOT, "deno.json");
    const task = (...args: string[]) =>
      runDeno(["deno", "task", "--config", config, "render", ...args], dir);

    // The default output goes where the user is, not into the repository.
    assertSucceeded(
      await task("scene.json", "--quiet"),
      "deno task render scene.json",
    );
    await assertSceneRendered(join(dir, "scene.png"), join(dir, "scene.json"));
    await assert.rejects(
      Deno.stat(join(ROOT, "scene.png")),
      Deno.errors.NotFound,
    );

    await Deno.mkdir(join(dir, "images"));
    assertSucceeded(
      await task("scene.json", "-o", "images/scene.png", "--quiet"),
      "deno task render scene.json -o images/scene.png",
    );
    await assertSceneRendered(
      join(dir, "images/scene.png"),
      join(dir, "scene.json"),
    );

    const help = await task("--help");
    assertSucceeded(help, "deno task render --help");
    assert.match(
      help.stdout,
      /^Usage: deno task render <scene\.json> \[options\]$/m,
    );
  });
});

Deno.test("the CLI without --allow-ffi names the whole flag to pass, uncut", async () => {
  await withOutsideDir(async (dir) => {
    await writeSceneFolder(dir);
    const result = await runCli(["scene.json", "-o", "scene.png"], {
      cwd: dir,
      permissions: PERMISSIONS.filter((flag) =>
        !flag.startsWith("--allow-ffi")
      ),
    });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    const flag = /run with --allow-ffi=(\S+)$/.exec(result.stderr.trimEnd())
      ?.[1];
    assert.ok(flag !== undefined, result.stderr);
    assert.ok((await Deno.stat(flag)).isFile, `${flag} is not the addon`);
    await assert.rejects(
      Deno.stat(join(dir, "scene.png")),
      Deno.errors.NotFound,
    );
  });
});
