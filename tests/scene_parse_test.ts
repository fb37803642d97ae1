import assert from "node:assert/strict";
import { parseScene } from "../src/scene/mod.ts";

const minimal = {
  width: 64,
  height: 48,
  fov: 90,
  elements: [],
  lights: [],
  shadow_bias: 1e-13,
  max_recursion_depth: 10,
};

const syntaxErrors: [name: string, text: string, message: string][] = [
  [
    "an empty value (V8 names no position)",
    '{\n  "width": 64,\n  "height": ,\n}',
    "invalid JSON at line 3, column 13: Unexpected token ','",
  ],
  [
    "a trailing comma",
    '{\n  "width": 64,\n}',
    "invalid JSON at line 3, column 1: Expected double-quoted property name",
  ],
  [
    "a misspelt literal",
    '{"elements": [tru]}',
    "invalid JSON at line 1, column 18: Unexpected token ']'",
  ],
  [
    "an unquoted key",
    "{\n  width: 64\n}",
    "invalid JSON at line 2, column 3: Expected property name or '}'",
  ],
  [
    "a single-quoted string",
    "{\n\n    'width': 64}",
    "invalid JSON at line 3, column 5: Expected property name or '}'",
  ],
  [
    "a missing comma",
    '{"width": 64\n "height": 48}',
    "invalid JSON at line 2, column 2: Expected ',' or '}' after property value",
  ],
  [
    "text after the value",
    '{"width": 64}\n}',
    "invalid JSON at line 2, column 1: Unexpected non-whitespace character after JSON",
  ],
  [
    "an unterminated string",
    '{"width": "64',
    "invalid JSON at line 1, column 14: Unterminated string",
  ],
  [
    "the end of the text",
    '{\n  "width": 64,\n  "height":',
    "invalid JSON at line 3, column 12: Unexpected end of JSON input",
  ],
  [
    "no text at all",
    "",
    "invalid JSON at line 1, column 1: Unexpected end of JSON input",
  ],
  [
    "a leading zero",
    '{"width": 064}',
    "invalid JSON at line 1, column 12: Unexpected number",
  ],
  [
    "a bad escape",
    '{"a": "\\q"}',
    "invalid JSON at line 1, column 9: Bad escaped character",
  ],
  [
    "a comment",
    '{\n  // size\n  "width": 64\n}',
    "invalid JSON at line 2, column 3: Expected property name or '}'",
  ],
  [
    "columns counted in characters after non-ASCII text",
    '{"é😀": x}',
    "invalid JSON at line 1, column 8: Unexpected token 'x'",
  ],
  [
    "CRLF line ends",
    '{\r\n  "width": 64,\r\n  "height": ?\r\n}',
    "invalid JSON at line 3, column 13: Unexpected token '?'",
  ],
];

for (const [name, text, message] of syntaxErrors) {
  Deno.test(`parseScene() names line and column of a syntax error: ${name}`, async () => {
    await assert.rejects(parseScene(text), (e: unknown) => {
      assert.ok(e instanceof SyntaxError, `expected a SyntaxError, got ${e}`);
      assert.equal(e.message, message);
      assert.ok(e.cause instanceof SyntaxError);
      return true;
    });
  });
}

Deno.test("parseScene() parses and validates a scene without textures", async () => {
  const scene = await parseScene(JSON.stringify(minimal));
  assert.deepEqual(scene.description, minimal);
  assert.equal(scene.textures.size, 0);
});

Deno.test("parseScene() ignores a byte order mark", async () => {
  const scene = await parseScene("\uFEFF" + JSON.stringify(minimal));
  assert.equal(scene.description.width, 64);
});

Deno.test("parseScene() passes on validation errors unchanged", async () => {
  await assert.rejects(
    parseScene(JSON.stringify({ ...minimal, widht: 64 })),
    {
      name: "TypeError",
      message: 'unknown field "widht" at top level, did you mean "width"?',
    },
  );
  // JSON cannot spell Infinity, but a number too large for a double parses as one.
  await assert.rejects(
    parseScene(JSON.stringify(minimal).replace('"fov":90', '"fov":1e999')),
    {
      name: "RangeError",
      message: "fov must be a finite number, got Infinity",
    },
  );
});

Deno.test("parseScene() rejects a baseDir URL that is not file:", async () => {
  const textured = {
    ...minimal,
    elements: [{
      Sphere: {
        center: { x: 0, y: 0, z: -5 },
        radius: 1,
        material: {
          coloration: { Texture: { path: "checkerboard.png" } },
          albedo: 0.18,
          surface: "Diffuse",
        },
      },
    }],
  };
  await assert.rejects(
    parseScene(JSON.stringify(textured), {
      baseDir: new URL("https://example.com/scenes/"),
    }),
    {
      name: "TypeError",
      message:
        'baseDir must be a file: URL or a path, got "https://example.com/scenes/"',
    },
  );
});
