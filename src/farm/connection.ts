/**
 * Connecting to the farm's NATS server: credentials from the URL or a credentials file, TLS
 * from `tls://`, the NATS packages loaded only when a farm is used, and the streams, consumer
 * and bucket every submitter and node relies on.
 *
 * @module
 */

import {
  ACK_WAIT_MS,
  JOBS_STREAM,
  MAX_DELIVER,
  NODES_CONSUMER,
  RESULTS_STREAM,
  SCENE_BUCKET,
} from "./protocol.ts";
import { errorMessage } from "../_errors.ts";

/**
 * Options to reach a farm server.
 *
 * @example
 * ```ts
 * import type { FarmConnectionOptions } from "./connection.ts";
 * const options: FarmConnectionOptions = { server: "nats://farm.example:4222", token: "s3cret" };
 * ```
 */
export interface FarmConnectionOptions {
  /**
   * The server: `nats://HOST:PORT`, or `tls://HOST:PORT` for TLS. Secrets do not go in it:
   * a URL is a command-line argument, which `deno task` echoes and `ps` shows.
   */
  server: string;
  /** The contents of a NATS credentials file (`.creds`: a user JWT and its NKey seed). */
  credentials?: Uint8Array;
  /** A token, when the server asks for one. */
  token?: string;
  /** A user (with `password`), when the server has users. */
  user?: string;
  /** The user's password. */
  password?: string;
}

/**
 * A server URL taken apart: what to connect to, and how to name it in messages.
 */
export interface FarmServer {
  /** `host:port` for the client. */
  address: string;
  /** The URL, for messages. */
  display: string;
  /** Whether TLS is required. */
  tls: boolean;
}

/**
 * Parses a farm server URL.
 *
 * @throws {TypeError} for a URL that is not `nats://` or `tls://` with a host, or that holds
 * a secret (quoted without it): secrets come from options, files or the environment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFarmServer } from "./connection.ts";
 * assert.deepEqual(parseFarmServer("nats://127.0.0.1:4333"), {
 *   address: "127.0.0.1:4333", display: "nats://127.0.0.1:4333", tls: false,
 * });
 * assert.equal(parseFarmServer("tls://farm").display, "tls://farm:4222");
 * assert.throws(() => parseFarmServer("http://farm"), TypeError);
 * assert.throws(() => parseFarmServer("nats://s3cret@farm"), { message: /not in the URL/ });
 * ```
 */
export function parseFarmServer(url: string): FarmServer {
  let parsed: URL;
  try {
    parsed = new URL(url.includes("://") ? url : `nats://${url}`);
  } catch {
    throw new TypeError(
      `farm server must be a URL like nats://HOST:4222, got ${
        JSON.stringify(url.replace(/\/\/[^@/]*@/, "//…@"))
      }`,
    );
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme !== "nats" && scheme !== "tls") {
    throw new TypeError(
      `farm server must be nats:// or tls://, got ${scheme}://`,
    );
  }
  if (parsed.hostname === "") {
    throw new TypeError("farm server URL has no host");
  }
  const address = `${parsed.hostname}:${parsed.port || "4222"}`;
  if (parsed.username !== "" || parsed.password !== "") {
    throw new TypeError(
      `the farm's token or password goes in $RAYPOOL_FARM_TOKEN (or $RAYPOOL_FARM_USER and ` +
        `$RAYPOOL_FARM_PASSWORD), not in the URL, which command lines echo: use ${scheme}://${address}`,
    );
  }
  return { address, display: `${scheme}://${address}`, tls: scheme === "tls" };
}

/** The NATS client packages, by full specifier so the module works without our import map. */
const NATS_PACKAGES = {
  transport: "npm:@nats-io/transport-node@3.4.0",
  jetstream: "npm:@nats-io/jetstream@3.4.0",
  obj: "npm:@nats-io/obj@3.4.0",
} as const;

/**
 * Loads the NATS client packages; only a farm user pays for them. The specifiers are not
 * literals: Deno fetches every literal `import("npm:…")` of a module graph when the program
 * starts, which would make every user of `mod.ts` download them.
 */
async function loadNats() {
  ignoreSocketResets();
  const load = (specifier: string) => import(specifier);
  const [transport, jetstream, obj] = await Promise.all([
    load(NATS_PACKAGES.transport) as Promise<
      typeof import("npm:@nats-io/transport-node@3.4.0")
    >,
    load(NATS_PACKAGES.jetstream) as Promise<
      typeof import("npm:@nats-io/jetstream@3.4.0")
    >,
    load(NATS_PACKAGES.obj) as Promise<
      typeof import("npm:@nats-io/obj@3.4.0")
    >,
  ]);
  return { transport, jetstream, obj };
}

/**
 * The node transport's socket can emit `error` with no listener of its own, most often
 * ECONNRESET when a server closes on a refused login: Deno then reports it as uncaught and
 * the process dies (exit 1, a stack trace) before the refusal reaches `connect()`'s caller.
 * The client sees every such reset through its own close and reconnect handling, so a reset
 * or broken pipe is no reason to end the process. Installed once, when the client loads.
 */
function ignoreSocketResets(): void {
  if (socketResetsIgnored) return;
  socketResetsIgnored = true;
  globalThis.addEventListener("error", (event) => {
    const code = (event.error as { code?: unknown } | null | undefined)?.code;
    if (code === "ECONNRESET" || code === "EPIPE") event.preventDefault();
  });
}
let socketResetsIgnored = false;

/** The NATS client modules. */
export type Nats = Awaited<ReturnType<typeof loadNats>>;
/** A NATS connection. */
export type NatsConnection = Awaited<
  ReturnType<Nats["transport"]["connect"]>
>;
/** A JetStream client. */
export type JetStreamClient = ReturnType<Nats["jetstream"]["jetstream"]>;
/** A JetStream manager. */
export type JetStreamManager = Awaited<
  ReturnType<Nats["jetstream"]["jetstreamManager"]>
>;
/** The scene bucket. */
export type ObjectStore = Awaited<
  ReturnType<InstanceType<Nats["obj"]["Objm"]>["create"]>
>;

/**
 * Could not reach the server, or it refused us: the user's setup, not a render failure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FarmConnectError } from "./connection.ts";
 * assert.equal(new FarmConnectError("x").name, "FarmConnectError");
 * ```
 */
export class FarmConnectError extends Error {
  /** Makes one; the message names the server. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FarmConnectError";
  }
}

/** An open connection to the farm with everything the farm needs on the server. */
export interface FarmConnection {
  /** The client modules. */
  nats: Nats;
  /** The parsed server. */
  server: FarmServer;
  /** The connection. */
  connection: NatsConnection;
  /** JetStream. */
  js: JetStreamClient;
  /** JetStream management. */
  jsm: JetStreamManager;
  /** The scene bucket. */
  scenes: ObjectStore;
}

/**
 * Connects, and makes sure the job and result streams, the nodes' consumer and the scene
 * bucket exist (creating them as needed; every party does this, so any may start first).
 * After connecting, the client reconnects by itself for ever (a server restart is survived).
 *
 * @throws {FarmConnectError} naming the server when it cannot be reached or refuses the
 * credentials.
 */
export async function connectFarm(
  options: FarmConnectionOptions,
  name: string,
): Promise<FarmConnection> {
  const server = parseFarmServer(options.server);
  const nats = await loadNats();
  const { transport } = nats;
  let connection: NatsConnection;
  try {
    connection = await transport.connect({
      servers: [server.address],
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: false,
      timeout: 5_000,
      ...(server.tls ? { tls: {} } : {}),
      ...secrets(options),
      ...(options.credentials === undefined ? {} : {
        authenticator: transport.credsAuthenticator(options.credentials),
      }),
    });
  } catch (error) {
    throw new FarmConnectError(
      `cannot connect to the farm at ${server.display}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  try {
    const js = nats.jetstream.jetstream(connection);
    const jsm = await nats.jetstream.jetstreamManager(connection);
    await ensureStreams(nats, jsm);
    const scenes = await new nats.obj.Objm(connection).create(SCENE_BUCKET, {
      storage: nats.jetstream.StorageType.File,
      ttl: nats.transport.nanos(7 * 24 * 3600 * 1000),
    });
    return { nats, server, connection, js, jsm, scenes };
  } catch (error) {
    await connection.close().catch(() => {});
    throw new FarmConnectError(
      `the farm server ${server.display} has no usable JetStream (start it with -js): ${
        errorMessage(error)
      }`,
      { cause: error },
    );
  }
}

/** The token, or user and password, to connect with. */
function secrets(
  options: FarmConnectionOptions,
): { token?: string; user?: string; pass?: string } {
  if (options.user !== undefined) {
    return { user: options.user, pass: options.password ?? "" };
  }
  if (options.token !== undefined) return { token: options.token };
  return {};
}

async function ensureStreams(nats: Nats, jsm: JetStreamManager) {
  const { RetentionPolicy, StorageType, AckPolicy } = nats.jetstream;
  const { nanos } = nats.transport;
  await addOrKeep(() =>
    jsm.streams.add({
      name: JOBS_STREAM,
      subjects: ["raypool.jobs.*"],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(10 * 60 * 1000),
    })
  );
  await addOrKeep(() =>
    jsm.streams.add({
      name: RESULTS_STREAM,
      subjects: ["raypool.results.*"],
      storage: StorageType.File,
      // Results nobody collected (a submitter that was killed) go after a day.
      max_age: nanos(24 * 3600 * 1000),
    })
  );
  await addOrKeep(() =>
    jsm.consumers.add(JOBS_STREAM, {
      durable_name: NODES_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ACK_WAIT_MS),
      max_deliver: MAX_DELIVER,
      max_ack_pending: 10_000,
    })
  );
}

/** Adding what already exists with the same configuration succeeds; another one is kept. */
async function addOrKeep(add: () => Promise<unknown>) {
  try {
    await add();
  } catch (error) {
    if (!/already in use|already exists/i.test(errorMessage(error))) {
      throw error;
    }
  }
}
