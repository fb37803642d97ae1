//! Renders a scene natively, to compare the wasm build against native code.
//!
//! ```text
//! native_render SCRIPT [--threads N] [--out FILE]
//! ```
//!
//! SCRIPT is a "call script": one builder call per line, in the order the wasm API would be
//! called, with whitespace-separated numbers. Blank lines and lines starting with `#` are
//! ignored. `scene` must come first; ids are assigned in order from 0, as the API returns them.
//!
//! ```text
//! scene W H FOV SHADOW_BIAS MAX_DEPTH
//! camera PX PY PZ LOOKX LOOKY LOOKZ UPX UPY UPZ
//! samples N
//! bvh 0|1
//! texture W H PATH                  raw RGBA8 bytes, W*H*4 long; PATH relative to SCRIPT's folder
//! material COLORATION R G B TEXTURE_ID ALBEDO SURFACE A B     (as SceneBuilder.add_material)
//! sphere CX CY CZ RADIUS MATERIAL_ID
//! plane OX OY OZ NX NY NZ MATERIAL_ID
//! directional DX DY DZ R G B INTENSITY
//! spherical PX PY PZ R G B INTENSITY
//! ```
//!
//! Prints one JSON line, `{"width":W,"height":H,"threads":N,"renderMs":MS}`, where MS is the
//! wall time of rendering the whole image in 64×64 tiles pulled by N threads (default 1).
//! `--out FILE` writes the image as raw RGBA8, rows top first. Exit status 2 on bad input.

use raypool::render::render_tile_into;
use raypool::{Scene, SceneBuilder};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const TILE: u32 = 64;

struct Args {
    script: PathBuf,
    threads: usize,
    out: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut script = None;
    let mut threads = 1usize;
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--threads" => {
                let v = it.next().ok_or("--threads needs a value")?;
                threads = v
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n >= 1)
                    .ok_or(format!("--threads must be a positive integer, got {v}"))?;
            }
            "--out" => out = Some(PathBuf::from(it.next().ok_or("--out needs a file")?)),
            _ if script.is_none() && !arg.starts_with("--") => script = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument {arg}")),
        }
    }
    let script = script.ok_or("usage: native_render SCRIPT [--threads N] [--out FILE]")?;
    Ok(Args { script, threads, out })
}

fn numbers<const N: usize>(fields: &[&str], line: usize) -> Result<[f64; N], String> {
    if fields.len() != N {
        return Err(format!("line {line}: expected {N} values, got {}", fields.len()));
    }
    let mut out = [0.0; N];
    for (slot, text) in out.iter_mut().zip(fields) {
        *slot = text.parse().map_err(|_| format!("line {line}: {text:?} is not a number"))?;
    }
    Ok(out)
}

/// A value the API takes as u32 (sizes and ids); the script spells it as a number.
fn int(v: f64, line: usize) -> Result<u32, String> {
    if v >= 0.0 && v <= u32::MAX as f64 && v.fract() == 0.0 {
        Ok(v as u32)
    } else {
        Err(format!("line {line}: expected a non-negative integer, got {v}"))
    }
}

fn load(script: &Path) -> Result<Scene, String> {
    let text = std::fs::read_to_string(script).map_err(|e| format!("{}: {e}", script.display()))?;
    let base = script.parent().unwrap_or(Path::new("."));
    let mut builder: Option<SceneBuilder> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let fields: Vec<&str> = raw.split_whitespace().collect();
        let Some(&command) = fields.first() else { continue };
        if command.starts_with('#') {
            continue;
        }
        let args = &fields[1..];
        let e = |err: raypool::SceneError| format!("line {line}: {err}");
        if command == "scene" {
            let [w, h, fov, bias, depth] = numbers::<5>(args, line)?;
            builder = Some(SceneBuilder::new(int(w, line)?, int(h, line)?, fov, bias, int(depth, line)?).map_err(e)?);
            continue;
        }
        let b = builder.as_mut().ok_or(format!("line {line}: the first call must be `scene`"))?;
        match command {
            "camera" => {
                let v = numbers::<9>(args, line)?;
                b.set_camera([v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]).map_err(e)?;
            }
            "samples" => {
                let [n] = numbers::<1>(args, line)?;
                b.set_samples(int(n, line)?).map_err(e)?;
            }
            "bvh" => {
                let [n] = numbers::<1>(args, line)?;
                b.set_use_bvh(n != 0.0);
            }
            "texture" => {
                if args.len() != 3 {
                    return Err(format!("line {line}: texture needs W H PATH"));
                }
                let [w, h] = numbers::<2>(&args[..2], line)?;
                let path = base.join(args[2]);
                let bytes = std::fs::read(&path).map_err(|err| format!("line {line}: {}: {err}", path.display()))?;
                b.add_texture(int(w, line)?, int(h, line)?, bytes).map_err(e)?;
            }
            "material" => {
                let v = numbers::<9>(args, line)?;
                b.add_material(int(v[0], line)?, [v[1], v[2], v[3]], int(v[4], line)?, v[5], int(v[6], line)?, v[7], v[8])
                    .map_err(e)?;
            }
            "sphere" => {
                let v = numbers::<5>(args, line)?;
                b.add_sphere([v[0], v[1], v[2]], v[3], int(v[4], line)?).map_err(e)?;
            }
            "plane" => {
                let v = numbers::<7>(args, line)?;
                b.add_plane([v[0], v[1], v[2]], [v[3], v[4], v[5]], int(v[6], line)?).map_err(e)?;
            }
            "directional" => {
                let v = numbers::<7>(args, line)?;
                b.add_directional_light([v[0], v[1], v[2]], [v[3], v[4], v[5]], v[6]).map_err(e)?;
            }
            "spherical" => {
                let v = numbers::<7>(args, line)?;
                b.add_spherical_light([v[0], v[1], v[2]], [v[3], v[4], v[5]], v[6]).map_err(e)?;
            }
            other => return Err(format!("line {line}: unknown call {other:?}")),
        }
    }
    builder.ok_or("the script has no `scene` line")?.build().map_err(|e| e.to_string())
}

/// Renders with `threads` workers pulling 64×64 tiles from a shared counter; returns the
/// image as RGBA8.
fn render(scene: &Scene, threads: usize) -> Vec<u8> {
    let (w, h) = (scene.width, scene.height);
    let cols = w.div_ceil(TILE);
    let tiles = (cols * h.div_ceil(TILE)) as usize;
    let next = AtomicUsize::new(0);
    let rendered: Vec<Vec<(usize, Vec<u8>)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let t = next.fetch_add(1, Ordering::Relaxed);
                        if t >= tiles {
                            break done;
                        }
                        let (tx, ty) = ((t as u32 % cols) * TILE, (t as u32 / cols) * TILE);
                        let (tw, th) = (TILE.min(w - tx), TILE.min(h - ty));
                        let mut buf = vec![0u8; (tw * th * 4) as usize];
                        render_tile_into(scene, tx, ty, tw, th, &mut buf);
                        done.push((t, buf));
                    }
                })
            })
            .collect();
        workers.into_iter().map(|j| j.join().unwrap_or_default()).collect()
    });
    let mut image = vec![0u8; w as usize * h as usize * 4];
    for (t, buf) in rendered.into_iter().flatten() {
        let (tx, ty) = ((t as u32 % cols) * TILE, (t as u32 / cols) * TILE);
        let tw = TILE.min(w - tx) as usize;
        for (row, line) in buf.chunks_exact(tw * 4).enumerate() {
            let start = ((ty as usize + row) * w as usize + tx as usize) * 4;
            image[start..start + tw * 4].copy_from_slice(line);
        }
    }
    image
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("native_render: {e}");
            return ExitCode::from(2);
        }
    };
    let scene = match load(&args.script) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("native_render: {}: {e}", args.script.display());
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let image = render(&scene, args.threads);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{{\"width\":{},\"height\":{},\"threads\":{},\"renderMs\":{:.3}}}",
        scene.width, scene.height, args.threads, ms
    );
    if let Some(out) = args.out {
        if let Err(e) = std::fs::write(&out, &image) {
            eprintln!("native_render: {}: {e}", out.display());
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("raypool-native-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("tex.rgba"), [255u8, 0, 0, 255]).unwrap();
        let path = dir.join("scene.txt");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn loads_every_call_and_renders_with_threads() {
        let path = script(
            "ok",
            "# comment\n\nscene 20 10 90 1e-9 3\ncamera 0 0 0 0 0 -1 0 1 0\nsamples 4\nbvh 1\n\
             texture 1 1 tex.rgba\nmaterial 1 0 0 0 0 0.5 0 0 0\nmaterial 0 1 1 1 0 0.2 1 0.5 0\n\
             sphere 0 0 -5 1 0\nplane 0 -1 0 0 -1 0 1\ndirectional 0 -1 -1 1 1 1 2\nspherical 0 5 0 1 1 1 500\n",
        );
        let scene = load(&path).unwrap();
        assert_eq!((scene.width, scene.height, scene.samples), (20, 10, 4));
        let one = render(&scene, 1);
        assert_eq!(one.len(), 20 * 10 * 4);
        assert_eq!(render(&scene, 3), one);
    }

    #[test]
    fn reports_the_bad_line() {
        let bad = [
            ("order", "sphere 0 0 -5 1 0\n", "line 1: the first call must be `scene`"),
            ("count", "scene 4 4 90 0 1\nsphere 0 0 1\n", "line 2: expected 5 values, got 3"),
            ("number", "scene 4 4 90 0 1\nspherical 0 x 0 1 1 1 1\n", "line 2: \"x\" is not a number"),
            ("api", "scene 4 4 90 0 1\nmaterial 0 1 1 1 0 1 0 0 0\nsphere 0 0 0 -2 0\n", "line 3: add_sphere: radius must be positive, got -2"),
            ("call", "scene 4 4 90 0 1\ncube 1\n", "line 2: unknown call \"cube\""),
        ];
        for (name, text, message) in bad {
            assert_eq!(load(&script(name, text)).unwrap_err(), message);
        }
    }
}
