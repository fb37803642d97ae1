/**
 * Loading the wasm core's compiled module, once per process.
 *
 * @module
 */

let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * The compiled `lib/raypool_bg.wasm`, fetched and compiled on first use and shared afterwards
 * (workers receive this module and instantiate it, so nothing is compiled twice). `fetch`
 * works for `file:` and `https:` URLs alike, so this also works for a published package. A
 * failed load is not cached: the next call tries again.
 *
 * @example
 * ```ts
 * import { loadWasmModule } from "./wasm.ts";
 * import assert from "node:assert/strict";
 * const module = await loadWasmModule();
 * assert.equal(await loadWasmModule(), module);
 * assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === "renderscene_render_tile"));
 * ```
 */
export function loadWasmModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const url = new URL("../../lib/raypool_bg.wasm", import.meta.url);
    const response = await fetch(url);
    if (!response.ok) {
      throw new Error(
        `could not load ${url.href}: HTTP ${response.status} ${response.statusText}`,
      );
    }
    return await WebAssembly.compile(await response.arrayBuffer());
  })();
  compiled.catch(() => compiled = undefined);
  return compiled;
}
