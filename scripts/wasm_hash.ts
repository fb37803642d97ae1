/**
 * The source hash stamped into `lib/raypool.js`: SHA-256 over everything the build reads,
 * in sorted path order, each part contributing its repository-relative path and its bytes:
 * every `.rs` file and `Cargo.toml` under `rust/` (not `rust/target/`),
 * `scripts/build_wasm.sh` (the cargo, wasm-bindgen and wasm-opt command lines), and the
 * wasm-bindgen CLI pin of `scripts/toolchain.sh` (its `WASM_BINDGEN_VERSION=` line only,
 * so that the rest of the toolchain script can change without a rebuild).
 * `scripts/build_wasm.sh` writes it and `scripts/wasm_check.ts` compares it, so both must
 * use this one function.
 *
 * Run directly (`deno run --allow-read=rust,scripts scripts/wasm_hash.ts`) it prints the hash.
 *
 * @module
 */

const encoder = new TextEncoder();

async function collect(
  root: URL,
  relative: string,
  out: string[],
): Promise<void> {
  for await (const entry of Deno.readDir(new URL(relative, root))) {
    const path = `${relative}/${entry.name}`;
    if (entry.isDirectory) {
      if (path !== "rust/target") await collect(root, path, out);
    } else if (
      entry.isFile &&
      (entry.name.endsWith(".rs") || entry.name === "Cargo.toml")
    ) {
      out.push(path);
    }
  }
}

/** The line of `scripts/toolchain.sh` that pins the wasm-bindgen CLI. */
async function wasmBindgenPin(root: URL): Promise<Uint8Array> {
  const text = await Deno.readTextFile(new URL("scripts/toolchain.sh", root));
  const pin = /^WASM_BINDGEN_VERSION=.*$/m.exec(text)?.[0];
  if (pin === undefined) {
    throw new Error(
      "scripts/toolchain.sh has no WASM_BINDGEN_VERSION= line to hash",
    );
  }
  return encoder.encode(pin);
}

/**
 * The hex SHA-256 of the wasm build's inputs (Rust sources, build command lines,
 * wasm-bindgen pin) of the repository at `root` (a directory URL).
 */
export async function rustSourceHash(
  root: URL = new URL("../", import.meta.url),
): Promise<string> {
  const paths: string[] = [];
  await collect(root, "rust", paths);
  const contents = new Map<string, Uint8Array>();
  for (const path of paths) {
    contents.set(path, await Deno.readFile(new URL(path, root)));
  }
  contents.set(
    "scripts/build_wasm.sh",
    await Deno.readFile(new URL("scripts/build_wasm.sh", root)),
  );
  contents.set("scripts/toolchain.sh#pin", await wasmBindgenPin(root));
  const parts: Uint8Array[] = [];
  for (const path of [...contents.keys()].sort()) {
    const content = contents.get(path)!;
    // Length-prefixing keeps a byte moved between path and content from hashing the same.
    parts.push(encoder.encode(`${path}\n${content.length}\n`), content);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  const digest = await crypto.subtle.digest("SHA-256", all);
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

if (import.meta.main) {
  console.log(await rustSourceHash());
}
