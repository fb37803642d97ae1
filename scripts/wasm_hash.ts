/**
 * The source hash stamped into `lib/raypool.js`: SHA-256 over every `.rs` file and
 * `Cargo.toml` under `rust/` (not `rust/target/`), in sorted path order, each contributing
 * its repository-relative path and its bytes. `scripts/build_wasm.sh` writes it and
 * `scripts/wasm_check.ts` compares it, so both must use this one function.
 *
 * Run directly (`deno run --allow-read=rust scripts/wasm_hash.ts`) it prints the hash.
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

/** The hex SHA-256 of the Rust sources of the repository at `root` (a directory URL). */
export async function rustSourceHash(
  root: URL = new URL("../", import.meta.url),
): Promise<string> {
  const paths: string[] = [];
  await collect(root, "rust", paths);
  paths.sort();
  const parts: Uint8Array[] = [];
  for (const path of paths) {
    const content = await Deno.readFile(new URL(path, root));
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
