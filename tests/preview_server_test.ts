import assert from "node:assert/strict";
import { join } from "node:path";
import { parseCliArgs } from "../src/cli/args.ts";
import { InputError } from "../src/_errors.ts";
import { PreviewBroadcaster } from "../src/preview/broadcaster.ts";
import { PreviewServer } from "../src/preview/server.ts";
import {
  listDir,
  PERMISSIONS,
  runCli,
  spawnCli,
  withTempDir,
} from "./fixtures/cli/helpers.ts";

/** Sends `request` as is over TCP and returns the response's status line and headers. */
async function rawRequest(port: number, request: string): Promise<string> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(new TextEncoder().encode(request));
    let text = "";
    const buffer = new Uint8Array(4096);
    while (!text.includes("\r\n\r\n")) {
      const read = await connection.read(buffer);
      if (read === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, read));
    }
    return text;
  } finally {
    connection.close();
  }
}

function upgrade(port: number, host: string, origin?: string): string {
  return [
    "GET /stream HTTP/1.1",
    `Host: ${host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...(origin === undefined ? [] : [`Origin: ${origin}`]),
    "",
    "",
  ].join("\r\n").replaceAll("PORT", String(port));
}

async function withServer(fn: (port: number) => Promise<void>) {
  const broadcaster = new PreviewBroadcaster();
  const server = PreviewServer.start({ broadcaster });
  try {
    await fn(Number(new URL(server.url).port));
  } finally {
    await server.close();
    broadcaster.close();
  }
}

const statusOf = (response: string) => response.split("\r\n")[0];

Deno.test("preview server: its stream opens only for its own page's origin", async () => {
  await withServer(async (port) => {
    for (const host of ["127.0.0.1:PORT", "localhost:PORT"]) {
      const name = host.replace("PORT", String(port));
      assert.equal(
        statusOf(await rawRequest(port, upgrade(port, host, `http://${name}`))),
        "HTTP/1.1 101 Switching Protocols",
      );
    }
    for (
      const origin of [
        "http://evil.example",
        "http://127.0.0.1:1",
        "null",
        undefined,
      ]
    ) {
      assert.equal(
        statusOf(
          await rawRequest(port, upgrade(port, "127.0.0.1:PORT", origin)),
        ),
        "HTTP/1.1 403 Forbidden",
        `origin ${origin}`,
      );
    }
  });
});

Deno.test("preview server: another host name (DNS rebinding) is refused, even with a matching origin", async () => {
  await withServer(async (port) => {
    const host = `evil.example:${port}`;
    assert.equal(
      statusOf(await rawRequest(port, upgrade(port, host, `http://${host}`))),
      "HTTP/1.1 421 Misdirected Request",
    );
    assert.equal(
      statusOf(
        await rawRequest(
          port,
          `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        ),
      ),
      "HTTP/1.1 421 Misdirected Request",
    );
  });
});

Deno.test("preview server: the page and nothing else; no file from disk", async () => {
  await withServer(async (port) => {
    const base = `http://127.0.0.1:${port}`;
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(
      page.headers.get("content-security-policy") ?? "",
      /default-src 'none'/,
    );
    assert.match(await page.text(), /<canvas/);
    for (
      const path of [
        "/cli.ts",
        "/deno.json",
        "/%2e%2e/cli.ts",
        "/?file=cli.ts",
        "/stream/x",
        "/index.html",
      ]
    ) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(await response.text(), "not found\n");
    }
    const post = await fetch(`${base}/`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
    const plain = await fetch(`${base}/stream`);
    assert.equal(plain.status, 426);
    await plain.body?.cancel();
  });
});

Deno.test("--preview [PORT], --host and --watch parse; a bare --preview takes no scene for a port", () => {
  const at = parseCliArgs(["scene.json", "--preview", "8000", "--host", "::1"]);
  assert.ok(at.kind === "render" && at.preview === 8000 && at.host === "::1");
  const bare = parseCliArgs(["--preview", "scene.json"]);
  assert.ok(
    bare.kind === "render" && bare.preview === 0 && bare.scene === "scene.json",
  );
  const watch = parseCliArgs(["scene.json", "--watch"]);
  assert.ok(
    watch.kind === "render" && watch.watch && watch.preview === undefined,
  );
  assert.throws(() => parseCliArgs(["s.json", "--preview", "70000"]), {
    name: "InputError",
    message: "--preview must be between 0 and 65535, got 70000",
  });
  assert.throws(() => parseCliArgs(["s.json", "--host", "0.0.0.0"]), {
    name: "InputError",
    message: "--host applies to --preview only",
  });
  assert.throws(
    () => parseCliArgs(["s.json", "--preview", "--host", "a b"]),
    InputError,
  );
});

const LIVE_PERMISSIONS = [...PERMISSIONS, "--allow-net=127.0.0.1"];

Deno.test({
  name: "--preview on a port in use: one line, exit 2, no image",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    await withTempDir(async (dir) => {
      const result = await runCli(
        [
          "tests/fixtures/cli/tiny.json",
          "-o",
          join(dir, "a.png"),
          "--preview",
          String(taken.addr.port),
        ],
        { permissions: LIVE_PERMISSIONS },
      );
      assert.equal(result.code, 2, result.stderr);
      assert.equal(
        result.stderr,
        `raypool: --preview: 127.0.0.1:${taken.addr.port} is already in use\n`,
      );
      assert.deepEqual(await listDir(dir), []);
    });
  },
});

Deno.test({
  name: "--preview without --allow-net: one line naming the permission, exit 2",
  fn: async () => {
    await withTempDir(async (dir) => {
      const result = await runCli(
        ["tests/fixtures/cli/tiny.json", "-o", join(dir, "a.png"), "--preview"],
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /^raypool: --preview: no permission to listen on 127\.0\.0\.1 \(install raypool again with the README's install line, --allow-net=127\.0\.0\.1 changed to --allow-net=127\.0\.0\.1,127\.0\.0\.1\)\n$/,
      );
    });
  },
});

/** Runs the CLI with the live permissions in the background. */
function spawnLive(args: string[]) {
  return spawnCli(args, { permissions: LIVE_PERMISSIONS });
}

Deno.test({
  name:
    "--preview: Ctrl-C before the image is written exits 130 and leaves no file",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withTempDir(async (dir) => {
      const cli = spawnLive([
        "tests/fixtures/cli/tiny.json",
        "-o",
        join(dir, "big.png"),
        "--preview",
        "--width",
        "4000",
        "--height",
        "3000",
        "--samples",
        "16",
        "--workers",
        "1",
      ]);
      await cli.waitFor(/Rendering/);
      const result = await cli.stop("SIGINT");
      assert.equal(result.code, 130, result.stderr);
      assert.equal(
        result.stderr.trimEnd().split("\n").at(-1),
        "raypool: interrupted",
      );
      assert.deepEqual(await listDir(dir), []);
    });
  },
});

Deno.test({
  name:
    "--watch without --preview renders to the file again on each change; Ctrl-C exits 0",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withTempDir(async (dir) => {
      const scene = join(dir, "scene.json");
      const out = join(dir, "scene.png");
      await Deno.copyFile("tests/fixtures/cli/tiny.json", scene);
      const cli = spawnLive([scene, "-o", out, "--watch", "--workers", "1"]);
      await cli.waitFor(/Wrote /);
      const first = await Deno.readFile(out);
      const edited = JSON.parse(await Deno.readTextFile(scene));
      edited.width = 80;
      await Deno.writeTextFile(scene, JSON.stringify(edited));
      await cli.waitFor(/Wrote .*80×48/);
      const second = await Deno.readFile(out);
      assert.notDeepEqual(second, first);
      const result = await cli.stop("SIGINT");
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr.match(/Wrote /g)?.length, 2, result.stderr);
      assert.doesNotMatch(result.stderr, /Preview at/);
      assert.deepEqual(await listDir(dir), ["scene.json", "scene.png"]);
    });
  },
});

Deno.test({
  name:
    "--preview: after the image is written the page stays up; SIGTERM then exits 0",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withTempDir(async (dir) => {
      const cli = spawnLive([
        "tests/fixtures/cli/tiny.json",
        "-o",
        join(dir, "a.png"),
        "--preview",
      ]);
      await cli.waitFor(/Wrote /);
      // Still serving: the page answers.
      const url = /Preview at (\S+)/.exec(cli.stderr())?.[1];
      assert.ok(url !== undefined);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      await page.body?.cancel();
      const result = await cli.stop("SIGTERM");
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await listDir(dir), ["a.png"]);
    });
  },
});
