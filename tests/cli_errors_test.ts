import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type CliResult,
  FIXTURES,
  listDir,
  mapLimited,
  PERMISSIONS,
  runCli,
  withTempDir,
} from "./fixtures/cli/helpers.ts";

// Every way the input can be wrong gives exit 2, one `raypool: ` line, and leaves the output
// path as it was; failures after the input was accepted give exit 1 and also leave nothing.

const TINY = "tests/fixtures/cli/tiny.json";
const PRECIOUS = "an image that must survive\n";
/** Subprocesses at once: the machine has 2 cores, and other suites run too. */
const PARALLEL = 4;

function assertOneErrorLine(result: CliResult, what: string): void {
  assert.equal(result.signal, null, what);
  const lines = result.stderr.split("\n");
  assert.equal(
    lines.length,
    2,
    `${what}: expected one line on stderr, got ${
      JSON.stringify(result.stderr)
    }`,
  );
  assert.match(lines[0], /^raypool: \S/, what);
  assert.equal(lines[1], "", what);
  assert.ok(!/\bat .*:\d+:\d+/.test(result.stderr), `${what}: a stack trace`);
  assert.equal(result.stdout, "", what);
}

interface Case {
  /** What is wrong. */
  name: string;
  /** The arguments; `{out}` is the prepared output file, `{dir}` its folder. */
  args: string[];
  /** A pattern the message must match. */
  message?: RegExp;
}

/** Runs each case in its own folder holding an output file already; checks the aftermath. */
async function expectInputErrors(cases: Case[]): Promise<void> {
  const failures = await mapLimited(
    cases,
    PARALLEL,
    (testCase) =>
      withTempDir(async (dir) => {
        const out = join(dir, "out.png");
        await Deno.writeTextFile(out, PRECIOUS);
        const args = testCase.args.map((arg) =>
          arg.replaceAll("{out}", out).replaceAll("{dir}", dir)
        );
        const result = await runCli(args);
        try {
          assert.equal(result.code, 2, `exit code, stderr: ${result.stderr}`);
          assertOneErrorLine(result, testCase.name);
          if (testCase.message) assert.match(result.stderr, testCase.message);
          assert.equal(
            await Deno.readTextFile(out),
            PRECIOUS,
            "the existing output is untouched",
          );
          assert.deepEqual(
            await listDir(dir),
            ["out.png"],
            "no new file, no temporary file",
          );
          return null;
        } catch (error) {
          return `${testCase.name} (${args.join(" ")}): ${
            error instanceof Error ? error.message : error
          }`;
        }
      }),
  );
  const failed = failures.filter((failure) => failure !== null);
  assert.deepEqual(
    failed,
    [],
    `${failed.length} of ${cases.length} cases failed`,
  );
}

Deno.test("every scene in the broken corpus is an input error (exit 2)", async () => {
  const cases: Case[] = [];
  for await (const entry of Deno.readDir(join(FIXTURES, "broken"))) {
    const scene = `tests/fixtures/cli/broken/${entry.name}`;
    // The message names the file, then what is wrong with it.
    const named = new RegExp(`^raypool: ${scene.replaceAll(".", "\\.")}: \\S`);
    cases.push({
      name: entry.name,
      args: [scene, "-o", "{out}"],
      message: named,
    });
  }
  assert.ok(cases.length >= 25, `only ${cases.length} broken scenes`);
  cases.sort((a, b) => a.name.localeCompare(b.name));
  await expectInputErrors(cases);
});

Deno.test("bad options and paths are input errors (exit 2)", async () => {
  await expectInputErrors([
    { name: "no scene", args: ["-o", "{out}"], message: /no scene file/ },
    {
      name: "two scenes",
      args: [TINY, TINY, "-o", "{out}"],
      message: /--output names one image, and 2 scene files are given/,
    },
    {
      name: "a device as the scene file",
      args: ["/dev/zero", "-o", "{out}"],
      message:
        /^raypool: cannot read scene file "\/dev\/zero": it is a character device, not a regular file\n/,
    },
    {
      name: "unknown option",
      args: [TINY, "-o", "{out}", "--fast"],
      message: /unknown option --fast/,
    },
    {
      name: "unknown short option",
      args: [TINY, "-o", "{out}", "-z"],
      message: /unknown option -z/,
    },
    {
      name: "missing value",
      args: [TINY, "-o", "{out}", "--width"],
      message: /--width needs a value/,
    },
    {
      name: "value for a flag",
      args: [TINY, "-o", "{out}", "--json=yes"],
      message: /does not take a value/,
    },
    {
      name: "repeated option",
      args: [TINY, "-o", "{out}", "--tile", "8", "--tile", "16"],
    },
    {
      name: "zero width",
      args: [TINY, "-o", "{out}", "--width", "0"],
      message: /--width/,
    },
    {
      name: "fractional height",
      args: [TINY, "-o", "{out}", "--height", "2.5"],
      message: /--height/,
    },
    {
      name: "word for workers",
      args: [TINY, "-o", "{out}", "--workers", "many"],
      message: /--workers/,
    },
    {
      name: "zero workers",
      args: [TINY, "-o", "{out}", "--workers", "0"],
      message: /--workers/,
    },
    {
      name: "zero tile",
      args: [TINY, "-o", "{out}", "--tile", "0"],
      message: /--tile/,
    },
    {
      name: "samples not square",
      args: [TINY, "-o", "{out}", "--samples", "2"],
      message: /perfect square/,
    },
    {
      name: "region malformed",
      args: [TINY, "-o", "{out}", "--region", "0,0,10"],
      message: /--region/,
    },
    {
      name: "region empty",
      args: [TINY, "-o", "{out}", "--region", "0,0,0,10"],
      message: /--region/,
    },
    {
      name: "region outside",
      args: [TINY, "-o", "{out}", "--region", "60,0,5,5"],
      message: /does not fit/,
    },
    {
      name: "region outside the overridden size",
      args: [TINY, "-o", "{out}", "--width", "32", "--region", "30,0,5,5"],
      message: /does not fit in the 32×48 image/,
    },
    {
      name: "quality for a PNG",
      args: [TINY, "-o", "{out}", "--quality", "90"],
      message: /JPEG/,
    },
    {
      name: "quality 0",
      args: [TINY, "-o", "{dir}/a.jpg", "--quality", "0"],
      message: /--quality/,
    },
    {
      name: "quality 101",
      args: [TINY, "-o", "{dir}/a.jpg", "--quality", "101"],
      message: /--quality/,
    },
    {
      name: "image too large",
      args: [TINY, "-o", "{out}", "--width", "900000", "--height", "900000"],
    },
    {
      name: "missing scene",
      args: ["tests/fixtures/cli/no_such_scene.json", "-o", "{out}"],
    },
    {
      name: "scene is a folder",
      args: ["tests/fixtures/cli/broken", "-o", "{out}"],
    },
    {
      name: "output .gif",
      args: [TINY, "-o", "{dir}/a.gif"],
      message: /unsupported output type \.gif/,
    },
    {
      name: "output without extension",
      args: [TINY, "-o", "{dir}/a"],
      message:
        /a: the output needs an extension, \.png, \.jpg, \.jpeg, \.exr or \.hdr, to say its type \(e\.g\. .*a\.png\)/,
    },
    {
      name: "output in a missing folder",
      args: [TINY, "-o", "{dir}/nope/a.png"],
      message: /does not exist/,
    },
    {
      name: "output under a file",
      args: [TINY, "-o", "{out}/a.png"],
      message: /is not a folder/,
    },
    {
      name: "output is the folder itself",
      args: [TINY, "-o", "{dir}/."],
      message: /is a folder; the output is the image file, e\.g\. .*tiny\.png/,
    },
    {
      name: "output is a folder named without extension",
      args: [TINY, "-o", "{dir}"],
      message: /is a folder; the output is the image file, e\.g\. .*tiny\.png/,
    },
    {
      name: "output is the scene",
      args: ["{out}", "-o", "{out}"],
      message: /is the scene file/,
    },
  ]);
});

Deno.test("an output path that is a folder, or that is the scene under another name, is refused", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "folder.png"));
    await Deno.copyFile(TINY, join(dir, "scene.png"));
    const asFolder = await runCli([TINY, "-o", join(dir, "folder.png")]);
    assert.equal(asFolder.code, 2);
    assertOneErrorLine(asFolder, "output is a folder");
    assert.match(asFolder.stderr, /is a folder/);
    const viaDots = await runCli([
      join(dir, "scene.png"),
      "-o",
      `${dir}/./../${dir.split("/").at(-1)}/scene.png`,
    ]);
    assert.equal(viaDots.code, 2);
    assertOneErrorLine(viaDots, "output is the scene");
    assert.match(viaDots.stderr, /is the scene file/);
    assert.deepEqual(await listDir(dir), ["folder.png", "scene.png"]);
    assert.equal(
      await Deno.readTextFile(join(dir, "scene.png")),
      await Deno.readTextFile(TINY),
    );
  });
});

Deno.test("a failure while writing is exit 1 and leaves the old image and no temporary file", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "out.png");
    await Deno.writeTextFile(out, PRECIOUS);
    // Allowed to read everything but to write only elsewhere: the scene loads and renders,
    // and writing the image fails.
    const permissions = PERMISSIONS.map((flag) =>
      flag.startsWith("--allow-write")
        ? `--allow-write=${join(dir, "elsewhere")}`
        : flag
    );
    const result = await runCli([TINY, "-o", out, "--quiet"], { permissions });
    assert.equal(result.code, 1, result.stderr);
    assertOneErrorLine(result, "write failure");
    assert.equal(await Deno.readTextFile(out), PRECIOUS);
    assert.deepEqual(await listDir(dir), ["out.png"]);
  });
});

Deno.test("RAYPOOL_DEBUG=1 adds the stack trace to the error line", async () => {
  const result = await runCli([
    "tests/fixtures/cli/broken/sphere_negative_radius.json",
    "--quiet",
  ], {
    env: { RAYPOOL_DEBUG: "1" },
  });
  assert.equal(result.code, 2);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(lines[0], /^raypool: .*radius/);
  assert.ok(lines.length > 2, result.stderr);
  assert.ok(lines.some((line) => /^\s+at /.test(line)), result.stderr);
});
