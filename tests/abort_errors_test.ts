// One abort module, one errors module (issue 17 item 4), any value as abort reason (issue 19
// item 12): every aborted operation rejects with the same error shape whenever the abort
// comes, and no reason — a Proxy whose every trap throws included — breaks a listener.
import assert from "node:assert/strict";
import {
  abortable,
  abortError,
  throwIfAborted,
  yielder,
} from "../src/_abort.ts";
import { errorMessage } from "../src/_errors.ts";
import { describe, show } from "../src/_format.ts";
import { Renderer } from "../src/render/renderer.ts";
import { WorkerPool } from "../src/render/pool.ts";
import { loadScene, parseScene } from "../src/scene/mod.ts";

function hostileProxy(): object {
  const trap = () => {
    throw new Error("trap");
  };
  return new Proxy({}, {
    get: trap,
    getPrototypeOf: trap,
    has: trap,
    ownKeys: trap,
    getOwnPropertyDescriptor: trap,
    apply: trap,
    set: trap,
    defineProperty: trap,
    isExtensible: trap,
    preventExtensions: trap,
  });
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const throwingToString = {
  toString() {
    throw new Error("no");
  },
  toJSON() {
    throw new Error("no");
  },
};

// (AbortSignal.abort() without a reason has an AbortError as its reason, kept as it is.)
const reasons: [string, () => unknown][] = [
  ["a string", () => "stop"],
  ["a symbol", () => Symbol("s")],
  ["a number", () => 7],
  ["a bigint", () => 7n],
  ["null", () => null],
  ["an Error", () => new RangeError("range")],
  ["an object without a prototype", () => Object.create(null)],
  ["an object whose toString throws", () => throwingToString],
  ["a Proxy whose traps throw", hostileProxy],
  ["a revoked Proxy", revokedProxy],
  ["a function", () => function named() {}],
];

Deno.test("abortError(), show(), describe() and errorMessage() take any value and never throw", () => {
  for (const [name, make] of reasons) {
    const error = abortError(AbortSignal.abort(make()), "loading the scene");
    assert.equal(error.name, "AbortError", name);
    assert.match(error.message, /^loading the scene was aborted/, name);
    assert.equal(typeof show(make()), "string", name);
    assert.equal(typeof describe(make()), "string", name);
    assert.equal(typeof errorMessage(make()), "string", name);
  }
  const given = new DOMException("mine", "AbortError");
  assert.equal(abortError(AbortSignal.abort(given)), given);
  assert.equal(abortError(AbortSignal.abort()).name, "AbortError");
});

Deno.test("throwIfAborted() and abortable() reject with the same error, before and during the wait", async () => {
  for (const [name, make] of reasons) {
    const reason = make();
    const before = AbortSignal.abort(reason);
    let early: unknown;
    try {
      throwIfAborted(before, "x");
    } catch (error) {
      early = error;
    }
    const controller = new AbortController();
    const waiting = abortable(new Promise(() => {}), controller.signal, {
      what: "x",
    });
    controller.abort(reason);
    const late = await waiting.catch((error) => error);
    const upfront = await abortable(Promise.resolve(1), before, { what: "x" })
      .catch((error) => error);
    for (const error of [early, late, upfront]) {
      assert.ok(error instanceof DOMException, name);
      assert.equal(error.name, "AbortError", name);
      assert.equal(error.message, (early as DOMException).message, name);
    }
  }
});

Deno.test("yielder() gives timers a turn and then throws the AbortError", async () => {
  const controller = new AbortController();
  const pause = yielder(controller.signal, "parsing");
  setTimeout(() => controller.abort(hostileProxy()), 0);
  const error = await (async () => {
    // Busy work that only awaits the yielder: the timer above must still fire.
    for (;;) {
      const end = performance.now() + 1;
      while (performance.now() < end) { /* work */ }
      await pause();
    }
  })().catch((error) => error);
  assert.equal(error.name, "AbortError");
  assert.match(error.message, /^parsing was aborted/);
});

Deno.test("a render aborted with a Proxy whose traps throw rejects with an AbortError", async () => {
  const scene = await loadScene(
    new URL("./fixtures/original/test_800x600.json", import.meta.url),
  );
  {
    await using renderer = new Renderer({ workers: 1 });
    const controller = new AbortController();
    const rendering = renderer.render(scene, {
      width: 64,
      height: 48,
      samples: 65535 * 65535,
      tileSize: 8,
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(hostileProxy());
    await assert.rejects(rendering, { name: "AbortError" });
    // Already aborted before it starts: the same shape.
    await assert.rejects(
      renderer.render(scene, {
        width: 8,
        height: 8,
        signal: AbortSignal.abort(revokedProxy()),
      }),
      { name: "AbortError" },
    );
  }
  assert.equal(WorkerPool.live, 0);
});

Deno.test("loading a scene aborted with any reason rejects with the same AbortError", async () => {
  for (const [name, make] of reasons) {
    const signal = AbortSignal.abort(make());
    const loading = await parseScene("{}", { signal }).catch((error) => error);
    assert.equal(loading.name, "AbortError", name);
    assert.match(loading.message, /^loading the scene was aborted/, name);
  }
});

Deno.test("module errors quote an overlong unknown key cut, as every value is quoted", async () => {
  const { validateScene } = await import("../src/scene/validate.ts");
  const key = "k".repeat(10_000);
  for (
    const value of [
      { [key]: 1 },
      { width: 1, height: 1, fov: 90, elements: [{ [key]: {} }] },
    ]
  ) {
    assert.throws(() => validateScene(value), (error: Error) => {
      assert.ok(error.message.length < 300, error.message);
      assert.match(error.message, /"k{57}"… \(10000 characters\)/);
      return true;
    });
  }
  // And the CLI's one-line function cuts whatever else at the same 300 characters.
  assert.equal(errorMessage(new Error("x".repeat(10_000))).length, 300);
});
