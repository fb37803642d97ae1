/**
 * The benchmark's one reader of `/proc`: the machine's description, the load average and the
 * threads' CPU times all come through {@linkcode readProc}.
 *
 * @module
 */

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(descriptor).state === "granted";
}

/**
 * The text of a `/proc` file, or of every file a shell glob such as
 * `/proc/<pid>/task/*\/stat` matches (concatenated), or `null` where it cannot be read.
 * Deno lets only `--allow-all` read most of `/proc` itself, so without that the files are
 * read through `bash` (which `--allow-run=bash` permits); no permission prompt is ever shown.
 *
 * @example
 * ```ts
 * import { readProc } from "./proc.ts";
 * const text = readProc("/proc/loadavg");
 * if (text !== null && !/^\d/.test(text)) throw new Error(`odd /proc/loadavg: ${text}`);
 * ```
 */
export function readProc(path: string): string | null {
  // Only plain names and `*` reach the shell below.
  if (!/^\/proc\/[\w.*/-]+$/.test(path)) {
    throw new RangeError(`readProc reads only /proc paths, got ${path}`);
  }
  if (!path.includes("*") && granted({ name: "read", path })) {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      // Refused even with read permission (only --allow-all opens /proc): try bash.
    }
  }
  if (!granted({ name: "run", command: "bash" })) return null;
  try {
    // The glob is expanded by bash; `$0` keeps every other character literal.
    const { success, stdout } = new Deno.Command("bash", {
      args: ["-c", path.includes("*") ? `cat -- ${path}` : 'cat -- "$0"', path],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return success ? new TextDecoder().decode(stdout) : null;
  } catch {
    return null;
  }
}
