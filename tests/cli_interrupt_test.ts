import assert from "node:assert/strict";
import { join } from "node:path";
import { cliCommand, listDir, withTempDir } from "./fixtures/cli/helpers.ts";

// Ctrl-C (or a SIGTERM, as `timeout` and service managers send) during a long render: exit
// 128 + the signal's number within a second, and nothing left behind.

const PRECIOUS = "an image that must survive\n";

for (
  const [signal, code, message] of [
    ["SIGINT", 130, "interrupted"],
    ["SIGTERM", 143, "terminated"],
  ] as const
) {
  Deno.test({
    name:
      `${signal} during a render exits ${code} within a second, leaving the old image and no temp file`,
    ignore: Deno.build.os === "windows",
    fn: async () => {
      await withTempDir(async (dir) => {
        const out = join(dir, "big.png");
        await Deno.writeTextFile(out, PRECIOUS);
        // Big, 16 samples a pixel, one worker: minutes of work, so it is surely still rendering.
        const child = cliCommand([
          "tests/fixtures/cli/tiny.json",
          "-o",
          out,
          "--width",
          "4000",
          "--height",
          "3000",
          "--samples",
          "16",
          "--workers",
          "1",
        ]).spawn();
        const decoder = new TextDecoder();
        let stderr = "";
        const reader = child.stderr.getReader();
        const readStderr = (async () => {
          for (
            let chunk = await reader.read();
            !chunk.done;
            chunk = await reader.read()
          ) {
            stderr += decoder.decode(chunk.value, { stream: true });
          }
        })();
        const stdout = child.stdout.text();

        // Without a terminal the CLI writes one line when rendering starts.
        const deadline = Date.now() + 30_000;
        while (!stderr.includes("Rendering") && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.ok(
          stderr.includes("Rendering"),
          `did not start rendering: ${stderr}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));

        const signalledAt = performance.now();
        child.kill(signal);
        const status = await child.status;
        const exitMs = performance.now() - signalledAt;
        await readStderr;

        assert.equal(
          status.signal,
          null,
          "exited by itself, not killed by the signal",
        );
        assert.equal(status.code, code, stderr);
        assert.ok(exitMs < 1000, `took ${exitMs.toFixed(0)} ms to exit`);
        assert.equal(await stdout, "");
        assert.equal(
          stderr.trimEnd().split("\n").at(-1),
          `raypool: ${message}`,
        );
        assert.equal(await Deno.readTextFile(out), PRECIOUS);
        assert.deepEqual(await listDir(dir), ["big.png"]);
      });
    },
  });
}
