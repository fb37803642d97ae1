// Hostile mesh files (issue 19 items 1, 2, 7, 13): every parser bounded in work as well as
// bytes, a gzip bomb stopped while it streams, abort and Ctrl-C acting during parsing and
// decompression, and messages that say what is wrong without printing raw control bytes.
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseMesh } from "../src/mesh/parse_mesh.ts";
import { MAX_MESH_BYTES } from "../src/mesh/limits.ts";
import { gzipBomb, plyWithEmptyHugeElement } from "../testing/hostile_files.ts";
import { ROOT, withTempDir } from "./fixtures/cli/helpers.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const TRIANGLE = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(
      new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );
}

Deno.test("a binary PLY element of 2^53 - 1 items without properties is skipped at once", async () => {
  const file = plyWithEmptyHugeElement();
  assert.equal(file.length, 248);
  // Were it read item by item, this would not end in any useful time; the signal turns such
  // a regression into a failure instead of a hang.
  const mesh = await parseMesh(file, "junk.ply", {
    signal: AbortSignal.timeout(60_000),
  });
  assert.deepEqual([...mesh.indices], [0, 1, 2]);
  // The same in ASCII.
  const ascii = [
    "ply",
    "format ascii 1.0",
    "element vertex 3",
    "property float x",
    "property float y",
    "property float z",
    "element junk 9007199254740991",
    "element face 1",
    "property list uchar int vertex_indices",
    "end_header",
    "0 0 0",
    "1 0 0",
    "0 1 0",
    "3 0 1 2",
    "",
  ].join("\n");
  const fromAscii = await parseMesh(encode(ascii), "junk.ply", {
    signal: AbortSignal.timeout(60_000),
  });
  assert.deepEqual([...fromAscii.indices], [0, 1, 2]);
});

Deno.test("every element's declared count is checked against the bytes left before reading", async () => {
  const file = plyWithEmptyHugeElement();
  const text = new TextDecoder("latin1").decode(file);
  const withProperty = encode(
    text.replace(
      "element junk 9007199254740991\n",
      "element junk 9007199254740991\nproperty uchar a\n",
    ),
  );
  // Keep the binary body as it was.
  const bytes = new Uint8Array(withProperty.length);
  bytes.set(withProperty);
  await assert.rejects(parseMesh(bytes, "junk.ply"), {
    name: "RangeError",
    message:
      "junk.ply:7: 9007199254740991 junk items declared, but the file is too short for them",
  });
  // A face list longer than the triangle limit is refused before it is stored.
  const faces = [
    "ply",
    "format ascii 1.0",
    "element vertex 3",
    "property float x",
    "property float y",
    "property float z",
    "element face 1",
    "property list uint int vertex_indices",
    "end_header",
    "0 0 0",
    "1 0 0",
    "0 1 0",
    `4000000000 ${"0 1 2 ".repeat(4)}`,
    "",
  ].join("\n");
  await assert.rejects(parseMesh(encode(faces), "f.ply"), {
    name: "RangeError",
    message: "f.ply:13: more than 16777216 triangles (the limit for one mesh)",
  });
});

Deno.test("an OBJ whose corners all share a position but not their attributes parses in linear time", async () => {
  // Each corner a distinct (position, texture) pair on position 1: a per-position chain
  // would make this quadratic (200,000² steps).
  const count = 200_000;
  const lines = ["v 0 0 0", "v 1 0 0", "v 0 1 0"];
  for (let i = 0; i < count; i++) lines.push(`vt ${i} 0`);
  for (let i = 1; i + 2 <= count; i += 3) {
    lines.push(`f 1/${i} 2/${i + 1} 3/${i + 2}`);
  }
  const mesh = await parseMesh(encode(lines.join("\n")), "share.obj", {
    signal: AbortSignal.timeout(60_000),
  });
  assert.equal(mesh.positions.length / 3, 3 * Math.floor(count / 3));
});

Deno.test("gzip: several members are read, trailing data and damage are named", async () => {
  const one = await gzip(encode(TRIANGLE));
  const two = new Uint8Array([...one, ...(await gzip(encode("f 1 3 2\n")))]);
  assert.equal((await parseMesh(two, "two.obj.gz")).indices.length, 6);
  await assert.rejects(
    parseMesh(new Uint8Array([...one, 0x50, 0x4b, 3, 4, 0, 0]), "t.obj.gz"),
    {
      name: "TypeError",
      message:
        `t.obj.gz: 6 bytes of trailing data after the gzip data (from byte ${one.length}); the file is damaged or not only gzip`,
    },
  );
  const damaged = one.slice();
  damaged[damaged.length - 6] ^= 0xff;
  await assert.rejects(parseMesh(damaged, "d.obj.gz"), {
    name: "TypeError",
    message:
      "d.obj.gz: not valid gzip data: the checksum does not match (the data is damaged)",
  });
  await assert.rejects(parseMesh(one.subarray(0, one.length - 4), "c.obj.gz"), {
    name: "TypeError",
    message:
      "c.obj.gz: not valid gzip data: the file ends inside the compressed data",
  });
  for (
    const [bytes, why] of [
      [one.subarray(0, 12), "the gzip member at byte 0 is cut short"],
      [
        new Uint8Array([0x1f, 0x8b, 7, ...one.subarray(3)]),
        "unknown compression method 7 (only deflate, 8)",
      ],
    ] as const
  ) {
    await assert.rejects(parseMesh(bytes, "g.obj.gz"), {
      name: "TypeError",
      message: `g.obj.gz: not valid gzip data: ${why}`,
    });
  }
});

Deno.test("gzip: a bomb stops at the limit while it streams, and an abort stops it", async () => {
  // 1 GiB of zeros in about 1 MB: refused once the output passes the limit.
  const bomb = gzipBomb(2 ** 30);
  await assert.rejects(parseMesh(bomb, "bomb.obj.gz"), {
    name: "RangeError",
    message:
      `bomb.obj.gz: more than ${MAX_MESH_BYTES} bytes (the limit for a mesh file, after decompression)`,
  });
  await assert.rejects(
    parseMesh(bomb, "bomb.obj.gz", { maxBytes: 2 ** 20 * 3 }),
    { name: "RangeError", message: /more than 3145728 bytes/ },
  );
  // An abort given while it inflates (the first timer turn) stops it with an AbortError.
  const controller = new AbortController();
  setTimeout(() => controller.abort("stop"), 0);
  await assert.rejects(parseMesh(bomb, "bomb.obj.gz", controller), {
    name: "AbortError",
    message: "decompressing bomb.obj.gz was aborted: stop",
  });
});

Deno.test("parsing yields to timers, so that an abort acts while a big OBJ is parsed", async () => {
  const big = encode("v 1 2 3\n".repeat(2_000_000) + "f 1 2 3\n");
  for (const gzipped of [false, true]) {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("enough")), 0);
    await assert.rejects(
      parseMesh(gzipped ? await gzip(big) : big, "big.obj", controller),
      {
        name: "AbortError",
        message: /^(parsing|decompressing) big\.obj was aborted: enough$/,
      },
    );
  }
});

Deno.test("line ends CR, LF and CR LF all parse; UTF-16 is refused by name; control bytes are escaped", async () => {
  for (const eol of ["\n", "\r\n", "\r"]) {
    const text = `# a comment${eol}o name${eol}${
      TRIANGLE.replaceAll("\n", eol)
    }`;
    const mesh = await parseMesh(encode(text), "eol.obj");
    assert.deepEqual([...mesh.indices], [0, 1, 2], JSON.stringify(eol));
    const ply = [
      "ply",
      "format ascii 1.0",
      "element vertex 3",
      "property float x",
      "property float y",
      "property float z",
      "element face 1",
      "property list uchar int vertex_indices",
      "end_header",
      "0 0 0",
      "1 0 0",
      "0 1 0",
      "3 0 1 2",
      "",
    ].join(eol);
    assert.deepEqual(
      [...(await parseMesh(encode(ply), "eol.ply")).indices],
      [0, 1, 2],
    );
  }
  // A CR-only file reports the right line.
  await assert.rejects(parseMesh(encode("v 0 0 0\rv 1 x 0\r"), "cr.obj"), {
    name: "SyntaxError",
    message: 'cr.obj:2: vertex y must be a number, got "x"',
  });
  // UTF-8 with a byte order mark.
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...encode(TRIANGLE)]);
  assert.equal((await parseMesh(bom, "bom.obj")).indices.length, 3);
  // UTF-16, both byte orders, with and without a byte order mark.
  const utf16 = (little: boolean, mark: boolean) => {
    const units = [...(mark ? "\uFEFF" : "") + TRIANGLE].map((c) =>
      c.charCodeAt(0)
    );
    const out = new Uint8Array(2 * units.length);
    const view = new DataView(out.buffer);
    units.forEach((u, i) => view.setUint16(2 * i, u, little));
    return out;
  };
  for (const little of [true, false]) {
    for (const mark of [true, false]) {
      await assert.rejects(parseMesh(utf16(little, mark), "wide.obj"), {
        name: "TypeError",
        message:
          "wide.obj: the file is UTF-16 (or UTF-32) text, which is not supported; save it as UTF-8 or ASCII",
      });
    }
  }
  // NUL and escape bytes in a quoted token come out escaped.
  await assert.rejects(
    parseMesh(encode("v 0 \0\x1b[2J 0\n"), "nul.obj"),
    (error) => {
      assert.ok(error instanceof SyntaxError);
      assert.equal(
        error.message,
        'nul.obj:1: vertex y must be a number, got "\\x00\\x1b[2J"',
      );
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(error.message, /[\x00-\x1f\x7f-\x9f]/);
      return true;
    },
  );
  const c1 = encode(`v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 ?3\n`);
  c1[c1.indexOf(0x3f)] = 0x81;
  await assert.rejects(parseMesh(c1, "c1.obj"), {
    message: 'c1.obj:4: face index must be a number, got "\\x813"',
  });
});

Deno.test({
  name:
    "the 4 GiB gzip bomb: refused in one line, within 10 s and under 1.5 GB",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, "bomb.obj.gz");
      await Deno.writeFile(file, gzipBomb());
      const started = performance.now();
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          `--allow-read=${dir}`,
          new URL("./fixtures/hostile/parse_child.ts", import.meta.url).href,
          file,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const seconds = (performance.now() - started) / 1000;
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const result = JSON.parse(new TextDecoder().decode(stdout));
      assert.equal(result.name, "RangeError");
      assert.equal(
        result.message,
        `bomb.obj.gz: more than ${MAX_MESH_BYTES} bytes (the limit for a mesh file, after decompression)`,
      );
      console.log(
        `bomb: exit after ${seconds.toFixed(2)} s, peak ${
          (result.peakBytes / 2 ** 20).toFixed(0)
        } MiB`,
      );
      assert.ok(seconds < 10, `took ${seconds} s`);
      assert.ok(result.peakBytes < 1.5e9, `peak ${result.peakBytes} bytes`);
    });
  },
});

Deno.test({
  name:
    "Ctrl-C while the CLI inflates and parses big gzip meshes exits 130 within 1.5 s of the signal",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    await withTempDir(async (dir) => {
      // Each file: a triangle, then 256 MiB of comment lines (in 256 KB): seconds of
      // inflating and parsing for the twenty, so the signal surely comes while it goes on.
      const comments = encode(`#${"x".repeat(62)}\n`.repeat(2 ** 14));
      const file = new Uint8Array([
        ...(await gzip(encode(TRIANGLE))),
        ...gzipBomb(2 ** 28, { unit: comments, crc: true }),
      ]);
      const elements = [];
      for (let i = 0; i < 20; i++) {
        await Deno.writeFile(join(dir, `m${i}.obj.gz`), file);
        elements.push({
          Mesh: {
            path: `m${i}.obj.gz`,
            material: {
              coloration: { Color: { red: 1, green: 1, blue: 1 } },
              albedo: 0.5,
              surface: "Diffuse",
            },
          },
        });
      }
      const scene = {
        width: 8,
        height: 8,
        fov: 90,
        elements,
        lights: [],
        shadow_bias: 1e-3,
        max_recursion_depth: 4,
      };
      await Deno.writeTextFile(join(dir, "scene.json"), JSON.stringify(scene));
      const command = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          "--allow-read",
          `--allow-write=${dir}`,
          `--allow-ffi=${ROOT}node_modules/.deno/imagescript@1.3.1`,
          "--allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG",
          `${ROOT}cli.ts`,
          join(dir, "scene.json"),
          "-o",
          join(dir, "out.png"),
          "--workers",
          "1",
        ],
        env: { RAYPOOL_DEBUG: "", NO_COLOR: "1" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      });
      // The signal must come after the CLI has its handlers (a signal before them ends the
      // process as the signal's default does): one second in, or two, four … on a machine so
      // busy that starting took longer. Twenty files leave many seconds of loading after that.
      for (let delay = 1000;; delay *= 2) {
        const child = command.spawn();
        const stderr = child.stderr.text();
        let exited = false;
        child.status.then(() => exited = true);
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (exited) assert.fail(`exited before the signal: ${await stderr}`);
        const signalled = performance.now();
        child.kill("SIGINT");
        const status = await child.status;
        const exitMs = performance.now() - signalled;
        const text = await stderr;
        if (status.signal === "SIGINT" && delay < 32_000) continue;
        assert.equal(status.signal, null, "exited by itself");
        assert.equal(status.code, 130, text);
        assert.equal(text.trimEnd().split("\n").at(-1), "raypool: interrupted");
        console.log(`exit ${exitMs.toFixed(0)} ms after SIGINT`);
        assert.ok(
          exitMs < 1500,
          `exited ${exitMs.toFixed(0)} ms after the signal`,
        );
        break;
      }
      assert.ok(!(await exists(join(dir, "out.png"))));
    });
  },
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("the mesh fuzzer's first 1,500 cases: every file a consistent mesh or a clean one-line error", async () => {
  const { meshFuzz } = await import("../testing/mesh_fuzz.ts");
  const report = await meshFuzz({ seed: 19, cases: 1_500 });
  assert.deepEqual(report.failures, []);
  assert.equal(report.mesh + report.clean, 1_500);
  assert.ok(report.mesh > 100 && report.clean > 100, JSON.stringify(report));
});
