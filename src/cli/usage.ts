/**
 * The CLI's `--help` text.
 *
 * @module
 */

/**
 * The usage text, with examples, ending in a newline. `command` is how the CLI was invoked
 * (`raypool` when installed, `deno task render` as a task), so the examples can be pasted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usage } from "./usage.ts";
 * assert.ok(usage("0.1.0").includes("--output"));
 * assert.ok(usage("0.1.0", "deno task render").includes("Usage: deno task render <scene.json>"));
 * ```
 */
export function usage(version: string, command: string = "raypool"): string {
  // As a task, the farm has tasks of its own: they grant the network access it needs.
  const asTask = command === "deno task render";
  const farmRender = asTask ? "deno task render:farm" : command;
  const farmNode = asTask ? "deno task farm-node" : `${command} farm-node`;
  return `raypool ${version} — a parallel ray tracer

Usage: ${command} <scene.json> [options]

Renders a scene file (the original ray tracer's JSON format) or a glTF 2.0 model (.glb,
.gltf) to a PNG or JPEG image. Several files are rendered in turn by the same workers, each
to its own <name>.png.

Options:
  -o, --output FILE   output image (default: <scene name>.png in the current folder);
                      .png, .jpg/.jpeg for JPEG, or .exr/.hdr for the linear
                      radiance before tone mapping (OpenEXR float, Radiance)
      --width N       image width in pixels (overrides the scene's)
      --height N      image height in pixels (overrides the scene's)
      --workers N     worker count (default: all cores, ${navigator.hardwareConcurrency} here)
      --tile N        tile size in pixels
      --samples N     samples per pixel: a perfect square (1, 4, 9, 16, …), any count
                      when path traced
      --integrator whitted|path
                      the original's ray tracer (default) or the path tracer
      --max-bounces N the path tracer's longest path (default 8; implies path)
      --denoise       filter the path tracer's noise (feature-guided, keeps texture);
                      the image is rendered whole, then filtered
      --time SECONDS  path tracer: render passes of 1, 4, 16, … samples up to
                      --samples and keep the last pass done within SECONDS (the
                      first pass always finishes; the sample count then depends
                      on the machine)
      --environment R,G,B|FILE.hdr
                      what rays escaping the scene see (path tracer)
      --tone-map clamp|neutral|aces
                      the path tracer's tone curve
      --exposure EV   exposure in stops (path tracer)
      --region X,Y,W,H
                      render only this rectangle of the full image
      --quality N     JPEG quality, 1–100
      --camera N      a glTF model's camera N (0: the first; default: the first, else
                      a three-quarter view framing the model)
      --json          print a JSON summary on stdout (no progress)
      --quiet         no progress or summary on stderr
      --preview [PORT]
                      show the render live in a browser page served on PORT
                      (default: any free port; the URL is printed); stays up after
                      the render until Ctrl-C
      --host H        the address the preview listens on (default: 127.0.0.1)
      --watch         render again whenever the scene or a file it uses changes
      --farm URL      render on a NATS render farm (nats://HOST:4222, tls://…) instead
                      of here; its secret from $RAYPOOL_FARM_TOKEN, or
                      $RAYPOOL_FARM_USER and $RAYPOOL_FARM_PASSWORD; see ${farmNode} --help
      --farm-timeout S
                      fail when no farm node takes a job for S seconds (default 60)
      --farm-creds FILE
                      NATS credentials file (default: $RAYPOOL_FARM_CREDS)
  -h, --help          show this help
      --version       show the version

Examples:
  ${command} scene.json
  ${command} scene.json -o out/scene.jpg --quality 90
  ${command} scene.json --width 1920 --height 1080 --samples 4
  ${command} scene.json --region 200,150,400,300 -o detail.png
  ${command} scene.json --workers 2 --json --quiet
  ${command} model.glb --camera 1
  ${command} a.glb b.glb c.gltf --width 256 --height 256
  ${command} scene.json --preview 8000 --watch
  ${farmRender} scene.json --farm nats://farm.local:4222 -o poster.png
  ${farmNode} --server nats://farm.local:4222

Exit status: 0 written, 1 rendering or writing failed, 2 bad input, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
`;
}
