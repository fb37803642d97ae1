import assert from "node:assert/strict";
import { join } from "node:path";
import { listDir, spawnCli, withTempDir } from "./fixtures/cli/helpers.ts";

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
        const cli = spawnCli([
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
        ]);
        // Without a terminal the CLI writes one line when rendering starts.
        await cli.waitFor(/Rendering/);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const result = await cli.stop(signal);
        assert.equal(
          result.signal,
          null,
          "exited by itself, not killed by the signal",
        );
        assert.equal(result.code, code, result.stderr);
        assert.ok(
          result.exitMs < 1000,
          `took ${result.exitMs.toFixed(0)} ms to exit`,
        );
        assert.equal(result.stdout, "");
        assert.equal(
          result.stderr.trimEnd().split("\n").at(-1),
          `raypool: ${message}`,
        );
        assert.equal(await Deno.readTextFile(out), PRECIOUS);
        assert.deepEqual(await listDir(dir), ["big.png"]);
      });
    },
  });
}
