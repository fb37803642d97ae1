/**
 * Fails when the committed `lib/` was not built from the current `rust/` sources
 * (`deno task wasm:check`, with `--allow-read=rust,lib,scripts`).
 *
 * @module
 */

import { rustSourceHash } from "./wasm_hash.ts";

const root = new URL("../", import.meta.url);
const required = ["lib/raypool.js", "lib/raypool.d.ts", "lib/raypool_bg.wasm"];

async function stampedHash(): Promise<string | undefined> {
  const head = (await Deno.readTextFile(new URL("lib/raypool.js", root)))
    .slice(0, 500);
  return /^\/\/ source-hash: ([0-9a-f]{64})$/m.exec(head)?.[1];
}

async function main(): Promise<number> {
  for (const file of required) {
    try {
      await Deno.stat(new URL(file, root));
    } catch {
      console.error(`${file} is missing: run deno task wasm`);
      return 1;
    }
  }
  const [stamped, actual] = await Promise.all([
    stampedHash(),
    rustSourceHash(root),
  ]);
  if (stamped !== actual) {
    console.error("lib/ is stale: run deno task wasm");
    console.error(`  lib/raypool.js source-hash: ${stamped ?? "(none)"}`);
    console.error(`  rust/ sources hash:         ${actual}`);
    return 1;
  }
  console.log(`lib/ is up to date (source-hash ${actual})`);
  return 0;
}

Deno.exit(await main());
