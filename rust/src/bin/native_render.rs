//! Renders a packed scene natively, to compare the wasm build against native code.
//!
//! ```text
//! native_render SCENE.bin --width W --height H --fov F --samples N
//!               [--camera PX PY PZ LX LY LZ UX UY UZ] [--threads N] [--out FILE]
//! ```
//!
//! SCENE.bin holds a packed scene, the very bytes the wasm workers read (the format is
//! documented in `rust/src/packed.rs`); without a BVH section the BVH is built here, before
//! timing starts. The view is given on the command line: the original's camera unless
//! `--camera` names position, look_at and up.
//!
//! Prints one JSON line, `{"width":W,"height":H,"threads":N,"sceneMs":S,"renderMs":MS,
//! "meshSah":[…]}`, where S is the wall time of reading the packed scene (`from_packed`, what
//! each wasm worker does), MS that of rendering the whole image in 64×64 tiles pulled by N
//! threads (default 1) and `meshSah` the SAH cost of each mesh object's BVH
//! ([`raypool::bvh::Bvh::sah_cost`]).
//! `--out FILE` writes the image as raw RGBA8, rows top first. Exit status 2 on bad input.

use raypool::camera::Pose;
use raypool::render::render_tile_into;
use raypool::vector::Vector3;
use raypool::{Scene, Tile, View};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const TILE: u32 = 64;
const USAGE: &str = "usage: native_render SCENE.bin --width W --height H --fov F --samples N \
                     [--camera PX PY PZ LX LY LZ UX UY UZ] [--threads N] [--out FILE]";

#[derive(Debug)]
struct Args {
    scene: PathBuf,
    width: u32,
    height: u32,
    fov: f64,
    samples: u32,
    camera: Pose,
    threads: usize,
    out: Option<PathBuf>,
}

fn number<T: std::str::FromStr>(flag: &str, text: Option<String>) -> Result<T, String> {
    let text = text.ok_or(format!("{flag} needs a value"))?;
    text.parse().map_err(|_| format!("{flag}: {text:?} is not a valid value"))
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut scene = None;
    let (mut width, mut height, mut fov, mut samples) = (None, None, None, None);
    let mut camera = Pose::DEFAULT;
    let mut threads = 1usize;
    let mut out = None;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--width" => width = Some(number::<u32>("--width", it.next())?),
            "--height" => height = Some(number::<u32>("--height", it.next())?),
            "--fov" => fov = Some(number::<f64>("--fov", it.next())?),
            "--samples" => samples = Some(number::<u32>("--samples", it.next())?),
            "--camera" => {
                let mut v = [0.0f64; 9];
                for slot in v.iter_mut() {
                    *slot = number("--camera (9 numbers)", it.next())?;
                }
                camera = Pose {
                    position: Vector3::new(v[0], v[1], v[2]),
                    look_at: Vector3::new(v[3], v[4], v[5]),
                    up: Vector3::new(v[6], v[7], v[8]),
                };
            }
            "--threads" => {
                threads = number::<usize>("--threads", it.next())?;
                if threads == 0 {
                    return Err("--threads must be at least 1".into());
                }
            }
            "--out" => out = Some(PathBuf::from(it.next().ok_or("--out needs a file")?)),
            _ if scene.is_none() && !arg.starts_with("--") => scene = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument {arg}")),
        }
    }
    let missing = |flag: &str| format!("{flag} is required ({USAGE})");
    Ok(Args {
        scene: scene.ok_or(USAGE)?,
        width: width.ok_or_else(|| missing("--width"))?,
        height: height.ok_or_else(|| missing("--height"))?,
        fov: fov.ok_or_else(|| missing("--fov"))?,
        samples: samples.ok_or_else(|| missing("--samples"))?,
        camera,
        threads,
        out,
    })
}

/// Renders with `threads` workers pulling 64×64 tiles from a shared counter; returns the
/// image as RGBA8.
fn render(scene: &Scene, view: &View, threads: usize) -> Vec<u8> {
    let (w, h) = (view.width(), view.height());
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
                        let tile = Tile { x: tx, y: ty, width: TILE.min(w - tx), height: TILE.min(h - ty) };
                        let mut buf = vec![0u8; (tile.width * tile.height * 4) as usize];
                        // Tiles are inside the view and nothing cancels, so this cannot fail.
                        if render_tile_into(scene, view, tile, &mut buf, &mut || false).is_ok() {
                            done.push((t, buf));
                        }
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

/// The scene and view the arguments name, or the one-line reason they do not.
/// Also the milliseconds `from_packed` took.
fn load(args: &Args) -> Result<(Scene, View, f64), String> {
    let bytes = std::fs::read(&args.scene).map_err(|e| format!("{}: {e}", args.scene.display()))?;
    let start = Instant::now();
    let scene = raypool::from_packed(&bytes).map_err(|e| format!("{}: {e}", args.scene.display()))?;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let view = View::new(args.width, args.height, args.fov, args.samples, args.camera).map_err(|e| e.to_string())?;
    Ok((scene, view, ms))
}

fn main() -> ExitCode {
    let loaded = parse_args(std::env::args().skip(1)).and_then(|args| load(&args).map(|sv| (args, sv)));
    let (args, (scene, view, scene_ms)) = match loaded {
        Ok(x) => x,
        Err(e) => {
            eprintln!("native_render: {e}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let image = render(&scene, &view, args.threads);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    // The SAH cost of each mesh object's BVH, for bench:mesh to compare with Embree's.
    let sah: Vec<String> = scene.meshes().iter().map(|m| format!("{:.4}", m.bvh().sah_cost())).collect();
    println!(
        "{{\"width\":{},\"height\":{},\"threads\":{},\"sceneMs\":{:.3},\"renderMs\":{:.3},\"meshSah\":[{}]}}",
        view.width(),
        view.height(),
        args.threads,
        scene_ms,
        ms,
        sah.join(",")
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

    fn args(text: &str) -> Result<Args, String> {
        parse_args(text.split_whitespace().map(String::from))
    }

    /// A packed scene (version 2) with one sphere, one plane and a light, written by hand.
    fn packed_scene() -> Vec<u8> {
        let mut b = Vec::new();
        let u = |b: &mut Vec<u8>, values: &[u32]| values.iter().for_each(|v| b.extend_from_slice(&v.to_le_bytes()));
        let f = |b: &mut Vec<u8>, values: &[f32]| values.iter().for_each(|v| b.extend_from_slice(&v.to_le_bytes()));
        let d = |b: &mut Vec<u8>, values: &[f64]| values.iter().for_each(|v| b.extend_from_slice(&v.to_le_bytes()));
        b.extend_from_slice(b"RAYPOOL\0");
        u(&mut b, &[2, 0]);
        d(&mut b, &[1e-9]);
        // Depth 3; no textures, 1 material, no meshes, 2 elements, 1 light; Whitted settings.
        u(&mut b, &[3, 0, 1, 0, 2, 1, 0, 0]);
        f(&mut b, &[0.0, 0.0, 0.0]);
        u(&mut b, &[u32::MAX]);
        f(&mut b, &[1.0, 0.0]);
        b.resize(128, 0);
        // Material 0: colour, diffuse, then the physically based defaults.
        u(&mut b, &[0, 0]);
        f(&mut b, &[0.8, 0.4, 0.2]);
        u(&mut b, &[u32::MAX]);
        f(&mut b, &[0.5, 0.0, 0.0]);
        u(&mut b, &[0, 0]);
        f(&mut b, &[0.5, 1.0, 1.0, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0, 1.0, 0.0, 0.0, 1.5, 1.0]);
        u(&mut b, &[0]);
        for _ in 0..4 {
            u(&mut b, &[u32::MAX, 0, 0]);
            f(&mut b, &[0.0, 0.0, 0.0, 1.0, 1.0]);
        }
        b.resize(128 + 256, 0);
        // A sphere and a plane, both material 0.
        u(&mut b, &[0, 0]);
        d(&mut b, &[0.0, 0.0, -5.0, 1.0]);
        u(&mut b, &[1, 0]);
        d(&mut b, &[0.0, -1.0, 0.0, 0.0, -1.0, 0.0]);
        // A spherical light.
        u(&mut b, &[1, 0]);
        d(&mut b, &[0.0, 5.0, 0.0, 1.0, 1.0, 1.0, 500.0]);
        b.resize(b.len() + 32, 0);
        b
    }

    fn scene_file(name: &str, bytes: &[u8]) -> String {
        let path = std::env::temp_dir().join(format!("raypool-native-{}-{name}.bin", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }

    #[test]
    fn renders_a_packed_scene_alike_with_any_thread_count() {
        let file = scene_file("ok", &packed_scene());
        let a = args(&format!(
            "{file} --width 70 --height 66 --fov 90 --samples 4 --camera 0 0 0 0 0 -1 0 1 0 --threads 2"
        ))
        .unwrap();
        let (scene, view, _) = load(&a).unwrap();
        assert_eq!((view.width(), view.height(), view.samples(), a.threads), (70, 66, 4, 2));
        let one = render(&scene, &view, 1);
        assert_eq!(one.len(), 70 * 66 * 4);
        assert!(one.chunks_exact(4).any(|p| p != [0, 0, 0, 255]), "something is lit");
        assert_eq!(render(&scene, &view, 3), one);
        let prepared = scene_file("prepared", &raypool::prepare(&packed_scene()).unwrap());
        let (scene, view, _) =
            load(&args(&format!("{prepared} --width 70 --height 66 --fov 90 --samples 4")).unwrap()).unwrap();
        assert_eq!(render(&scene, &view, 2), one);
    }

    #[test]
    fn reports_what_is_wrong() {
        let file = scene_file("bad", &packed_scene()[..400]);
        let cases = [
            ("x.bin --height 1 --fov 90 --samples 1", format!("--width is required ({USAGE})")),
            ("x.bin --width -1", "--width: \"-1\" is not a valid value".to_string()),
            ("x.bin --camera 1 2", "--camera (9 numbers) needs a value".to_string()),
            ("x.bin --threads 0", "--threads must be at least 1".to_string()),
            ("x.bin y.bin", "unexpected argument y.bin".to_string()),
        ];
        for (text, message) in cases {
            assert_eq!(args(text).unwrap_err(), message, "{text}");
        }
        let truncated = load(&args(&format!("{file} --width 4 --height 4 --fov 90 --samples 1")).unwrap()).unwrap_err();
        assert_eq!(
            truncated,
            format!("{file}: packed scene: truncated at byte 384 (element 0 (sphere) needs 40 bytes)")
        );
        let view = load(
            &args(&format!("{} --width 4 --height 4 --fov 90 --samples 2", scene_file("view", &packed_scene())))
                .unwrap(),
        )
        .unwrap_err();
        assert!(view.starts_with("view: samples must be a perfect square"), "{view}");
    }
}
