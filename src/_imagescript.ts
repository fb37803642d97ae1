// Private: the one place raypool loads imagescript, its PNG/JPEG decoder and encoder.
//
// imagescript loads a native addon when it is imported, which needs --allow-ffi (and it reads
// IMAGESCRIPT_WASM_SIMD, which needs --allow-env): scenes without textures and renders that
// are not encoded must not pay for it or need the permissions, so it is imported on first use.
// The specifiers are full npm: ones so the module works from projects without our import map.

/** imagescript's v1 API: `Image.decode` gives an RGBA bitmap. */
export type ImageScriptV1 = typeof import("npm:imagescript@1.3.1");
/** imagescript's v2 API: wraps RGBA without copying and encodes PNG and JPEG. */
export type ImageScriptV2 = typeof import("npm:imagescript@1.3.1/v2/index.js");

let v1: Promise<ImageScriptV1> | undefined;
let v2: Promise<ImageScriptV2> | undefined;

/** imagescript's v1 API (decoding), imported once; a failed import is retried next time. */
export function loadImagescript(): Promise<ImageScriptV1> {
  // deno-lint-ignore no-import-prefix
  v1 ??= import("npm:imagescript@1.3.1").catch((error) => {
    v1 = undefined;
    throw explainLoadFailure(error);
  });
  return v1;
}

/** imagescript's v2 API (encoding), imported once; a failed import is retried next time. */
export function loadImagescriptV2(): Promise<ImageScriptV2> {
  // deno-lint-ignore no-import-prefix
  v2 ??= import("npm:imagescript@1.3.1/v2/index.js").catch((error) => {
    v2 = undefined;
    throw explainLoadFailure(error);
  });
  return v2;
}

/**
 * Deno says `Requires ffi access to "<addon>", run again with the --allow-ffi flag`, and
 * imagescript wraps that in `unsupported arch/platform: …`. The user needs the exact flag,
 * with the whole path (it depends on where the importing project keeps npm packages), so the
 * error says it; it is a `Deno.errors.NotCapable` whatever imagescript wrapped it in.
 */
export function explainLoadFailure(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const denied = /Requires (\w+) access to "([^"]*)"/.exec(message);
  if (denied === null) {
    return error instanceof Error ? error : new Error(message);
  }
  const [, permission, target] = denied;
  return new Deno.errors.NotCapable(
    `imagescript needs ${permission} access; run with --allow-${permission}=${
      shellWord(target)
    }`,
    { cause: error },
  );
}

/** `text` as one shell word: as it is when nothing in it is special, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text)
    ? text
    : `'${text.replaceAll("'", `'"'"'`)}'`;
}
