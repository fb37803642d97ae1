//! Whitted-style shading, exactly as the original orders its operations, and tile rendering.

use crate::color::{Color, BLACK};
use crate::material::Surface;
use crate::ray::Ray;
use crate::scene::{Scene, SceneError};
use crate::vector::{Point, Vector3};
use std::f32::consts::PI;

/// The colour seen along `ray`; black past the recursion limit or when nothing is hit.
pub fn cast_ray(scene: &Scene, ray: &Ray, depth: u32) -> Color {
    if depth >= scene.max_recursion_depth {
        return BLACK;
    }
    let hit = scene.trace(ray);
    if !hit.is_hit() {
        return BLACK;
    }
    let point = ray.origin + ray.direction * hit.distance;
    let surfel = scene.surfel(&hit, point);
    let material = surfel.material;
    let normal = surfel.normal;
    match material.surface {
        Surface::Diffuse => {
            let surface = scene.surface_color(&hit, &material, point);
            shade_diffuse(scene, point, normal, surface, material.albedo)
        }
        Surface::Reflective { reflectivity } => {
            let surface = scene.surface_color(&hit, &material, point);
            let mut color = shade_diffuse(scene, point, normal, surface, material.albedo);
            let reflection = Ray::reflection(normal, ray.direction, point, scene.shadow_bias);
            color = color * (1.0 - reflectivity);
            color + cast_ray(scene, &reflection, depth + 1) * reflectivity
        }
        Surface::Refractive { index, transparency } => {
            let kr = fresnel(ray.direction, normal, index) as f32;
            let surface = scene.surface_color(&hit, &material, point);
            let mut refraction = BLACK;
            if kr < 1.0 {
                // The Fresnel quirk can disagree with Snell's law at the critical angle; the
                // original would panic there, black is the quiet equivalent.
                if let Some(t) = Ray::transmission(normal, ray.direction, point, scene.shadow_bias, index) {
                    refraction = cast_ray(scene, &t, depth + 1);
                }
            }
            let reflection_ray = Ray::reflection(normal, ray.direction, point, scene.shadow_bias);
            let reflection = cast_ray(scene, &reflection_ray, depth + 1);
            let color = reflection * kr + refraction * (1.0 - kr);
            color * transparency * surface
        }
    }
}

/// Lambert shading with hard shadows, summed over lights and then clamped.
#[inline]
fn shade_diffuse(scene: &Scene, point: Point, normal: Vector3, surface: Color, albedo: f32) -> Color {
    let mut color = BLACK;
    let shadow_origin = point + normal * scene.shadow_bias;
    let light_reflected = albedo / PI;
    for light in &scene.lights {
        let to_light = light.direction_from(point);
        let shadow_ray = Ray { origin: shadow_origin, direction: to_light };
        let in_light = !scene.occluded(&shadow_ray, light.distance(point));
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

/// One pixel's RGBA8. With one sample this is the original's path exactly; with k×k samples
/// the stratified sub-pixel positions replace the pixel centre and the clamped samples are
/// averaged in linear space.
#[inline]
pub fn render_pixel(scene: &Scene, x: u32, y: u32, samples_per_axis: u32) -> [u8; 4] {
    if samples_per_axis <= 1 {
        let ray = scene.camera.ray(x as f64 + 0.5, y as f64 + 0.5);
        return cast_ray(scene, &ray, 0).to_rgba8(&scene.encode);
    }
    let k = samples_per_axis as f64;
    let mut sum = BLACK;
    for j in 0..samples_per_axis {
        let oy = (j as f64 + 0.5) / k;
        for i in 0..samples_per_axis {
            let ox = (i as f64 + 0.5) / k;
            let ray = scene.camera.ray(x as f64 + ox, y as f64 + oy);
            sum = sum + cast_ray(scene, &ray, 0).clamp_sample();
        }
    }
    (sum * (1.0 / (samples_per_axis * samples_per_axis) as f32)).to_rgba8(&scene.encode)
}

/// Checks that the rectangle is non-empty and inside the image.
pub fn check_tile(scene: &Scene, x: u32, y: u32, width: u32, height: u32) -> Result<(), SceneError> {
    let inside = (x as u64 + width as u64) <= scene.width as u64 && (y as u64 + height as u64) <= scene.height as u64;
    if width == 0 || height == 0 || !inside {
        return Err(SceneError::new(format!(
            "render_tile: the rectangle x={x} y={y} width={width} height={height} must be non-empty and inside the {}×{} image",
            scene.width, scene.height
        )));
    }
    Ok(())
}

/// Renders into `out` (width*height*4 bytes, rows top first) a rectangle already checked by
/// [`check_tile`].
pub fn render_tile_into(scene: &Scene, x: u32, y: u32, width: u32, height: u32, out: &mut [u8]) {
    let k = (scene.samples as f64).sqrt() as u32;
    for (row, line) in out.chunks_exact_mut(width as usize * 4).take(height as usize).enumerate() {
        render_row(scene, x, y + row as u32, k, line);
    }
}

/// A separate, never-inlined function per row: V8 cannot switch a running wasm function to
/// optimised code, so a one-tile frame would otherwise spend its whole pixel loop in the
/// baseline compiler's code.
#[inline(never)]
fn render_row(scene: &Scene, x: u32, y: u32, k: u32, line: &mut [u8]) {
    for (col, px) in line.chunks_exact_mut(4).enumerate() {
        px.copy_from_slice(&render_pixel(scene, x + col as u32, y, k));
    }
}

/// The rectangle as RGBA8; fails (rather than aborting) when it cannot be allocated.
pub fn render_tile(scene: &Scene, x: u32, y: u32, width: u32, height: u32) -> Result<Vec<u8>, SceneError> {
    check_tile(scene, x, y, width, height)?;
    let len = (width as usize)
        .checked_mul(height as usize)
        .and_then(|n| n.checked_mul(4))
        .ok_or_else(|| SceneError::new("render_tile: the rectangle is too large to allocate"))?;
    let mut out = Vec::new();
    out.try_reserve_exact(len)
        .map_err(|_| SceneError::new(format!("render_tile: cannot allocate {len} bytes for the rectangle")))?;
    out.resize(len, 0);
    render_tile_into(scene, x, y, width, height, &mut out);
    Ok(out)
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::SceneBuilder;

    /// xorshift64*: deterministic scenes without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        }
        fn range(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.next()
        }
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

    fn random_scene(seed: u64, spheres: usize, planes: bool, use_bvh: bool) -> crate::scene::Scene {
        let mut rng = Rng(seed);
        let mut b = SceneBuilder::new(48, 36, 70.0, 1e-9, 4).unwrap();
        let diffuse = b.add_material(0, [0.8, 0.4, 0.2], 0, 0.5, 0, 0.0, 0.0).unwrap();
        let mirror = b.add_material(0, [0.9, 0.9, 0.9], 0, 0.3, 1, 0.5, 0.0).unwrap();
        let glass = b.add_material(0, [1.0, 1.0, 1.0], 0, 0.2, 2, 1.3, 0.9).unwrap();
        let mats = [diffuse, mirror, glass];
        if planes {
            b.add_plane([0.0, -3.0, 0.0], [0.0, -1.0, 0.0], mirror).unwrap();
        }
        let mut r2 = Rng(seed ^ 0x9E37);
        for i in 0..spheres {
            let c = [rng.range(-6.0, 6.0), rng.range(-3.0, 3.0), rng.range(-20.0, -4.0)];
            // Integer-ish radii and duplicated centres make exact distance ties.
            let radius = if i % 5 == 0 { 1.0 } else { rng.range(0.05, 1.5) };
            b.add_sphere(c, radius, mats[(r2.next() * 3.0) as usize % 3]).unwrap();
            if i % 7 == 0 {
                b.add_sphere(c, radius, mats[(i / 7) % 3]).unwrap();
            }
        }
        if planes {
            b.add_plane([0.0, 0.0, -30.0], [0.0, 0.0, -1.0], diffuse).unwrap();
        }
        b.add_spherical_light([2.0, 8.0, -5.0], [1.0, 1.0, 1.0], 3000.0).unwrap();
        b.add_directional_light([-0.3, -1.0, -0.2], [1.0, 0.9, 0.8], 1.5).unwrap();
        b.set_use_bvh(use_bvh);
        b.build().unwrap()
    }

    fn full(scene: &crate::scene::Scene) -> Vec<u8> {
        render_tile(scene, 0, 0, scene.width, scene.height).unwrap()
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
        for seed in [11u64, 12] {
            assert_eq!(full(&random_scene(seed, 200, true, true)), full(&random_scene(seed, 200, true, false)));
        }
    }

    #[test]
    fn ties_go_to_the_earlier_element() {
        // Same sphere twice with different colours, and a plane tangent to the sphere front.
        for use_bvh in [true, false] {
            let mut b = SceneBuilder::new(3, 3, 30.0, 1e-9, 1).unwrap();
            let red = b.add_material(0, [1.0, 0.0, 0.0], 0, 3.0, 0, 0.0, 0.0).unwrap();
            let green = b.add_material(0, [0.0, 1.0, 0.0], 0, 3.0, 0, 0.0, 0.0).unwrap();
            let blue = b.add_material(0, [0.0, 0.0, 1.0], 0, 3.0, 0, 0.0, 0.0).unwrap();
            for _ in 0..10 {
                b.add_sphere([5.0, 5.0, 5.0], 0.5, blue).unwrap(); // out of view, fills the BVH
            }
            b.add_sphere([0.0, 0.0, -5.0], 1.0, red).unwrap();
            b.add_sphere([0.0, 0.0, -5.0], 1.0, green).unwrap();
            b.add_plane([0.0, 0.0, -4.0], [0.0, 0.0, -1.0], blue).unwrap();
            b.add_directional_light([0.0, 0.0, -1.0], [1.0, 1.0, 1.0], 10.0).unwrap();
            b.set_use_bvh(use_bvh);
            let scene = b.build().unwrap();
            let centre = render_tile(&scene, 1, 1, 1, 1).unwrap();
            assert_eq!(centre, vec![255, 0, 0, 255], "use_bvh {use_bvh}");
            let hit = scene.trace(&scene.camera.ray(1.5, 1.5));
            assert_eq!((hit.distance, hit.order), (4.0, 10));
        }
    }

    #[test]
    fn a_10k_sphere_grid_renders_like_brute_force() {
        let mut b = SceneBuilder::new(40, 30, 60.0, 1e-9, 3).unwrap();
        let m = b.add_material(0, [0.7, 0.7, 0.7], 0, 0.6, 0, 0.0, 0.0).unwrap();
        for i in 0..100 {
            for j in 0..100 {
                b.add_sphere([i as f64 * 0.2 - 10.0, j as f64 * 0.15 - 7.5, -15.0], 0.07, m).unwrap();
            }
        }
        b.add_spherical_light([0.0, 0.0, 0.0], [1.0, 1.0, 1.0], 5000.0).unwrap();
        let mut brute = b.clone();
        brute.set_use_bvh(false);
        let (fast, slow) = (b.build().unwrap(), brute.build().unwrap());
        assert_eq!(full(&fast), full(&slow));
    }

    #[test]
    fn sample_counts_are_validated_and_flat_pixels_survive_averaging() {
        let base = random_scene(5, 40, true, true);
        let mut b = SceneBuilder::new(48, 36, 70.0, 1e-9, 4).unwrap();
        assert!(b.set_samples(1).is_ok());
        for bad in [0, 2, 3, 5, 8, 15, 17] {
            assert!(b.set_samples(bad).is_err(), "{bad}");
        }
        assert!(b.set_samples(16).is_ok());
        assert_eq!(base.samples, 1);
        // A flat-coloured pixel stays the same whatever the sample count.
        let mut flat = SceneBuilder::new(4, 4, 10.0, 1e-9, 2).unwrap();
        let m = flat.add_material(0, [0.5, 0.5, 0.5], 0, 1.0, 0, 0.0, 0.0).unwrap();
        flat.add_plane([0.0, 0.0, -10.0], [0.0, 0.0, -1.0], m).unwrap();
        flat.add_directional_light([0.0, 0.0, -1.0], [1.0, 1.0, 1.0], 2.0).unwrap();
        let one = full(&flat.clone().build().unwrap());
        flat.set_samples(9).unwrap();
        let nine = full(&flat.build().unwrap());
        for (a, b) in one.iter().zip(&nine) {
            assert!((*a as i32 - *b as i32).abs() <= 1);
        }
    }

    #[test]
    fn default_camera_set_explicitly_is_byte_identical() {
        let mut b = SceneBuilder::new(31, 17, 75.0, 1e-9, 3).unwrap();
        let m = b.add_material(0, [0.5, 0.8, 0.5], 0, 0.9, 1, 0.3, 0.0).unwrap();
        b.add_sphere([0.3, 0.1, -4.0], 1.0, m).unwrap();
        b.add_plane([0.0, -1.0, 0.0], [0.0, -1.0, 0.0], m).unwrap();
        b.add_spherical_light([1.0, 3.0, -2.0], [1.0, 1.0, 1.0], 800.0).unwrap();
        let plain = full(&b.clone().build().unwrap());
        b.set_camera([0.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]).unwrap();
        assert_eq!(full(&b.build().unwrap()), plain);
    }

    #[test]
    fn tiles_must_be_inside_and_non_empty() {
        let scene = random_scene(3, 5, false, true);
        assert!(render_tile(&scene, 0, 0, 48, 36).is_ok());
        for (x, y, w, h) in [(0, 0, 0, 1), (0, 0, 49, 1), (47, 0, 2, 1), (0, 36, 1, 1), (u32::MAX, 0, 2, 1)] {
            let err = render_tile(&scene, x, y, w, h).unwrap_err();
            assert!(err.message().starts_with("render_tile:"), "{err}");
        }
    }
}
