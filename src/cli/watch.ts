/**
 * `--watch`: which files a scene depends on, and a loop that renders again whenever one of
 * them changes, aborting a render in progress.
 *
 * @module
 */

import { dirname, isAbsolute, resolve } from "node:path";
import type { Scene } from "../types.ts";

/**
 * The files a render of `scenePath` reads: the scene file, every texture and mesh file (a
 * relative path is looked up beside the scene first, then in the current folder, so both are
 * listed: creating the first would change which file is used). `scene` is the last scene that
 * loaded, or undefined when none has. A glTF model adds the files it was read from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolve } from "node:path";
 * import { filesUsedBy } from "./watch.ts";
 * const scene = {
 *   description: {} as never,
 *   textures: new Map([["wood.png", {} as never]]),
 *   meshes: new Map([["/models/bunny.obj", {} as never]]),
 * };
 * const files = filesUsedBy("scenes/room.json", scene);
 * assert.deepEqual(files.slice(0, 2), [resolve("scenes/room.json"), resolve("scenes/wood.png")]);
 * assert.equal(files.at(-1), "/models/bunny.obj");
 * ```
 */
export function filesUsedBy(
  scenePath: string,
  scene: Scene | undefined,
): string[] {
  const sceneFile = resolve(scenePath);
  const files = new Set([sceneFile]);
  // Textures and mesh files resolve alike: beside the scene first, then the current folder.
  const assets = [
    ...scene?.textures.keys() ?? [],
    ...scene?.meshes?.keys() ?? [],
  ];
  for (const asset of assets) {
    if (isAbsolute(asset)) {
      files.add(asset);
    } else {
      files.add(resolve(dirname(sceneFile), asset));
      files.add(resolve(asset));
    }
  }
  // A glTF model knows the files it was read from: the .glb or .gltf, its .bin and images.
  for (const model of scene?.gltf?.values() ?? []) {
    for (const file of model.files) files.add(file);
  }
  return [...files];
}

/**
 * Tells when any of a set of files changed, after `debounceMs` without further change (an
 * editor's save is often several events). It watches the files' folders rather than the files,
 * since editors that save by writing a new file and renaming it over the old one would leave a
 * watch on the old file blind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChangeWatcher } from "./watch.ts";
 * await Deno.mkdir("out", { recursive: true });
 * const folder = await Deno.makeTempDir({ dir: "out" });
 * await Deno.writeTextFile(`${folder}/scene.json`, "{}");
 * const watcher = new ChangeWatcher(50);
 * watcher.watch([`${folder}/scene.json`]);
 * const changed = watcher.nextChange(AbortSignal.timeout(10_000));
 * await new Promise((resolve) => setTimeout(resolve, 100));
 * await Deno.writeTextFile(`${folder}/scene.json`, "{ }");
 * assert.equal(await changed, true);
 * watcher.close();
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export class ChangeWatcher {
  readonly #debounceMs: number;
  #files = new Set<string>();
  #folders = "";
  #watcher: Deno.FsWatcher | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #changed = false;
  #wake: (() => void) | undefined;

  /** A watcher that watches nothing yet. */
  constructor(debounceMs = 150) {
    this.#debounceMs = debounceMs;
  }

  /** Watches these files (absolute or relative to the current folder) from now on. */
  watch(files: readonly string[]): void {
    this.#files = new Set(files.map((file) => resolve(file)));
    const folders = [...new Set([...this.#files].map((file) => dirname(file)))]
      .filter(isFolder).sort();
    const key = folders.join("\n");
    if (key === this.#folders) return;
    this.#folders = key;
    this.#watcher?.close();
    this.#watcher = folders.length === 0
      ? undefined
      : Deno.watchFs(folders, { recursive: false });
    if (this.#watcher !== undefined) this.#pump(this.#watcher);
  }

  /**
   * Resolves true at the next change (at once if one came since the last call), or false
   * when `signal` aborts first.
   */
  nextChange(signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (changed: boolean) => {
        signal.removeEventListener("abort", onAbort);
        this.#wake = undefined;
        this.#changed = false;
        resolve(changed);
      };
      const onAbort = () => finish(false);
      if (signal.aborted) return finish(false);
      if (this.#changed) return finish(true);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#wake = () => finish(true);
    });
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  async #pump(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const event of watcher) {
        // Reading a file (as loading the scene does) must not count as changing it.
        if (event.kind === "access") continue;
        if (!event.paths.some((path) => this.#files.has(resolve(path)))) {
          continue;
        }
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => {
          this.#changed = true;
          this.#wake?.();
        }, this.#debounceMs);
      }
    } catch {
      // Closed, or the folder went away; watch() opens a new one when the files change.
    }
  }
}

function isFolder(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** What {@linkcode watchRenders} does and watches. */
export interface WatchRendersOptions {
  /** Aborting ends the loop (a render in progress is aborted first). */
  signal: AbortSignal;
  /** The files to watch now; asked before each render and after it. */
  files: () => readonly string[];
  /**
   * One render, stopping when its signal aborts. It should report its own outcome and not
   * reject; a rejection ends the loop.
   */
  renderOnce: (signal: AbortSignal) => Promise<void>;
  /** Quiet time after a change before rendering again; default 150 ms. */
  debounceMs?: number;
}

/**
 * Renders, then renders again at every change of the watched files until the signal aborts.
 * A change during a render aborts it and, once it has stopped, starts the next.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { watchRenders } from "./watch.ts";
 * const stop = new AbortController();
 * let renders = 0;
 * await watchRenders({
 *   signal: stop.signal,
 *   files: () => [],
 *   renderOnce: () => {
 *     renders++;
 *     stop.abort();
 *     return Promise.resolve();
 *   },
 * });
 * assert.equal(renders, 1);
 * ```
 */
export async function watchRenders(
  options: WatchRendersOptions,
): Promise<void> {
  const { signal, files, renderOnce } = options;
  const watcher = new ChangeWatcher(options.debounceMs);
  try {
    while (!signal.aborted) {
      watcher.watch(files());
      const attempt = new AbortController();
      const stopAttempt = () => attempt.abort(signal.reason);
      signal.addEventListener("abort", stopAttempt, { once: true });
      const changed = watcher.nextChange(signal);
      let rendering = true;
      const running = renderOnce(attempt.signal).finally(() => {
        rendering = false;
      });
      try {
        await Promise.race([running, changed]);
        if (rendering) {
          // A change (or the end) came first: stop this render, then start over.
          attempt.abort(new DOMException("scene changed", "AbortError"));
          await running;
          continue;
        }
        // Loading the scene may have named new files (textures) to watch.
        watcher.watch(files());
        if (!await changed) break;
      } finally {
        signal.removeEventListener("abort", stopAttempt);
      }
    }
  } finally {
    watcher.close();
  }
}
