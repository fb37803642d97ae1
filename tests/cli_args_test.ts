import assert from "node:assert/strict";
import { planRender } from "../src/render/plan.ts";
import { planErrorMessage } from "../src/cli/run.ts";
import { parseCliArgs, parseRegion } from "../src/cli/args.ts";
import {
  EXIT_FAILURE,
  EXIT_INPUT,
  EXIT_INTERRUPTED,
  exitCodeFor,
} from "../src/cli/errors.ts";
import { errorMessage as oneLineMessage, InputError } from "../src/_errors.ts";

Deno.test("parseCliArgs reads every option", () => {
  const command = parseCliArgs([
    "scene.json",
    "-o",
    "out/a.jpg",
    "--width=640",
    "--height",
    "480",
    "--workers",
    "3",
    "--tile",
    "16",
    "--samples",
    "9",
    "--region",
    "1,2,30,40",
    "--quality",
    "85",
    "--json",
    "--quiet",
  ]);
  assert.deepEqual(command, {
    kind: "render",
    scene: "scene.json",
    output: "out/a.jpg",
    width: 640,
    height: 480,
    workers: 3,
    tileSize: 16,
    samples: 9,
    region: { x: 1, y: 2, width: 30, height: 40 },
    quality: 85,
    json: true,
    quiet: true,
  });
});

Deno.test("parseCliArgs leaves unset options out", () => {
  assert.deepEqual(parseCliArgs(["s.json"]), {
    kind: "render",
    scene: "s.json",
    json: false,
    quiet: false,
  });
});

Deno.test("--help and --version win over the rest", () => {
  assert.deepEqual(parseCliArgs(["-h"]), { kind: "help" });
  assert.deepEqual(parseCliArgs(["scene.json", "--width", "0", "--help"]), {
    kind: "help",
  });
  assert.deepEqual(parseCliArgs(["--version", "a", "b"]), { kind: "version" });
});

Deno.test("parseCliArgs rejects bad input with one-line InputErrors", () => {
  const cases: [string[], RegExp][] = [
    [[], /no scene file/],
    [
      ["a.json", "b.json", "-o", "x.png"],
      /^--output names one image, and 2 scene files/,
    ],
    [
      ["a.json", "b.glb", "--watch"],
      /^--watch takes one scene file, and 2 are given$/,
    ],
    [["a.json", "--frobnicate"], /^unknown option --frobnicate/],
    [["a.json", "-x"], /^unknown option -x/],
    [["a.json", "--width"], /^--width needs a value$/],
    [["a.json", "-o"], /^--output needs a value$/],
    [["a.json", "--quiet=yes"], /^--quiet does not take a value$/],
    [["a.json", "--width", "abc"], /--width must be a whole number, got "abc"/],
    [["a.json", "--width", "1e3"], /whole number/],
    [
      ["a.json", "--height", "-2.5"],
      /^--height must be a whole number, got "-2.5"$/,
    ],
    [
      ["a.json", "-o", "-x"],
      /^-o needs a value, and "-x" looks like an option; if it is the value, write --output=-x$/,
    ],
    [["a.json", "--height", "12.5"], /--height must be a whole number/],
    [["a.json", "--tile", ""], /--tile must be a whole number/],
    [["a.json", "--quality", "0"], /--quality must be between 1 and 100/],
    [["a.json", "--quality", "101"], /--quality must be between 1 and 100/],
    [["a.json", "--region", "1,2,3"], /--region must be x,y,width,height/],
    [
      ["a.json", "--width", "5", "--width", "6"],
      /--width is given more than once/,
    ],
    [["a.json", "-o", ""], /--output is empty/],
    [[""], /scene file name is empty/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseCliArgs(args), (error: unknown) => {
      assert.ok(error instanceof InputError, `${args.join(" ")}: ${error}`);
      assert.match(error.message, message, args.join(" "));
      assert.ok(!error.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("limits are the render plan's, once: the CLI parses syntax and the plan's errors name the flag", () => {
  const scene = {
    description: {
      width: 40,
      height: 30,
      fov: 90,
      elements: [],
      lights: [],
      shadow_bias: 1e-13,
      max_recursion_depth: 10,
    },
    textures: new Map(),
  };
  const cases: [string[], RegExp][] = [
    [["a.json", "--width", "0"], /^--width must be a positive integer, got 0$/],
    [["a.json", "--width=-5"], /^--width must be a positive integer, got -5$/],
    [
      ["a.json", "--width", "-5"],
      /^--width must be a positive integer, got -5$/,
    ],
    [
      ["a.json", "--width", "4294967296"],
      /^--width must be at most 4294967295, got 4294967296$/,
    ],
    [
      ["a.json", "--workers", "-1"],
      /^--workers must be a positive integer, got -1$/,
    ],
    [["a.json", "--workers", "1000"], /^--workers must be at most 256/],
    [["a.json", "--tile", "0"], /^--tile must be a positive integer, got 0$/],
    [
      ["a.json", "--samples", "8"],
      /^--samples must be a perfect square \(1, 4, 9, …\), got 8$/,
    ],
    [
      ["a.json", "--samples", "4294967296"],
      /^--samples must be at most 65535² = 4294836225, got 4294967296$/,
    ],
    [
      ["a.json", "--region", "0,0,0,5"],
      /^--region width must be a positive integer, got 0$/,
    ],
    [
      ["a.json", "--region=-1,0,5,5"],
      /^--region x must be a non-negative integer, got -1$/,
    ],
    [
      ["a.json", "--region", "30,0,11,1"],
      /^--region 30,0,11,1 does not fit in the 40×30 image$/,
    ],
  ];
  for (const [args, message] of cases) {
    const command = parseCliArgs(args);
    assert.ok(command.kind === "render");
    const { width, height, workers, tileSize, samples, region } = command;
    assert.throws(
      () =>
        planRender(
          scene,
          { width, height, workers, tileSize, samples, region },
          1,
        ),
      (error: unknown) => {
        assert.match(planErrorMessage(error), message, args.join(" "));
        return true;
      },
    );
  }
});

Deno.test("parseRegion accepts spaces around numbers", () => {
  assert.deepEqual(parseRegion("0, 0, 8, 6"), {
    x: 0,
    y: 0,
    width: 8,
    height: 6,
  });
});

Deno.test("exitCodeFor maps input errors, failures and interruptions", () => {
  assert.equal(exitCodeFor(new InputError("x")), EXIT_INPUT);
  assert.equal(exitCodeFor(new TypeError("x")), EXIT_FAILURE);
  assert.equal(
    exitCodeFor(new InputError("x"), AbortSignal.abort()),
    EXIT_INTERRUPTED,
  );
  const controller = new AbortController();
  assert.equal(exitCodeFor(new Error("x"), controller.signal), EXIT_FAILURE);
});

Deno.test("oneLineMessage folds lines and cuts long messages", () => {
  assert.equal(oneLineMessage(new Error("a\n\nb\r\n c")), "a; b; c");
  const long = oneLineMessage(new Error("x".repeat(1000)));
  assert.equal(long.length, 300);
  assert.ok(long.endsWith("…"));
  assert.equal(oneLineMessage(new RangeError("")), "RangeError");
});

Deno.test("oneLineMessage never cuts a permission flag it tells the user to pass", () => {
  const path = `/home/someone/${"deep/".repeat(60)}x64-linux.node`;
  const flag = `--allow-ffi=${path}`;
  const message = oneLineMessage(
    new Error(
      `${
        "elements[0] ".repeat(30)
      }: imagescript needs ffi access; run with ${flag}`,
    ),
  );
  assert.ok(message.endsWith(`run with ${flag}`), message);
  assert.ok(message.startsWith("elements[0] "), message);
  assert.ok(message.includes("… "), message);
  // Short enough: nothing is cut.
  const short =
    `imagescript needs env access; run with --allow-env=IMAGESCRIPT_WASM_SIMD`;
  assert.equal(oneLineMessage(new Error(short)), short);
});
