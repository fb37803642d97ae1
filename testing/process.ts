/**
 * Child processes for the tests, benchmarks and scripts: the Deno that runs them, the
 * environment a child needs to reach the network, and the programs a test needs installed.
 * Development-only; never imported by `mod.ts`.
 *
 * @module
 */

/** The Deno running this process: children run it by path, never `deno` from `PATH`. */
export const DENO: string = Deno.execPath();

/**
 * Environment variables that say how to reach the network: proxies, extra certificate
 * authorities, the npm registry to use. A child started with a cleared environment gets these
 * back (behind a TLS-intercepting proxy it cannot download anything without them).
 * `deno task test` grants reading exactly these.
 */
export const NETWORK_VARIABLES: readonly string[] = [
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
  "all_proxy",
  "NODE_EXTRA_CA_CERTS",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NPM_CONFIG_REGISTRY",
  "npm_config_registry",
];

/** The {@linkcode NETWORK_VARIABLES} that are set here (those this process may read). */
export function networkEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of NETWORK_VARIABLES) {
    if (
      Deno.permissions.querySync({ name: "env", variable: name }).state !==
        "granted"
    ) {
      continue;
    }
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Whether this runs under CI (`CI=true`, as CI services set it), where nothing may be skipped. */
export function underCi(): boolean {
  if (
    Deno.permissions.querySync({ name: "env", variable: "CI" }).state !==
      "granted"
  ) {
    return false;
  }
  const value = Deno.env.get("CI");
  return value !== undefined && value !== "" && value !== "false" &&
    value !== "0";
}

const found = new Map<string, Promise<boolean>>();

/** Whether `program` can be started (it is on `PATH`): runs `program --version`. */
export function installed(program: string): Promise<boolean> {
  let answer = found.get(program);
  if (answer === undefined) {
    answer = (async () => {
      try {
        await new Deno.Command(program, {
          args: ["--version"],
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).output();
        return true;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return false;
        throw error;
      }
    })();
    found.set(program, answer);
  }
  return answer;
}

/**
 * Whether tests needing `program` should be ignored: when it is not installed, says so in one
 * line naming the Debian package that has it, and returns `true`. Under CI (`CI=true`), which
 * installs every such program, a missing one is an error instead.
 *
 * @example
 * ```ts ignore
 * Deno.test({ name: "…", ignore: await missing("nats-server", "nats-server"), fn: … });
 * ```
 */
export async function missing(
  program: string,
  debianPackage: string,
): Promise<boolean> {
  if (await installed(program)) return false;
  if (underCi()) {
    throw new Error(
      `${program} is not installed, and under CI nothing is skipped: apt-get install ${debianPackage}`,
    );
  }
  console.error(
    `skipping the tests that need ${program}: not installed (Debian: apt-get install ${debianPackage})`,
  );
  return true;
}

/** `Deno.test`, ignoring the test when {@linkcode missing} says `program` is absent. */
export async function testsNeeding(
  program: string,
  debianPackage: string,
): Promise<(name: string, fn: () => Promise<void>) => void> {
  const ignore = await missing(program, debianPackage);
  return (name, fn) => Deno.test({ name, ignore, fn });
}
