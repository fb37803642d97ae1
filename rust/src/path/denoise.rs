//! A feature-guided, edge-preserving denoiser for path-traced images (an à-trous wavelet
//! filter, Dammertz et al. 2010, with the variance guidance of SVGF, Schied et al. 2017,
//! estimated spatially from one frame).
//!
//! It filters the *lighting*, not the texture: the image is divided by the first surface's
//! albedo, the quotient is smoothed where the normals and albedo agree and the lighting differs
//! by no more than its noise, and the albedo is multiplied back, so texture detail (which the
//! albedo buffer holds noise-free) survives. Five passes of a 5×5 B3-spline kernel with holes
//! 1, 2, 4, 8, 16 pixels apart cover a 125-pixel-wide footprint at 25 taps a pass.

/// The buffers of one image, 3 f32 a pixel, rows top first.
pub struct Features<'a> {
    /// Linear radiance, the noisy image.
    pub color: &'a [f32],
    /// First-surface albedo.
    pub albedo: &'a [f32],
    /// First-surface normal (zero where the ray escaped).
    pub normal: &'a [f32],
}

const KERNEL: [f32; 5] = [1.0 / 16.0, 1.0 / 4.0, 3.0 / 8.0, 1.0 / 4.0, 1.0 / 16.0];
const PASSES: u32 = 5;
/// How many noise standard deviations of lighting difference still count as "the same".
const SIGMA_LIGHT: f32 = 6.0;
/// Normal agreement: weight = max(0, n·n')^SIGMA_NORMAL.
const SIGMA_NORMAL: i32 = 64;
/// Albedo difference scale.
const SIGMA_ALBEDO: f32 = 1.0;
/// Albedo below this is treated as 1 (nothing to divide by: sky, black surfaces).
const MIN_ALBEDO: f32 = 0.01;

fn lum(c: [f32; 3]) -> f32 {
    0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
}

fn get(b: &[f32], i: usize) -> [f32; 3] {
    [b[i * 3], b[i * 3 + 1], b[i * 3 + 2]]
}

fn compress(l: [f32; 3], k: f32) -> [f32; 3] {
    let s = k / (k + lum(l));
    [l[0] * s, l[1] * s, l[2] * s]
}

/// The inverse of [`compress`] (a compressed luminance is below k).
fn expand(l: [f32; 3], k: f32) -> [f32; 3] {
    let s = k / (k - lum(l)).max(k * 1e-6);
    [l[0] * s, l[1] * s, l[2] * s]
}

/// `v` scaled to length 1; zero (no surface) or not finite stays or becomes zero.
fn unit(v: [f32; 3]) -> [f32; 3] {
    let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if len > 0.0 && len.is_finite() {
        [v[0] / len, v[1] / len, v[2] / len]
    } else {
        [0.0; 3]
    }
}

fn safe_albedo(a: [f32; 3]) -> [f32; 3] {
    let f = |v: f32| if v.is_finite() && v >= MIN_ALBEDO { v } else { 1.0 };
    if a.iter().all(|v| !(v.is_finite() && *v >= MIN_ALBEDO)) {
        [1.0, 1.0, 1.0]
    } else {
        [f(a[0]), f(a[1]), f(a[2])]
    }
}

/// The denoised `width` × `height` image, 3 f32 a pixel. `None` when a buffer's length is not
/// width × height × 3.
pub fn denoise(width: usize, height: usize, f: &Features) -> Option<Vec<f32>> {
    let n = width.checked_mul(height)?;
    if f.color.len() != n * 3 || f.albedo.len() != n * 3 || f.normal.len() != n * 3 {
        return None;
    }
    let albedo: Vec<[f32; 3]> = (0..n).map(|i| safe_albedo(get(f.albedo, i))).collect();
    let mut light: Vec<[f32; 3]> = (0..n)
        .map(|i| {
            let c = get(f.color, i);
            let a = albedo[i];
            let v = |x: f32| if x.is_finite() && x > 0.0 { x } else { 0.0 };
            [v(c[0]) / a[0], v(c[1]) / a[1], v(c[2]) / a[2]]
        })
        .collect();
    // Filtered compressed, l / (k + lum(l)) (inverted at the end), so that a light source or a
    // firefly, hundreds of times brighter, cannot bleed into its neighbours: its weight in any
    // average is bounded. k, four times the median lighting, keeps the curve nearly straight
    // (and its bias small) over the lighting most pixels have.
    let mut lums: Vec<f32> = light.iter().map(|l| lum(*l)).collect();
    lums.sort_by(f32::total_cmp);
    let k = (4.0 * lums.get(n / 2).copied().unwrap_or(0.0)).max(1e-6);
    for l in light.iter_mut() {
        *l = compress(*l, k);
    }
    // A pixel's normal is a sample mean: shorter than 1 where its samples saw different
    // surfaces (edges, corners). Its direction is what counts; unnormalised, n·n' under the
    // 64th power underflows to 0 even for the pixel itself, and the pixel came out black.
    let normal: Vec<[f32; 3]> = (0..n).map(|i| unit(get(f.normal, i))).collect();
    let raw_albedo: Vec<[f32; 3]> = (0..n).map(|i| get(f.albedo, i)).collect();
    // The lighting's noise variance, estimated per pixel from its 3×3 neighbourhood of pixels
    // with the same normal and albedo.
    let mut var: Vec<f32> = vec![0.0; n];
    for y in 0..height {
        for x in 0..width {
            let p = y * width + x;
            let (mut s, mut s2, mut k) = (0.0f32, 0.0f32, 0.0f32);
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (qx, qy) = (x as i64 + dx, y as i64 + dy);
                    if qx < 0 || qy < 0 || qx >= width as i64 || qy >= height as i64 {
                        continue;
                    }
                    let q = qy as usize * width + qx as usize;
                    if feature_weight(&normal, &raw_albedo, p, q) < 0.5 {
                        continue;
                    }
                    let l = lum(light[q]);
                    s += l;
                    s2 += l * l;
                    k += 1.0;
                }
            }
            var[p] = if k > 1.0 { ((s2 - s * s / k) / (k - 1.0)).max(0.0) } else { 0.0 };
        }
    }
    let mut next = light.clone();
    let mut next_var = var.clone();
    for pass in 0..PASSES {
        let step = 1i64 << pass;
        for y in 0..height {
            for x in 0..width {
                let p = y * width + x;
                let lp = lum(light[p]);
                let sigma = SIGMA_LIGHT * var[p].sqrt() + 1e-6;
                let (mut sum, mut wsum, mut vsum) = ([0.0f32; 3], 0.0f32, 0.0f32);
                for (j, ky) in KERNEL.iter().enumerate() {
                    let qy = y as i64 + (j as i64 - 2) * step;
                    if qy < 0 || qy >= height as i64 {
                        continue;
                    }
                    for (i, kx) in KERNEL.iter().enumerate() {
                        let qx = x as i64 + (i as i64 - 2) * step;
                        if qx < 0 || qx >= width as i64 {
                            continue;
                        }
                        let q = qy as usize * width + qx as usize;
                        let wl = (-(lp - lum(light[q])).abs() / sigma).exp();
                        let w = kx * ky * wl * feature_weight(&normal, &raw_albedo, p, q);
                        if !(w > 0.0) {
                            continue;
                        }
                        for c in 0..3 {
                            sum[c] += w * light[q][c];
                        }
                        wsum += w;
                        vsum += w * w * var[q];
                    }
                }
                // The centre tap always has weight kx·ky > 0, so wsum > 0.
                next[p] = [sum[0] / wsum, sum[1] / wsum, sum[2] / wsum];
                next_var[p] = vsum / (wsum * wsum);
            }
        }
        std::mem::swap(&mut light, &mut next);
        std::mem::swap(&mut var, &mut next_var);
    }
    let mut out = vec![0f32; n * 3];
    for i in 0..n {
        for c in 0..3 {
            out[i * 3 + c] = expand(light[i], k)[c] * albedo[i][c];
        }
    }
    Some(out)
}

/// How much pixels `p` and `q` look like the same surface: normals and albedo.
fn feature_weight(normal: &[[f32; 3]], albedo: &[[f32; 3]], p: usize, q: usize) -> f32 {
    let (np, nq) = (normal[p], normal[q]);
    let dot = np[0] * nq[0] + np[1] * nq[1] + np[2] * nq[2];
    let zero_p = np == [0.0; 3];
    let zero_q = nq == [0.0; 3];
    let wn = if zero_p || zero_q {
        if zero_p == zero_q {
            1.0
        } else {
            0.0
        }
    } else {
        dot.max(0.0).powi(SIGMA_NORMAL)
    };
    let (ap, aq) = (albedo[p], albedo[q]);
    let da = (ap[0] - aq[0]).powi(2) + (ap[1] - aq[1]).powi(2) + (ap[2] - aq[2]).powi(2);
    wn * (-da / (SIGMA_ALBEDO * SIGMA_ALBEDO)).exp()
}

/// A whole image rendered as 9 f32 a pixel (linear radiance, albedo, normal; rows top first,
/// as the workers hand tiles over), denoised, exposed, tone-mapped and sRGB-encoded to RGBA8.
/// `None` when `features` is not width × height × 9 values.
pub fn denoise_to_rgba8(
    width: usize,
    height: usize,
    features: &[f32],
    exposure: f64,
    curve: crate::path::tonemap::ToneMap,
) -> Option<Vec<u8>> {
    let n = width.checked_mul(height)?;
    if features.len() != n.checked_mul(9)? {
        return None;
    }
    let part = |k: usize| -> Vec<f32> { features.chunks_exact(9).flat_map(|p| [p[k], p[k + 1], p[k + 2]]).collect() };
    let (color, albedo, normal) = (part(0), part(3), part(6));
    let out = denoise(width, height, &Features { color: &color, albedo: &albedo, normal: &normal })?;
    let mut rgba = Vec::with_capacity(n * 4);
    for c in out.chunks_exact(3) {
        let s = crate::path::spectrum::Spectrum::new(c[0] as f64, c[1] as f64, c[2] as f64);
        rgba.extend_from_slice(&crate::path::tonemap::to_rgba8(s, exposure, curve));
    }
    Some(rgba)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::rng::SampleKey;

    /// A 64×64 scene: a checkerboard albedo (texture) on one wall lit by a gentle gradient,
    /// and a second wall (other normal, much brighter) on the right third; noise of 30%
    /// relative standard deviation on the lighting.
    fn synthetic() -> (usize, usize, Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
        let (w, h) = (64usize, 64usize);
        let (mut truth, mut noisy, mut albedo, mut normal) =
            (vec![0f32; w * h * 3], vec![0f32; w * h * 3], vec![0f32; w * h * 3], vec![0f32; w * h * 3]);
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let wall = x >= 43;
                let a = if (x / 4 + y / 4) % 2 == 0 { [0.8, 0.6, 0.2] } else { [0.2, 0.3, 0.7] };
                let light = if wall { 5.0 } else { 0.8 + 0.2 * x as f32 / 64.0 };
                let k = SampleKey::new(0, i as u64, 0);
                // Roughly normal noise: the sum of four uniforms, centred, sd 1.
                let z = ((0..4).map(|d| k.at(0, d)).sum::<f64>() - 2.0) as f32 * (3.0f32).sqrt();
                let noisy_light = light * (1.0 + 0.3 * z);
                for c in 0..3 {
                    truth[i * 3 + c] = a[c] * light;
                    noisy[i * 3 + c] = a[c] * noisy_light;
                    albedo[i * 3 + c] = a[c];
                }
                let n = if wall { [1.0, 0.0, 0.0] } else { [0.0, 0.0, 1.0] };
                normal[i * 3..i * 3 + 3].copy_from_slice(&n);
            }
        }
        (w, h, truth, noisy, albedo, normal)
    }

    fn rel_mse(a: &[f32], truth: &[f32]) -> f64 {
        let mut s = 0.0;
        for (x, t) in a.iter().zip(truth) {
            let d = (*x - *t) as f64;
            s += d * d / ((*t as f64) * (*t as f64) + 1e-2);
        }
        s / a.len() as f64
    }

    #[test]
    fn removes_most_noise_and_keeps_the_texture_and_the_edge() {
        let (w, h, truth, noisy, albedo, normal) = synthetic();
        let out = denoise(w, h, &Features { color: &noisy, albedo: &albedo, normal: &normal }).unwrap();
        let (before, after) = (rel_mse(&noisy, &truth), rel_mse(&out, &truth));
        // 0.083 → 0.0004 when written; 50× leaves room for a different noise draw.
        assert!(after < before / 50.0, "relative MSE {before} → {after}");
        // Texture: every checker cell keeps its own colour (the blue channel flips between 0.2
        // and 0.7 times the lighting): 99% of the values within 10% of the truth, none off by
        // more than 30% (the noise itself: 30% standard deviation).
        let mut far = 0;
        for i in 0..w * h {
            for c in 0..3 {
                let (o, t) = (out[i * 3 + c], truth[i * 3 + c]);
                assert!((o - t).abs() < 0.3 * t, "pixel {i} channel {c}: {o} vs {t}");
                far += ((o - t).abs() > 0.1 * t) as usize;
            }
        }
        assert!(far < w * h * 3 / 100, "{far} values off by more than 10%");
        // The bright wall does not bleed onto the dim one: the column just left of the edge
        // stays at its own level.
        for y in 0..h {
            let i = y * w + 42;
            assert!(out[i * 3 + 1] < 1.5 * truth[i * 3 + 1] + 0.05, "row {y}");
        }
    }

    #[test]
    fn interleaved_features_denoise_to_the_tone_mapped_image() {
        use crate::path::spectrum::Spectrum;
        use crate::path::tonemap::{to_rgba8, ToneMap};
        let (w, h, _, noisy, albedo, normal) = synthetic();
        let mut features = Vec::new();
        for i in 0..w * h {
            for b in [&noisy, &albedo, &normal] {
                features.extend_from_slice(&b[i * 3..i * 3 + 3]);
            }
        }
        let rgba = denoise_to_rgba8(w, h, &features, 0.5, ToneMap::Aces).unwrap();
        let out = denoise(w, h, &Features { color: &noisy, albedo: &albedo, normal: &normal }).unwrap();
        for i in 0..w * h {
            let s = Spectrum::new(out[i * 3] as f64, out[i * 3 + 1] as f64, out[i * 3 + 2] as f64);
            assert_eq!(rgba[i * 4..i * 4 + 4], to_rgba8(s, 0.5, ToneMap::Aces));
        }
        assert!(denoise_to_rgba8(w, h, &features[1..], 0.0, ToneMap::Clamp).is_none());
    }

    #[test]
    fn short_mean_normals_are_directions() {
        // Normals averaged over samples on two walls are shorter than 1; the filter must still
        // keep every pixel (it once turned them black).
        let (w, h, _, noisy, albedo, normal) = synthetic();
        let short: Vec<f32> = normal.iter().map(|v| v * 0.5).collect();
        let a = denoise(w, h, &Features { color: &noisy, albedo: &albedo, normal: &normal }).unwrap();
        let b = denoise(w, h, &Features { color: &noisy, albedo: &albedo, normal: &short }).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn a_clean_image_passes_through_and_sizes_are_checked() {
        let (w, h, truth, _, albedo, normal) = synthetic();
        let out = denoise(w, h, &Features { color: &truth, albedo: &albedo, normal: &normal }).unwrap();
        assert!(rel_mse(&out, &truth) < 1e-4, "{}", rel_mse(&out, &truth));
        assert!(denoise(w, h + 1, &Features { color: &truth, albedo: &albedo, normal: &normal }).is_none());
    }
}
