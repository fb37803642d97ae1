// The test harness itself: children run the Deno running the tests and keep the network
// environment; tests needing a program skip with one line when it is missing, but not under
// CI (issue 20, items 3, 4 and 10).

import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "./fixtures/cli/helpers.ts";
import { run } from "./fixtures/readme.ts";
import { DENO, NETWORK_VARIABLES } from "../testing/process.ts";

Deno.test("no test, benchmark or script spawns deno by name, and the test task does not allow it", async () => {
  const offenders = [];
  for (const folder of ["tests", "bench", "scripts", "testing", "examples"]) {
    for await (const file of walk(join(ROOT, folder))) {
      if (!file.endsWith(".ts")) continue;
      const text = await Deno.readTextFile(file);
      if (/Command\(\s*["'`]deno["'`]/.test(text)) offenders.push(file);
    }
  }
  assert.deepEqual(offenders, []);
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const allowRun = /--allow-run=(\S+)/.exec(config.tasks.test.command)?.[1];
  assert.ok(allowRun !== undefined);
  assert.ok(!allowRun.split(",").includes("deno"), allowRun);
});

Deno.test("the test task lets the tests read CI and every network variable", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const allowEnv = /--allow-env=(\S+)/.exec(config.tasks.test.command)?.[1]
    ?.split(",");
  assert.ok(allowEnv !== undefined);
  for (const name of ["CI", ...NETWORK_VARIABLES]) {
    assert.ok(allowEnv.includes(name), `--allow-env lacks ${name}`);
  }
});

Deno.test("a child started with a cleared environment keeps the network variables", async () => {
  const saved = Deno.env.get("NODE_EXTRA_CA_CERTS");
  Deno.env.set("NODE_EXTRA_CA_CERTS", "/etc/ssl/extra-test-ca.pem");
  try {
    const child = await run(DENO, [
      "eval",
      'console.log(Deno.env.get("NODE_EXTRA_CA_CERTS"))',
    ], ROOT);
    assert.equal(child.code, 0, child.stderr);
    assert.equal(child.stdout, "/etc/ssl/extra-test-ca.pem\n");
  } finally {
    if (saved === undefined) Deno.env.delete("NODE_EXTRA_CA_CERTS");
    else Deno.env.set("NODE_EXTRA_CA_CERTS", saved);
  }
});

/** `deno test` of the fixture needing nats-server, with a PATH where it is not, CI or not. */
async function needsNats(ci: boolean) {
  const { code, stdout, stderr } = await new Deno.Command(DENO, {
    args: [
      "test",
      "--no-check",
      "--allow-run=nats-server",
      "--allow-env=CI",
      "tests/fixtures/harness/needs_nats.ts",
    ],
    cwd: ROOT,
    clearEnv: true,
    env: { PATH: "/nonexistent", NO_COLOR: "1", ...(ci ? { CI: "true" } : {}) },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code,
    output: decoder.decode(stdout) + decoder.decode(stderr),
  };
}

Deno.test("without nats-server its tests are skipped with one line naming the package", async () => {
  const { code, output } = await needsNats(false);
  assert.equal(code, 0, output);
  assert.match(
    output,
    /^skipping the tests that need nats-server: not installed \(Debian: apt-get install nats-server\)$/m,
  );
  assert.match(output, /needs nats-server \.\.\. ignored/);
});

Deno.test("under CI a missing nats-server is a failure, naming the package", async () => {
  const { code, output } = await needsNats(true);
  assert.notEqual(code, 0, output);
  assert.match(
    output,
    /nats-server is not installed, and under CI nothing is skipped: apt-get install nats-server/,
  );
});

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile) yield path;
  }
}
