/**
 * The preview's HTTP server: the page at `/`, its WebSocket stream at `/stream`, and nothing
 * else: no file is ever served from disk. It listens on loopback unless told otherwise, and
 * only answers requests addressed to its own name (no DNS rebinding) and WebSockets opened by
 * its own page (`Origin` must be the page's origin).
 *
 * @module
 */

import type { PreviewBroadcaster } from "./broadcaster.ts";
import { PREVIEW_PAGE } from "./page.ts";

/** Options for {@linkcode PreviewServer.start}. */
export interface PreviewServerOptions {
  /** Where pages' sockets are handed. */
  broadcaster: PreviewBroadcaster;
  /** The address to listen on; default `127.0.0.1`. */
  hostname?: string;
  /** The port; default 0, any free one. */
  port?: number;
  /**
   * The most pages connected at once; default {@linkcode MAX_PREVIEW_CLIENTS}. More are
   * refused (503) until one leaves: with each page's queue bounded by the broadcaster, this
   * bounds what the preview can cost.
   */
  maxClients?: number;
}

/** The most preview pages connected at once by default: a preview is for a few people. */
export const MAX_PREVIEW_CLIENTS = 64;

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];
const WILDCARD_ADDRESSES = ["0.0.0.0", "::"];

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'none'; script-src 'unsafe-inline'; " +
    "style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
};

/**
 * A running preview server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PreviewBroadcaster } from "./broadcaster.ts";
 * import { PreviewServer } from "./server.ts";
 * const broadcaster = new PreviewBroadcaster();
 * const server = PreviewServer.start({ broadcaster });
 * const page = await fetch(server.url);
 * assert.ok((await page.text()).includes("<canvas"));
 * const other = await fetch(new URL("/etc/passwd", server.url));
 * assert.equal(other.status, 404);
 * await other.body?.cancel();
 * await server.close();
 * broadcaster.close();
 * ```
 */
export class PreviewServer {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #broadcaster: PreviewBroadcaster;
  readonly #sockets = new Set<WebSocket>();
  readonly #hosts: Set<string> | undefined;
  readonly #url: string;
  readonly #maxClients: number;

  private constructor(options: PreviewServerOptions) {
    const hostname = options.hostname ?? "127.0.0.1";
    this.#broadcaster = options.broadcaster;
    this.#maxClients = options.maxClients ?? MAX_PREVIEW_CLIENTS;
    try {
      this.#server = Deno.serve({
        hostname,
        port: options.port ?? 0,
        onListen: () => {},
        handler: (request) => this.#handle(request),
      });
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) {
        throw new Deno.errors.AddrInUse(
          `${hostAndPort(hostname, options.port ?? 0)} is already in use`,
          { cause: error },
        );
      }
      throw error;
    }
    const port = this.#server.addr.port;
    const name = hostAndPort(hostname, port);
    this.#url = `http://${name}/`;
    this.#hosts = WILDCARD_ADDRESSES.includes(hostname) ? undefined : new Set(
      [name, ...isLoopback(hostname) ? LOOPBACK_NAMES : []].map((host) =>
        hostAndPort(host, port)
      ),
    );
  }

  /**
   * Starts listening.
   *
   * @throws {Deno.errors.AddrInUse} naming the address, when it is taken.
   * @throws {Deno.errors.NotCapable} without `--allow-net` for the address.
   */
  static start(options: PreviewServerOptions): PreviewServer {
    return new PreviewServer(options);
  }

  /** The page's address, e.g. `http://127.0.0.1:8000/`. */
  get url(): string {
    return this.#url;
  }

  /** Closes every page's socket and stops listening. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) {
      this.#broadcaster.remove(socket);
      try {
        socket.close(1001, "raypool stopped");
      } catch {
        // Already closing.
      }
    }
    this.#sockets.clear();
    await this.#server.shutdown();
  }

  #handle(request: Request): Response {
    const host = request.headers.get("host") ?? "";
    if (this.#hosts !== undefined && !this.#hosts.has(host.toLowerCase())) {
      return plain(421, "unknown host");
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return plain(405, "method not allowed");
    }
    const { pathname, search } = new URL(request.url);
    if (search !== "") return plain(404, "not found");
    if (pathname === "/") {
      return new Response(request.method === "HEAD" ? null : PREVIEW_PAGE, {
        headers: PAGE_HEADERS,
      });
    }
    if (pathname !== "/stream") return plain(404, "not found");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return plain(426, "a WebSocket only");
    }
    // A page elsewhere may open a socket to any address; only our own page may read this one.
    if (request.headers.get("origin") !== `http://${host}`) {
      return plain(403, "forbidden origin");
    }
    if (this.#sockets.size >= this.#maxClients) {
      return plain(503, `too many preview pages (${this.#maxClients})`);
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.binaryType = "arraybuffer";
    // Counted from the upgrade, so that connections that never finish opening count too.
    this.#sockets.add(socket);
    socket.onopen = () => {
      if (this.#sockets.has(socket)) this.#broadcaster.add(socket);
    };
    socket.onclose = () => {
      this.#sockets.delete(socket);
      this.#broadcaster.remove(socket);
    };
    socket.onerror = () => {};
    return response;
  }
}

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function hostAndPort(hostname: string, port: number): string {
  const host = hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]`
    : hostname;
  return `${host}:${port}`.toLowerCase();
}
