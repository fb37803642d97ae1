// `raypool model.glb` from the command line: a malformed model is exit 2 with one line naming
// the file and the glTF path, and nothing written; warnings are one line each.

import assert from "node:assert/strict";
import { listDir, runCli, withTempDir } from "./fixtures/cli/helpers.ts";
import {
  boxPrimitive,
  ext,
  oneMesh,
  texturedBox,
  writeGlb,
  writeGltf,
} from "./fixtures/gltf.ts";

Deno.test("cli: a malformed .gltf is exit 2 with one line naming the glTF path; nothing written", async () => {
  await withTempDir(async (dir) => {
    const { path, json } = await writeGltf(await texturedBox(), dir, "bad");
    json.meshes![0].primitives[0].indices = 12;
    await Deno.writeTextFile(path, JSON.stringify(json));
    const before = await listDir(dir);
    const result = await runCli([path, "-o", `${dir}/bad.png`]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(
      result.stderr,
      `raypool: glTF file ${
        JSON.stringify(path)
      }: meshes[0].primitives[0].indices: accessor 12 is out of range (the file has 4 accessors)\n`,
    );
    assert.deepEqual(await listDir(dir), before);
  });
});

Deno.test("cli: an unsupported extension is one warning line naming it", async () => {
  await withTempDir(async (dir) => {
    const { doc, mesh } = oneMesh(boxPrimitive);
    const coat = doc.createExtension(ext.KHRMaterialsClearcoat)
      .createClearcoat()
      .setClearcoatFactor(1);
    mesh.listPrimitives()[0].setMaterial(
      doc.createMaterial().setExtension("KHR_materials_clearcoat", coat),
    );
    const path = await writeGlb(doc, `${dir}/coat.glb`);
    const result = await runCli([
      path,
      "-o",
      `${dir}/coat.png`,
      "--width",
      "16",
      "--height",
      "16",
    ]);
    const warnings = result.stderr.split("\n").filter((line) =>
      line.includes("warning")
    );
    assert.deepEqual(warnings, [
      `raypool: warning: glTF file ${
        JSON.stringify(path)
      }: extension KHR_materials_clearcoat is not supported by raypool; it is ignored`,
    ]);
  });
});

Deno.test("cli: --camera N picks a glTF model's camera, and applies to glTF models only", async () => {
  const { parseCliArgs } = await import("../src/cli/args.ts");
  const command = parseCliArgs(["model.glb", "--camera", "2"]);
  assert.ok(command.kind === "render" && command.camera === 2);
  assert.throws(() => parseCliArgs(["scene.json", "--camera", "0"]), {
    name: "InputError",
    message:
      "--camera applies to glTF models (.glb, .gltf), and scene.json is not one",
  });
  assert.throws(() => parseCliArgs(["model.gltf", "--camera", "-1"]), {
    name: "InputError",
    message: /^--camera /,
  });
  await withTempDir(async (dir) => {
    const path = await writeGlb(await texturedBox(), `${dir}/box.glb`);
    const result = await runCli([
      path,
      "--camera",
      "1",
      "-o",
      `${dir}/box.png`,
    ]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `raypool: glTF file ${
        JSON.stringify(path)
      } has 0 cameras; there is no camera 1\n`,
    );
  });
});

Deno.test("cli: several models in one command: one image each, in turn, by the same workers", async () => {
  const { parseCliArgs } = await import("../src/cli/args.ts");
  const command = parseCliArgs(["a.glb", "b.gltf", "c.json", "--width", "16"]);
  assert.ok(command.kind === "render");
  assert.deepEqual(command.batch, ["a.glb", "b.gltf", "c.json"]);
  assert.equal(command.scene, "a.glb");
  assert.equal(
    parseCliArgs(["a.glb"]).kind === "render" &&
      "batch" in parseCliArgs(["a.glb"]),
    false,
  );
  // A bad file among several stops the command there with its one line.
  await withTempDir(async (dir) => {
    const good = await writeGlb(await texturedBox(), `${dir}/good.glb`);
    await Deno.writeTextFile(`${dir}/bad.gltf`, "{");
    const result = await runCli([`${dir}/bad.gltf`, good, "--json"], {
      cwd: dir,
    });
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^raypool: glTF file "[^"]*bad\.gltf": not valid JSON: /,
    );
    assert.equal(result.stderr.split("\n").length, 2);
  });
});

Deno.test("cli: several models render in turn, one image and one JSON summary each", async () => {
  await withTempDir(async (dir) => {
    const box = await writeGlb(await texturedBox(), `${dir}/box.glb`);
    const { path: plain } = await writeGltf(
      oneMesh(boxPrimitive).doc,
      dir,
      "plain",
    );
    const result = await runCli([
      box,
      plain,
      "--width",
      "24",
      "--height",
      "16",
      "--json",
    ], {
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    const summaries = result.stdout.trim().split("\n").map((line) =>
      JSON.parse(line)
    );
    assert.equal(summaries.length, 2);
    assert.deepEqual(summaries.map((s) => [s.width, s.height]), [[24, 16], [
      24,
      16,
    ]]);
    const files = await listDir(dir);
    assert.ok(
      files.includes("box.png") && files.includes("plain.png"),
      files.join(" "),
    );
  });
});

Deno.test("cli: models are path traced, so --samples takes any count; the path flags apply", async () => {
  await withTempDir(async (dir) => {
    const box = await writeGlb(await texturedBox(), `${dir}/box.glb`);
    const result = await runCli([
      box,
      "--width",
      "16",
      "--height",
      "16",
      "--samples",
      "3",
      "--environment",
      "0,0,0",
      "-o",
      `${dir}/dark.png`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    // A black environment and no lights: every pixel black.
    const { decodeImage } = await import("./fixtures/cli/helpers.ts");
    const image = await decodeImage(`${dir}/dark.png`);
    assert.ok(image.data.every((value, i) => i % 4 === 3 || value === 0));
  });
});
