//! Whitted-style shading, exactly as the original orders its operations, and tile rendering
//! that a cancel callback can interrupt.

use crate::color::{Color, BLACK};
use crate::error::RenderError;
use crate::material::Surface;
use crate::ray::Ray;
use crate::scene::{Origin, Scene};
use crate::vector::{Point, Vector3};
use crate::view::View;
use std::f32::consts::PI;

/// The colour seen along `ray`; black past the recursion limit or when nothing is hit.
pub fn cast_ray(scene: &Scene, ray: &Ray, depth: u32) -> Color {
    let mut never = || false;
    let mut check = Checkpoint::new(&mut never);
    match cast_ray_from(scene, ray, depth, Origin::NONE, &mut check) {
        Ok(color) => color,
        Err(Cancelled) => BLACK,
    }
}

/// [`cast_ray`] for a ray leaving `from`, counted by `check`: a scene whose rays multiply at
/// every hit (two glass spheres and a deep recursion limit) can spend hours under one primary
/// sample, so the cancel callback is asked from in here, not just between pixels.
fn cast_ray_from(
    scene: &Scene,
    ray: &Ray,
    depth: u32,
    from: Origin,
    check: &mut Checkpoint,
) -> Result<Color, Cancelled> {
    if depth >= scene.max_recursion_depth {
        return Ok(BLACK);
    }
    check.ray()?;
    let hit = scene.trace_from(ray, from);
    if !hit.is_hit() {
        return Ok(BLACK);
    }
    let point = ray.origin + ray.direction * hit.distance;
    let surfel = scene.surfel(&hit, point, ray.direction);
    let material = surfel.material;
    let normal = surfel.normal;
    let here = Origin::of(&hit);
    Ok(match material.surface {
        Surface::Diffuse | Surface::Pbr => {
            let surface = scene.surface_color(&surfel);
            shade_diffuse(scene, point, surfel.shadow_from, normal, surface, material.albedo, here)
        }
        Surface::Reflective { reflectivity } => {
            let surface = scene.surface_color(&surfel);
            let mut color = shade_diffuse(scene, point, surfel.shadow_from, normal, surface, material.albedo, here);
            let reflection = Ray::reflection(normal, ray.direction, point, scene.shadow_bias);
            color = color * (1.0 - reflectivity);
            color + cast_ray_from(scene, &reflection, depth + 1, here, check)? * reflectivity
        }
        Surface::Refractive { index, transparency } => {
            let kr = fresnel(ray.direction, normal, index) as f32;
            let surface = scene.surface_color(&surfel);
            let mut refraction = BLACK;
            if kr < 1.0 {
                // The Fresnel quirk can disagree with Snell's law at the critical angle; the
                // original would panic there, black is the quiet equivalent.
                if let Some(t) = Ray::transmission(normal, ray.direction, point, scene.shadow_bias, index) {
                    refraction = cast_ray_from(scene, &t, depth + 1, here, check)?;
                }
            }
            let reflection_ray = Ray::reflection(normal, ray.direction, point, scene.shadow_bias);
            let reflection = cast_ray_from(scene, &reflection_ray, depth + 1, here, check)?;
            let color = reflection * kr + refraction * (1.0 - kr);
            color * transparency * surface
        }
    })
}

/// Lambert shading with hard shadows, summed over lights and then clamped. Shadow rays leave
/// from `shadow_from` (the hit point itself except on smooth meshes, see
/// [`Surfel`](crate::scene::Surfel)).
#[inline]
fn shade_diffuse(
    scene: &Scene,
    point: Point,
    shadow_from: Point,
    normal: Vector3,
    surface: Color,
    albedo: f32,
    from: Origin,
) -> Color {
    let mut color = BLACK;
    let shadow_origin = shadow_from + normal * scene.shadow_bias;
    let light_reflected = albedo / PI;
    for light in &scene.lights {
        let to_light = light.direction_from(point);
        let shadow_ray = Ray { origin: shadow_origin, direction: light.direction_from(shadow_from) };
        let in_light = !scene.occluded_from(&shadow_ray, light.distance(shadow_from), from);
        let light_intensity = if in_light { light.intensity(point) } else { 0.0 };
        // `.max(0.0)` as a comparison (NaN → 0 either way); wasm has no cheap maxNum.
        let cosine = normal.dot(to_light) as f32;
        let light_power = (if cosine > 0.0 { cosine } else { 0.0 }) * light_intensity;
        let light_color = light.color() * light_power * light_reflected;
        color = color + surface * light_color;
    }
    color.clamp()
}

/// Fraction of light reflected, as the original computes it — including its quirk of
/// taking cos_i = |cos_t|, which makes it a constant 0.04 for index 1.5.
pub fn fresnel(incident: Vector3, normal: Vector3, index: f32) -> f64 {
    let i_dot_n = incident.dot(normal);
    let mut eta_i = 1.0f64;
    let mut eta_t = index as f64;
    if i_dot_n > 0.0 {
        eta_i = eta_t;
        eta_t = 1.0;
    }
    let sin_t = eta_i / eta_t * (1.0 - i_dot_n * i_dot_n).max(0.0).sqrt();
    if sin_t > 1.0 {
        return 1.0;
    }
    let cos_t = (1.0 - sin_t * sin_t).max(0.0).sqrt();
    let cos_i = cos_t.abs();
    let r_s = ((eta_t * cos_i) - (eta_i * cos_t)) / ((eta_t * cos_i) + (eta_i * cos_t));
    let r_p = ((eta_i * cos_i) - (eta_t * cos_t)) / ((eta_i * cos_i) + (eta_t * cos_t));
    (r_s * r_s + r_p * r_p) / 2.0
}

/// A rectangle of the image, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tile {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Columns, at least 1.
    pub width: u32,
    /// Rows, at least 1.
    pub height: u32,
}

impl Tile {
    /// The whole image of `view`.
    pub fn whole(view: &View) -> Tile {
        Tile { x: 0, y: 0, width: view.width(), height: view.height() }
    }
}

/// How many rays (primary or secondary) may be cast between two calls of the cancel
/// callback: often enough that even one pixel with 65535² samples, or one sample whose rays
/// multiply at every bounce, stops within milliseconds, rarely enough that the call (a trip
/// out of wasm) costs nothing measurable.
pub const CANCEL_CHECK_RAYS: u32 = 4096;

/// Returned from the ray and pixel loops when the callback asked to stop.
struct Cancelled;

/// Counts rays and asks the cancel callback every [`CANCEL_CHECK_RAYS`] of them and at the
/// start of every row.
struct Checkpoint<'a> {
    left: u32,
    cancel: &'a mut dyn FnMut() -> bool,
}

impl<'a> Checkpoint<'a> {
    fn new(cancel: &'a mut dyn FnMut() -> bool) -> Checkpoint<'a> {
        Checkpoint { left: CANCEL_CHECK_RAYS, cancel }
    }

    fn ask(&mut self) -> Result<(), Cancelled> {
        self.left = CANCEL_CHECK_RAYS;
        if (self.cancel)() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    #[inline(always)]
    fn ray(&mut self) -> Result<(), Cancelled> {
        self.left -= 1;
        if self.left == 0 {
            self.ask()
        } else {
            Ok(())
        }
    }
}

/// One pixel's RGBA8: its linear colour ([`pixel_color`]) through the original's gamma.
#[inline]
fn render_pixel(scene: &Scene, view: &View, x: u32, y: u32, check: &mut Checkpoint) -> Result<[u8; 4], Cancelled> {
    Ok(pixel_color(scene, view, x, y, check)?.to_rgba8(&scene.encode))
}

/// One pixel's linear colour, before the original's gamma. With one sample this is the
/// original's path exactly (unclamped); with k×k samples the stratified sub-pixel positions
/// replace the pixel centre and the clamped samples are averaged in linear space.
#[inline]
fn pixel_color(scene: &Scene, view: &View, x: u32, y: u32, check: &mut Checkpoint) -> Result<Color, Cancelled> {
    let camera = view.camera();
    let samples_per_axis = view.samples_per_axis();
    if samples_per_axis <= 1 {
        let ray = camera.ray(x as f64 + 0.5, y as f64 + 0.5);
        return cast_ray_from(scene, &ray, 0, Origin::NONE, check);
    }
    let k = samples_per_axis as f64;
    let mut sum = BLACK;
    for j in 0..samples_per_axis {
        let oy = (j as f64 + 0.5) / k;
        for i in 0..samples_per_axis {
            let ox = (i as f64 + 0.5) / k;
            let ray = camera.ray(x as f64 + ox, y as f64 + oy);
            sum = sum + cast_ray_from(scene, &ray, 0, Origin::NONE, check)?.clamp_sample();
        }
    }
    Ok(sum * (1.0 / (samples_per_axis * samples_per_axis) as f32))
}

/// Checks that the rectangle is non-empty and inside the view's image.
pub fn check_tile(view: &View, tile: Tile) -> Result<(), RenderError> {
    let Tile { x, y, width, height } = tile;
    let inside = (x as u64 + width as u64) <= view.width() as u64 && (y as u64 + height as u64) <= view.height() as u64;
    if width == 0 || height == 0 || !inside {
        return Err(RenderError::Invalid(format!(
            "render_tile: the rectangle x={x} y={y} width={width} height={height} must be non-empty and inside the {}×{} image",
            view.width(),
            view.height()
        )));
    }
    Ok(())
}

/// Renders the tile into `out` (width × height × 4 bytes, rows top first). `cancel` is called
/// at the start of every row and every [`CANCEL_CHECK_RAYS`] rays cast; when it
/// returns true the render stops with [`RenderError::Cancelled`] and `out` is partly written.
pub fn render_tile_into(
    scene: &Scene,
    view: &View,
    tile: Tile,
    out: &mut [u8],
    cancel: &mut dyn FnMut() -> bool,
) -> Result<(), RenderError> {
    check_tile(view, tile)?;
    let row_bytes = tile.width as usize * 4;
    if out.len() as u64 != row_bytes as u64 * tile.height as u64 {
        return Err(RenderError::Invalid(format!(
            "render_tile: the output holds {} bytes, the {}×{} rectangle needs {}",
            out.len(),
            tile.width,
            tile.height,
            row_bytes as u64 * tile.height as u64
        )));
    }
    let mut check = Checkpoint::new(cancel);
    for (row, line) in out.chunks_exact_mut(row_bytes).enumerate() {
        check.ask().map_err(|Cancelled| RenderError::Cancelled)?;
        render_row(scene, view, tile.x, tile.y + row as u32, line, &mut check)
            .map_err(|Cancelled| RenderError::Cancelled)?;
    }
    Ok(())
}

/// A separate, never-inlined function per row: V8 cannot switch a running wasm function to
/// optimised code, so a one-tile frame would otherwise spend its whole pixel loop in the
/// baseline compiler's code.
#[inline(never)]
fn render_row(
    scene: &Scene,
    view: &View,
    x: u32,
    y: u32,
    line: &mut [u8],
    check: &mut Checkpoint,
) -> Result<(), Cancelled> {
    for (col, px) in line.chunks_exact_mut(4).enumerate() {
        px.copy_from_slice(&render_pixel(scene, view, x + col as u32, y, check)?);
    }
    Ok(())
}

/// The tile as RGBA8, rows top first; fails (rather than aborting) when it cannot be
/// allocated. See [`render_tile_into`] for `cancel`.
pub fn render_tile(
    scene: &Scene,
    view: &View,
    tile: Tile,
    cancel: &mut dyn FnMut() -> bool,
) -> Result<Vec<u8>, RenderError> {
    check_tile(view, tile)?;
    let len = (tile.width as usize)
        .checked_mul(tile.height as usize)
        .and_then(|n| n.checked_mul(4))
        .ok_or_else(|| RenderError::Invalid("render_tile: the rectangle is too large to allocate".into()))?;
    let mut out = Vec::new();
    out.try_reserve_exact(len)
        .map_err(|_| RenderError::Invalid(format!("render_tile: cannot allocate {len} bytes for the rectangle")))?;
    out.resize(len, 0);
    render_tile_into(scene, view, tile, &mut out, cancel)?;
    Ok(out)
}

/// The tile's linear colour (what the original's gamma encodes, see [`pixel_color`]) as
/// width × height × 3 f32, rows top first. See [`render_tile_into`] for `cancel`.
pub fn render_tile_linear(
    scene: &Scene,
    view: &View,
    tile: Tile,
    cancel: &mut dyn FnMut() -> bool,
) -> Result<Vec<f32>, RenderError> {
    check_tile(view, tile)?;
    let len = (tile.width as usize)
        .checked_mul(tile.height as usize)
        .and_then(|n| n.checked_mul(3))
        .ok_or_else(|| RenderError::Invalid("render_tile_linear: the rectangle is too large to allocate".into()))?;
    let mut out = Vec::new();
    out.try_reserve_exact(len).map_err(|_| {
        RenderError::Invalid(format!("render_tile_linear: cannot allocate {len} values for the rectangle"))
    })?;
    out.resize(len, 0.0);
    let mut check = Checkpoint::new(cancel);
    for (row, line) in out.chunks_exact_mut(tile.width as usize * 3).enumerate() {
        check.ask().map_err(|Cancelled| RenderError::Cancelled)?;
        for (col, px) in line.chunks_exact_mut(3).enumerate() {
            let c = pixel_color(scene, view, tile.x + col as u32, tile.y + row as u32, &mut check)
                .map_err(|Cancelled| RenderError::Cancelled)?;
            px.copy_from_slice(&[c.red, c.green, c.blue]);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::Pose;
    use crate::light::Light;
    use crate::material::{Coloration, Material, MaterialId};
    use crate::scene::SceneBuilder;

    use crate::test_rng::Rng;

    fn v(x: f64, y: f64, z: f64) -> Vector3 {
        Vector3::new(x, y, z)
    }

    fn material(b: &mut SceneBuilder, rgb: [f32; 3], albedo: f32, surface: Surface) -> MaterialId {
        let coloration = Coloration::Color(Color::new(rgb[0], rgb[1], rgb[2]));
        b.add_material(Material { coloration, albedo, surface }).unwrap()
    }

    fn diffuse(b: &mut SceneBuilder, rgb: [f32; 3], albedo: f32) -> MaterialId {
        material(b, rgb, albedo, Surface::Diffuse)
    }

    fn directional(b: &mut SceneBuilder, d: Vector3, intensity: f32) {
        b.add_light(Light::Directional { direction: d, color: Color::new(1.0, 1.0, 1.0), intensity }).unwrap();
    }

    fn spherical(b: &mut SceneBuilder, p: Vector3, intensity: f32) {
        b.add_light(Light::Spherical { position: p, color: Color::new(1.0, 1.0, 1.0), intensity }).unwrap();
    }

    fn view(width: u32, height: u32, fov: f64, samples: u32) -> View {
        View::new(width, height, fov, samples, Pose::DEFAULT).unwrap()
    }

    fn never() -> impl FnMut() -> bool {
        || false
    }

    fn random_builder(seed: u64, spheres: usize, planes: bool) -> SceneBuilder {
        let mut rng = Rng(seed);
        let mut b = SceneBuilder::new(1e-9, 4).unwrap();
        let diffuse_ = diffuse(&mut b, [0.8, 0.4, 0.2], 0.5);
        let mirror = material(&mut b, [0.9, 0.9, 0.9], 0.3, Surface::Reflective { reflectivity: 0.5 });
        let glass = material(&mut b, [1.0, 1.0, 1.0], 0.2, Surface::Refractive { index: 1.3, transparency: 0.9 });
        let mats = [diffuse_, mirror, glass];
        if planes {
            b.add_plane(v(0.0, -3.0, 0.0), v(0.0, -1.0, 0.0), mirror).unwrap();
        }
        let mut r2 = Rng(seed ^ 0x9E37);
        for i in 0..spheres {
            let c = v(rng.range(-6.0, 6.0), rng.range(-3.0, 3.0), rng.range(-20.0, -4.0));
            // Integer-ish radii and duplicated centres make exact distance ties.
            let radius = if i % 5 == 0 { 1.0 } else { rng.range(0.05, 1.5) };
            b.add_sphere(c, radius, mats[(r2.next() * 3.0) as usize % 3]).unwrap();
            if i % 7 == 0 {
                b.add_sphere(c, radius, mats[(i / 7) % 3]).unwrap();
            }
        }
        if planes {
            b.add_plane(v(0.0, 0.0, -30.0), v(0.0, 0.0, -1.0), diffuse_).unwrap();
        }
        spherical(&mut b, v(2.0, 8.0, -5.0), 3000.0);
        b.add_light(Light::Directional {
            direction: v(-0.3, -1.0, -0.2),
            color: Color::new(1.0, 0.9, 0.8),
            intensity: 1.5,
        })
        .unwrap();
        b
    }

    fn random_scene(seed: u64, spheres: usize, planes: bool, use_bvh: bool) -> Scene {
        let mut b = random_builder(seed, spheres, planes);
        b.set_use_bvh(use_bvh);
        b.build()
    }

    fn full(scene: &Scene, view: &View) -> Vec<u8> {
        render_tile(scene, view, Tile::whole(view), &mut never()).unwrap()
    }

    #[test]
    fn linear_tiles_encode_to_the_rgba8_tiles() {
        // 1 and 2×2 samples: the linear colour through the original's gamma is the image.
        for samples in [1, 4] {
            let scene = random_scene(3, 80, true, true);
            let view = view(20, 14, 70.0, samples);
            let rgba = full(&scene, &view);
            let tile = Tile { x: 3, y: 2, width: 9, height: 7 };
            let linear = render_tile_linear(&scene, &view, tile, &mut never()).unwrap();
            assert_eq!(linear.len(), 9 * 7 * 3);
            let mut lit = 0;
            for r in 0..7usize {
                for c in 0..9usize {
                    let l = &linear[(r * 9 + c) * 3..(r * 9 + c) * 3 + 3];
                    let a = ((2 + r) * 20 + 3 + c) * 4;
                    assert_eq!(Color::new(l[0], l[1], l[2]).to_rgba8(&scene.encode), rgba[a..a + 4]);
                    lit += usize::from(l[0] > 0.0);
                }
            }
            assert!(lit > 0);
        }
        let scene = random_scene(3, 10, false, true);
        let outside = Tile { x: 15, y: 0, width: 9, height: 7 };
        assert!(render_tile_linear(&scene, &view(20, 14, 70.0, 1), outside, &mut never()).is_err());
    }

    #[test]
    fn fresnel_quirk_is_constant_for_index_1_5() {
        let n = Vector3::new(0.0, 0.0, 1.0);
        for angle in [0.0f64, 0.3, 0.7, 1.2, 1.5] {
            let i = Vector3::new(angle.sin(), 0.0, -angle.cos());
            assert!((fresnel(i, n, 1.5) - 0.04).abs() < 1e-15, "angle {angle}");
        }
    }

    #[test]
    fn fresnel_total_internal_reflection_is_one() {
        let n = Vector3::new(0.0, 0.0, 1.0);
        // Leaving glass (i·n > 0) at a grazing angle.
        let i = Vector3::new(0.9, 0.0, (1.0f64 - 0.81).sqrt());
        assert_eq!(fresnel(i, n, 1.5), 1.0);
    }

    #[test]
    fn bvh_matches_brute_force_on_random_rays() {
        for seed in 1..6u64 {
            let bvh = random_scene(seed, 300, true, true);
            let brute = random_scene(seed, 300, true, false);
            let mut rng = Rng(seed * 31 + 7);
            for _ in 0..20_000 {
                let origin = Vector3::new(rng.range(-8.0, 8.0), rng.range(-4.0, 4.0), rng.range(-22.0, 2.0));
                let dir = Vector3::new(rng.range(-1.0, 1.0), rng.range(-1.0, 1.0), rng.range(-1.0, 1.0));
                if dir.length() == 0.0 {
                    continue;
                }
                let ray = Ray { origin, direction: dir.normalize() };
                let (a, b) = (bvh.trace(&ray), brute.trace(&ray));
                assert_eq!((a.distance.to_bits(), a.order), (b.distance.to_bits(), b.order), "seed {seed}");
                let limit = rng.range(0.0, 30.0);
                assert_eq!(bvh.occluded(&ray, limit), brute.occluded(&ray, limit));
                assert_eq!(bvh.occluded(&ray, f64::INFINITY), brute.occluded(&ray, f64::INFINITY));
            }
        }
    }

    #[test]
    fn bvh_and_brute_force_render_identical_images() {
        let view = view(48, 36, 70.0, 1);
        for seed in [11u64, 12] {
            assert_eq!(
                full(&random_scene(seed, 200, true, true), &view),
                full(&random_scene(seed, 200, true, false), &view)
            );
        }
    }

    #[test]
    fn ties_go_to_the_earlier_element() {
        // Same sphere twice with different colours, and a plane tangent to the sphere front.
        for use_bvh in [true, false] {
            let mut b = SceneBuilder::new(1e-9, 1).unwrap();
            let red = diffuse(&mut b, [1.0, 0.0, 0.0], 3.0);
            let green = diffuse(&mut b, [0.0, 1.0, 0.0], 3.0);
            let blue = diffuse(&mut b, [0.0, 0.0, 1.0], 3.0);
            for _ in 0..10 {
                b.add_sphere(v(5.0, 5.0, 5.0), 0.5, blue).unwrap(); // out of view, fills the BVH
            }
            b.add_sphere(v(0.0, 0.0, -5.0), 1.0, red).unwrap();
            b.add_sphere(v(0.0, 0.0, -5.0), 1.0, green).unwrap();
            b.add_plane(v(0.0, 0.0, -4.0), v(0.0, 0.0, -1.0), blue).unwrap();
            directional(&mut b, v(0.0, 0.0, -1.0), 10.0);
            b.set_use_bvh(use_bvh);
            let scene = b.build();
            let view = view(3, 3, 30.0, 1);
            let centre = render_tile(&scene, &view, Tile { x: 1, y: 1, width: 1, height: 1 }, &mut never()).unwrap();
            assert_eq!(centre, vec![255, 0, 0, 255], "use_bvh {use_bvh}");
            let hit = scene.trace(&view.camera().ray(1.5, 1.5));
            assert_eq!((hit.distance, hit.order), (4.0, 10));
        }
    }

    #[test]
    fn a_10k_sphere_grid_renders_like_brute_force() {
        let mut b = SceneBuilder::new(1e-9, 3).unwrap();
        let m = diffuse(&mut b, [0.7, 0.7, 0.7], 0.6);
        for i in 0..100 {
            for j in 0..100 {
                b.add_sphere(v(i as f64 * 0.2 - 10.0, j as f64 * 0.15 - 7.5, -15.0), 0.07, m).unwrap();
            }
        }
        spherical(&mut b, v(0.0, 0.0, 0.0), 5000.0);
        let mut brute = b.clone();
        brute.set_use_bvh(false);
        let view = view(40, 30, 60.0, 1);
        assert_eq!(full(&b.build(), &view), full(&brute.build(), &view));
    }

    #[test]
    fn flat_pixels_survive_averaging() {
        // A flat-coloured pixel stays the same whatever the sample count.
        let mut flat = SceneBuilder::new(1e-9, 2).unwrap();
        let m = diffuse(&mut flat, [0.5, 0.5, 0.5], 1.0);
        flat.add_plane(v(0.0, 0.0, -10.0), v(0.0, 0.0, -1.0), m).unwrap();
        directional(&mut flat, v(0.0, 0.0, -1.0), 2.0);
        let scene = flat.build();
        let one = full(&scene, &view(4, 4, 10.0, 1));
        let nine = full(&scene, &view(4, 4, 10.0, 9));
        assert_ne!(one, vec![0; one.len()]);
        for (a, b) in one.iter().zip(&nine) {
            assert!((*a as i32 - *b as i32).abs() <= 1);
        }
    }

    #[test]
    fn one_scene_renders_many_views() {
        // Each view of a scene built once equals that view of a scene built for it alone.
        let shared = random_scene(7, 60, true, true);
        let views = [view(20, 10, 70.0, 1), view(33, 17, 45.0, 4), view(8, 8, 120.0, 1)];
        let images: Vec<Vec<u8>> = views.iter().map(|w| full(&shared, w)).collect();
        for (w, image) in views.iter().zip(&images) {
            assert_eq!(&full(&random_scene(7, 60, true, true), w), image);
        }
        assert_ne!(images[0], images[2][..images[0].len().min(images[2].len())]);
        // And a view rendered again after others is unchanged.
        assert_eq!(full(&shared, &views[0]), images[0]);
    }

    #[test]
    fn supersampling_averages_sub_pixel_samples() {
        // Half the pixel sees a lit plane, half sees nothing: four samples average two lit ones.
        let mut b = SceneBuilder::new(1e-9, 2).unwrap();
        let m = diffuse(&mut b, [1.0, 1.0, 1.0], 1.0);
        b.add_plane(v(0.0, 0.0, -1.0), v(0.0, 0.0, -1.0), m).unwrap();
        directional(&mut b, v(0.0, 0.0, -1.0), std::f32::consts::PI);
        b.add_sphere(v(-1.0, 0.0, -0.5), 1.0, m).unwrap();
        let scene = b.build();
        let one = full(&scene, &view(1, 1, 90.0, 1));
        let four = full(&scene, &view(1, 1, 90.0, 4));
        assert_ne!(one, four);
    }

    #[test]
    fn default_camera_set_explicitly_is_byte_identical() {
        let mut b = SceneBuilder::new(1e-9, 3).unwrap();
        let m = material(&mut b, [0.5, 0.8, 0.5], 0.9, Surface::Reflective { reflectivity: 0.3 });
        b.add_sphere(v(0.3, 0.1, -4.0), 1.0, m).unwrap();
        b.add_plane(v(0.0, -1.0, 0.0), v(0.0, -1.0, 0.0), m).unwrap();
        spherical(&mut b, v(1.0, 3.0, -2.0), 800.0);
        let scene = b.build();
        let plain = full(&scene, &view(31, 17, 75.0, 1));
        let explicit = Pose { position: v(0.0, 0.0, 0.0), look_at: v(0.0, 0.0, -1.0), up: v(0.0, 1.0, 0.0) };
        assert_eq!(full(&scene, &View::new(31, 17, 75.0, 1, explicit).unwrap()), plain);
        let moved = Pose { position: v(0.0, 0.5, 0.0), ..explicit };
        assert_ne!(full(&scene, &View::new(31, 17, 75.0, 1, moved).unwrap()), plain);
    }

    #[test]
    fn tiles_must_be_inside_and_non_empty() {
        let scene = random_scene(3, 5, false, true);
        let view = view(48, 36, 70.0, 1);
        assert!(render_tile(&scene, &view, Tile { x: 0, y: 0, width: 48, height: 36 }, &mut never()).is_ok());
        for (x, y, width, height) in [(0, 0, 0, 1), (0, 0, 49, 1), (47, 0, 2, 1), (0, 36, 1, 1), (u32::MAX, 0, 2, 1)] {
            let err = render_tile(&scene, &view, Tile { x, y, width, height }, &mut never()).unwrap_err();
            assert!(err.to_string().starts_with("render_tile:"), "{err}");
        }
    }

    #[test]
    fn tiles_put_together_make_the_whole_image() {
        let scene = random_scene(4, 30, true, true);
        let view = view(13, 9, 70.0, 4);
        let whole = full(&scene, &view);
        let mut stitched = vec![0u8; whole.len()];
        for (x, y, w, h) in [(0, 0, 5, 4), (5, 0, 8, 4), (0, 4, 13, 5)] {
            let tile = render_tile(&scene, &view, Tile { x, y, width: w, height: h }, &mut never()).unwrap();
            for row in 0..h as usize {
                let at = ((y as usize + row) * 13 + x as usize) * 4;
                stitched[at..at + w as usize * 4]
                    .copy_from_slice(&tile[row * w as usize * 4..(row + 1) * w as usize * 4]);
            }
        }
        assert_eq!(stitched, whole);
    }

    /// Calls of the cancel callback while rendering `tile` of `view`, never cancelling.
    fn cancel_calls(scene: &Scene, view: &View, tile: Tile) -> u64 {
        let mut calls = 0u64;
        render_tile(scene, view, tile, &mut || {
            calls += 1;
            false
        })
        .unwrap();
        calls
    }

    /// Nothing to hit: exactly one ray per sample.
    fn empty_scene() -> Scene {
        let mut b = SceneBuilder::new(1e-9, 4).unwrap();
        directional(&mut b, v(0.0, 0.0, -1.0), 1.0);
        b.build()
    }

    #[test]
    fn cancel_is_asked_per_row_and_every_4096_rays() {
        let scene = empty_scene();
        // One sample per pixel: 10 rows of 100 pixels = 1000 rays, under 4096 per row.
        assert_eq!(cancel_calls(&scene, &view(100, 10, 60.0, 1), Tile { x: 0, y: 0, width: 100, height: 10 }), 10);
        // One pixel of 128² samples: the row start, then every 4096 rays (16384 / 4096 = 4).
        assert_eq!(cancel_calls(&scene, &view(1, 1, 60.0, 128 * 128), Tile { x: 0, y: 0, width: 1, height: 1 }), 1 + 4);
        // Two rows of 3 pixels × 2500 samples: per row 7500 rays, one extra call each.
        assert_eq!(
            cancel_calls(&scene, &view(3, 2, 60.0, 2500), Tile { x: 0, y: 0, width: 3, height: 2 }),
            2 * (1 + 1)
        );
        // Secondary rays count too: the same view of glass asks more often.
        let glass = glass_in_glass(10);
        let small = view(8, 8, 60.0, 64);
        // 512 rays a row: only the row starts ask.
        assert_eq!(cancel_calls(&scene, &small, Tile::whole(&small)), 8);
        assert!(cancel_calls(&glass, &small, Tile::whole(&small)) > 8);
    }

    /// Glass inside glass: every hit spawns a reflected and a refracted ray.
    fn glass_in_glass(depth: u32) -> Scene {
        let mut b = SceneBuilder::new(0.0, depth).unwrap();
        let glass = material(&mut b, [1.0, 1.0, 1.0], 0.5, Surface::Refractive { index: 1.5, transparency: 1.0 });
        b.add_sphere(v(0.0, 0.0, -5.0), 2.0, glass).unwrap();
        b.add_sphere(v(0.0, 0.0, -5.0), 1.0, glass).unwrap();
        spherical(&mut b, v(0.0, 5.0, 0.0), 1000.0);
        b.build()
    }

    #[test]
    fn one_sample_whose_rays_multiply_at_every_bounce_is_cancelled_inside_the_recursion() {
        // With a recursion limit of 999: 2^999 rays under the one primary sample.
        let scene = glass_in_glass(999);
        let view = view(1, 1, 60.0, 1);
        let mut calls = 0;
        let err = render_tile(&scene, &view, Tile::whole(&view), &mut || {
            calls += 1;
            calls > 3
        })
        .unwrap_err();
        // The row start and three rounds of 4096 rays, all under the first primary sample.
        assert_eq!((err, calls), (RenderError::Cancelled, 4));
    }

    #[test]
    fn a_cancelled_render_stops_with_cancelled() {
        let scene = random_scene(2, 10, true, true);
        let view = view(16, 16, 60.0, 1);
        let err = render_tile(&scene, &view, Tile::whole(&view), &mut || true).unwrap_err();
        assert_eq!(err, RenderError::Cancelled);
        assert_eq!(err.to_string(), "cancelled");
        // Cancelled on the third call: the render stops there, the callback is not asked again.
        let mut calls = 0;
        let err = render_tile(&scene, &view, Tile::whole(&view), &mut || {
            calls += 1;
            calls == 3
        })
        .unwrap_err();
        assert_eq!((err, calls), (RenderError::Cancelled, 3));
    }

    #[test]
    fn one_pixel_with_65535_squared_samples_stops_at_once() {
        let scene = random_scene(2, 10, true, true);
        let view = view(1, 1, 60.0, 65535 * 65535);
        let mut calls = 0;
        let err = render_tile(&scene, &view, Tile::whole(&view), &mut || {
            calls += 1;
            calls > 3
        })
        .unwrap_err();
        // The row start and three rounds of 4096 rays, not 4.3 billion samples.
        assert_eq!((err, calls), (RenderError::Cancelled, 4));
    }
}
