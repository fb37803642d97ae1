import assert from "node:assert/strict";
import { join, relative } from "node:path";
// deno-lint-ignore no-import-prefix
import type { Page } from "npm:puppeteer-core@25.16.0";
import {
  launchBrowser,
  processTree,
  stillRunning,
  type TestBrowser,
} from "./fixtures/browser.ts";
import {
  cliCommand,
  decodeImage,
  FIXTURES,
  listDir,
  PERMISSIONS,
  type Pixels,
  ROOT,
  withTempDir,
} from "./fixtures/cli/helpers.ts";
import { missing } from "../testing/process.ts";

// The live preview in a real browser: headless Chromium opens the page the CLI serves and
// the test reads the canvas back. Linux only (it reads /proc to check nothing is left running).

const ignore = Deno.build.os !== "linux" ||
  await missing("chromium", "chromium") || await missing("ps", "procps");

/** `cli.ts` running as a user runs it, with stderr collected as it comes. */
function startCli(args: string[]) {
  const child = cliCommand(args, {
    permissions: [...PERMISSIONS, "--allow-net=127.0.0.1"],
  }).spawn();
  let stderr = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
    }
  })();
  const stdout = child.stdout.text();
  return {
    pid: child.pid,
    stderr: () => stderr,
    /** Waits for `pattern` on stderr and returns its first group (or the match). */
    async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stderr);
        if (match) return match[1] ?? match[0];
        if (Date.now() > deadline) {
          throw new Error(`no ${pattern} on stderr in time:\n${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    /** Sends `signal` and waits for the exit. */
    async stop(signal: Deno.Signal = "SIGINT") {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
      const status = await child.status;
      await reading;
      return { ...status, stdout: await stdout, stderr };
    },
  };
}

/** The page's canvas pixels, read in the page with getImageData. */
async function readCanvas(page: Page): Promise<Pixels> {
  // Strings, not functions: they run in the page, where Deno's types do not apply.
  const { width, height, base64 } = await page.evaluate(`(() => {
    const canvas = document.getElementById("image");
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let binary = "";
    for (let i = 0; i < data.length; i += 0x8000) {
      binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    }
    return { width: canvas.width, height: canvas.height, base64: btoa(binary) };
  })()`) as { width: number; height: number; base64: string };
  const binary = atob(base64);
  const data = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return { width, height, data };
}

function assertSamePixels(actual: Pixels, expected: Pixels, what: string) {
  assert.deepEqual(
    [actual.width, actual.height],
    [expected.width, expected.height],
    `${what}: size`,
  );
  const at = actual.data.findIndex((byte, i) => byte !== expected.data[i]);
  assert.equal(
    at,
    -1,
    `${what}: first difference at pixel ${at >> 2} (${
      (at >> 2) % actual.width
    }, ${Math.floor((at >> 2) / actual.width)})`,
  );
}

function pageState(page: Page): Promise<Record<string, string>> {
  return page.evaluate("({ ...document.body.dataset })") as Promise<
    Record<string, string>
  >;
}

function textOf(page: Page, id: string): Promise<string> {
  return page.evaluate(
    `document.getElementById(${JSON.stringify(id)}).textContent`,
  ) as Promise<string>;
}

async function waitForState(
  page: Page,
  state: string,
  afterGeneration = 0,
  timeout = 60_000,
) {
  await page.waitForFunction(
    `document.body.dataset.state === ${JSON.stringify(state)} &&
      Number(document.body.dataset.generation) > ${afterGeneration}`,
    { timeout, polling: 50 },
  );
  return await pageState(page);
}

Deno.test({
  name:
    "preview: tiles arrive while rendering, the canvas ends equal to the written PNG, Ctrl-C exits 0 leaving nothing",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      // Relative, as a user would type it (the page shows it).
      const out = relative(ROOT, join(dir, "showcase.png"));
      // Slowed down (one worker, 16 samples, small tiles) so that several frames arrive.
      const cli = startCli([
        "examples/showcase.json",
        "-o",
        out,
        "--preview",
        "0",
        "--width",
        "640",
        "--height",
        "360",
        "--samples",
        "16",
        "--tile",
        "32",
        "--workers",
        "1",
      ]);
      const chrome = await launchBrowser();
      try {
        const url = await cli.waitFor(/Preview at (\S+)/);
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
        const page = await chrome.browser.newPage();
        await page.setViewport({ width: 800, height: 500 });
        await page.goto(url);

        // Mid-render: frames drawn, a good part done, not finished.
        await page.waitForFunction(
          `document.body.dataset.state === "rendering" &&
            Number(document.body.dataset.frames) >= 2 &&
            Number(document.body.dataset.progress) >= 0.5`,
          { timeout: 60_000, polling: 20 },
        );
        // docs/preview.png is a copy of this screenshot.
        await page.screenshot({ path: `${ROOT}out/preview_mid_render.png` });
        assert.match(
          await textOf(page, "status"),
          /\d+\/240 tiles .*Mpx\/s {2}ETA/,
        );

        const done = await waitForState(page, "written");
        assert.ok(Number(done.frames) >= 3, `only ${done.frames} frames`);
        assertSamePixels(
          await readCanvas(page),
          await decodeImage(join(ROOT, out)),
          "canvas vs PNG",
        );
        assert.match(
          await textOf(page, "timings"),
          /^Wrote .*showcase\.png in /,
        );

        const cliTree = await processTree(cli.pid);
        const result = await cli.stop("SIGINT");
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /Wrote .*showcase\.png/);
        assert.doesNotMatch(result.stderr, /interrupted/);
        assert.deepEqual(await stillRunning(cliTree), []);
        assert.deepEqual(await listDir(dir), ["showcase.png"]);
      } finally {
        await cli.stop("SIGKILL").catch(() => {});
        await closeBrowser(chrome);
      }
    });
  },
});

/** tiny.json with its floor textured by `floor.png` and its first sphere coloured `color`. */
async function writeScene(
  path: string,
  color: [number, number, number],
  width = 160,
) {
  const scene = JSON.parse(
    await Deno.readTextFile(join(FIXTURES, "tiny.json")),
  );
  scene.width = width;
  scene.height = 120;
  const [red, green, blue] = color;
  scene.elements[0].Sphere.material.coloration = {
    Color: { red, green, blue },
  };
  scene.elements[2].Plane.material.coloration = {
    Texture: { path: "floor.png" },
  };
  await Deno.writeTextFile(path, JSON.stringify(scene, null, 2));
}

/** Closes the test browser, whatever happens, and checks that none of its processes is left. */
async function closeBrowser(chrome: TestBrowser) {
  let tree: number[] = [];
  try {
    tree = await processTree(chrome.pid);
  } finally {
    await chrome.close();
  }
  assert.deepEqual(await stillRunning(tree), [], "chromium left running");
}

function differ(a: Pixels, b: Pixels): boolean {
  return a.width !== b.width || a.data.some((byte, i) => byte !== b.data[i]);
}

Deno.test({
  name:
    "preview --watch: editing the scene or its texture renders again, a broken scene shows its error and keeps the last image",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const scenePath = join(dir, "scene.json");
      const out = join(dir, "scene.png");
      await writeScene(scenePath, [0.2, 1, 0.2]);
      await Deno.copyFile(
        join(FIXTURES, "..", "scenes", "checkerboard.png"),
        join(dir, "floor.png"),
      );
      const cli = startCli([
        scenePath,
        "-o",
        out,
        "--preview",
        "0",
        "--watch",
        "--workers",
        "1",
      ]);
      const chrome = await launchBrowser();
      try {
        const page = await chrome.browser.newPage();
        await page.goto(await cli.waitFor(/Preview at (\S+)/));

        let state = await waitForState(page, "written");
        const first = await readCanvas(page);
        assertSamePixels(first, await decodeImage(out), "first render");

        // The scene changes: a red sphere.
        await writeScene(scenePath, [1, 0.1, 0.1]);
        state = await waitForState(page, "written", Number(state.generation));
        const red = await readCanvas(page);
        assert.ok(differ(red, first), "the canvas did not change");
        assertSamePixels(red, await decodeImage(out), "after the edit");

        // A file the scene uses changes: another floor texture.
        await Deno.copyFile(
          join(FIXTURES, "..", "scenes", "tiny_2x3.png"),
          join(dir, "floor.png"),
        );
        state = await waitForState(page, "written", Number(state.generation));
        const floor = await readCanvas(page);
        assert.ok(differ(floor, red), "the texture change did not show");
        const good = await decodeImage(out);
        assertSamePixels(floor, good, "after the texture change");

        // Broken: the error, on the page and on stderr; the last good image stays.
        const scene = JSON.parse(await Deno.readTextFile(scenePath));
        scene.width = -5;
        await Deno.writeTextFile(scenePath, JSON.stringify(scene));
        await waitForState(page, "failed", -1);
        const error = await textOf(page, "error");
        assert.match(error, /width/);
        await cli.waitFor(new RegExp(`raypool: ${RegExp.escape(error)}\n`));
        assertSamePixels(await readCanvas(page), good, "after the failure");
        assertSamePixels(await decodeImage(out), good, "the file kept");

        // Fixed: rendered again.
        await writeScene(scenePath, [0.2, 0.2, 1], 200);
        state = await waitForState(page, "written", Number(state.generation));
        const fixed = await readCanvas(page);
        assert.equal(fixed.width, 200);
        assertSamePixels(fixed, await decodeImage(out), "after the fix");

        const cliTree = await processTree(cli.pid);
        const result = await cli.stop("SIGINT");
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr.match(/Wrote /g)?.length, 4, result.stderr);
        assert.deepEqual(await stillRunning(cliTree), []);
        assert.deepEqual(await listDir(dir), [
          "floor.png",
          "scene.json",
          "scene.png",
        ]);
      } finally {
        await cli.stop("SIGKILL").catch(() => {});
        await closeBrowser(chrome);
      }
    });
  },
});

Deno.test({
  name:
    "preview: an image over 2048 px wide is shown point-sampled down to 2048 px",
  ignore,
  fn: async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, "wide.png");
      const cli = startCli([
        "tests/fixtures/cli/tiny.json",
        "-o",
        out,
        "--preview",
        "0",
        "--width",
        "3000",
        "--height",
        "90",
      ]);
      const chrome = await launchBrowser();
      try {
        const page = await chrome.browser.newPage();
        await page.goto(await cli.waitFor(/Preview at (\S+)/));
        await waitForState(page, "written");
        const canvas = await readCanvas(page);
        const image = await decodeImage(out);
        // Each canvas pixel is the image pixel under its centre.
        const width = 2048;
        const height = Math.round(90 * 2048 / 3000);
        const expected = new Uint8Array(width * height * 4);
        for (let y = 0; y < height; y++) {
          const sy = Math.floor((y + 0.5) * 90 / height);
          for (let x = 0; x < width; x++) {
            const sx = Math.floor((x + 0.5) * 3000 / width);
            const from = (sy * 3000 + sx) * 4;
            expected.set(
              image.data.subarray(from, from + 4),
              (y * width + x) * 4,
            );
          }
        }
        assertSamePixels(canvas, { width, height, data: expected }, "scaled");
        const result = await cli.stop("SIGINT");
        assert.equal(result.code, 0, result.stderr);
      } finally {
        await cli.stop("SIGKILL").catch(() => {});
        await closeBrowser(chrome);
      }
    });
  },
});
