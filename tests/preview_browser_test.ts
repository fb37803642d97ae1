import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "npm:puppeteer-core@25.16.0";
import {
  launchBrowser,
  processTree,
  stillRunning,
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

// The live preview in a real browser: headless Chromium opens the page the CLI serves and
// the test reads the canvas back. Linux only (it reads /proc to check nothing is left running).

const ignore = Deno.build.os !== "linux";

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
  timeout = 120_000,
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
      const out = join(dir, "showcase.png");
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
        await page.setViewport({ width: 720, height: 520 });
        await page.goto(url);

        // Mid-render: frames drawn, a good part done, not finished.
        await page.waitForFunction(
          `document.body.dataset.state === "rendering" &&
            Number(document.body.dataset.frames) >= 2 &&
            Number(document.body.dataset.progress) >= 0.4`,
          { timeout: 60_000, polling: 20 },
        );
        await page.screenshot({ path: `${ROOT}out/preview_mid_render.png` });
        assert.match(
          await textOf(page, "status"),
          /\d+\/240 tiles .*Mpx\/s {2}ETA/,
        );

        const done = await waitForState(page, "written");
        assert.ok(Number(done.frames) >= 3, `only ${done.frames} frames`);
        assertSamePixels(
          await readCanvas(page),
          await decodeImage(out),
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
        const chromeTree = await processTree(chrome.pid);
        await chrome.close();
        assert.deepEqual(
          await stillRunning(chromeTree),
          [],
          "chromium left running",
        );
      }
    });
  },
});
