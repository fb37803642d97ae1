//! Mesh objects: triangle geometry stored once, in its own (object) space, with f32 vertex
//! arrays and a BVH over its triangles; instances ([`crate::instance`]) place it in the world.
//! Nearest-hit ties are broken by the lower triangle index (the writer's order, kept through
//! the BVH's leaf order), so with the scene's rule (lower element `order` wins) the image never
//! depends on the BVH. Smooth normals, when a mesh has none, are computed here
//! ([`smooth_normals`]).

use crate::array::Array;
use crate::bounds::{Aabb, RayBox};
use crate::bvh::{Bvh, Node};
use crate::ray::Ray;
use crate::shape::triangle::{face_normal, WatertightRay};
use crate::shape::TexCoords;
use crate::transform::Affine;
use crate::vector::{Point, Vector3};

/// `skip` for queries that exclude no triangle.
pub const NO_SKIP: u32 = u32::MAX;

/// The most triangles one mesh may have (the TypeScript loader documents the same limit).
pub const MAX_TRIANGLES: usize = 16 * 1024 * 1024;

/// The most vertices one mesh may have.
pub const MAX_VERTICES: usize = 1 << 28;

/// A mesh object ready to render: f32 arrays, triangles in the BVH's leaf order once it has
/// one (each slot remembering its index in the writer's order for ties).
#[derive(Clone, Debug)]
pub struct MeshObject {
    positions: Array<[f32; 3]>,
    normals: Option<Array<[f32; 3]>>,
    uvs: Option<Array<[f32; 2]>>,
    colors: Option<Array<[f32; 4]>>,
    tangents: Option<Array<[f32; 4]>>,
    /// Corner indices per triangle slot.
    triangles: Array<[u32; 3]>,
    /// The BVH; its `prims` map slots to the writer's triangle indices. Empty until built or
    /// set (queries then test every triangle, slot = index).
    bvh: Bvh,
}

/// The nearest hit on one mesh.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeshHit {
    /// Along the ray, in units of its direction.
    pub distance: f64,
    /// The triangle's slot in the mesh.
    pub slot: u32,
    /// Barycentric weights of the triangle's three corners.
    pub weights: [f64; 3],
}

/// What shading needs at a hit, in world space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeshSurface {
    /// Unit geometric normal, oriented by the winding (outward for a consistently wound closed
    /// mesh); refraction decides inside or outside from it.
    pub geometric_normal: Vector3,
    /// The interpolated vertex normal when smooth (turned to the geometric normal's side),
    /// else the geometric normal.
    pub shading_normal: Vector3,
    /// Interpolated texture coordinates, or (0, 0) when the mesh has none.
    pub tex_coords: TexCoords,
    /// Interpolated tangent x, y, z (object space, not normalised) and the bitangent sign w
    /// of the corners, when the mesh has tangents (normal maps).
    pub tangent: Option<[f64; 4]>,
    /// Interpolated vertex colour r, g, b, a (linear), when the mesh has colours.
    pub color: Option<[f64; 4]>,
}

/// A mesh that cannot be built, with what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct MeshError(pub String);

impl std::fmt::Display for MeshError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MeshError {}

/// Parts of a mesh as they arrive, before checking.
#[derive(Clone, Debug, Default)]
pub struct MeshParts {
    /// x, y, z per vertex.
    pub positions: Array<[f32; 3]>,
    /// Normal x, y, z per vertex; normalised at shading, (0, 0, 0) = the face's.
    pub normals: Option<Array<[f32; 3]>>,
    /// u, v per vertex.
    pub uvs: Option<Array<[f32; 2]>>,
    /// r, g, b, a per vertex.
    pub colors: Option<Array<[f32; 4]>>,
    /// x, y, z, w per vertex.
    pub tangents: Option<Array<[f32; 4]>>,
    /// Three vertex indices per triangle.
    pub triangles: Array<[u32; 3]>,
}

impl MeshParts {
    /// Parts from flat arrays (x, y, z per vertex; three indices per triangle), for callers
    /// that hold them so; a trailing partial vertex or triangle is dropped.
    pub fn flat(positions: &[f32], indices: &[u32]) -> MeshParts {
        MeshParts {
            positions: positions.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect::<Vec<_>>().into(),
            triangles: indices.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect::<Vec<_>>().into(),
            ..MeshParts::default()
        }
    }
}

fn finite_array<const N: usize>(name: &str, values: &Option<Array<[f32; N]>>, vertices: usize) -> Result<(), MeshError>
where
    [f32; N]: crate::array::Pod,
{
    let Some(v) = values else { return Ok(()) };
    if v.len() != vertices {
        return Err(MeshError(format!("{} {name}s for {vertices} vertices", v.len())));
    }
    if let Some(i) = v.iter().position(|c| !c.iter().all(|x| x.is_finite())) {
        return Err(MeshError(format!("{name} {i} is not finite")));
    }
    Ok(())
}

/// The corners of the triangle in `slot`; a corner index out of range (never, once checked)
/// reads as NaN, which no ray hits.
#[inline(always)]
fn corners(triangles: &[[u32; 3]], positions: &[[f32; 3]], slot: usize) -> (Point, Point, Point) {
    let [a, b, c] = triangles[slot];
    let p = |i: u32| positions.get(i as usize).map_or(Vector3::new(f64::NAN, f64::NAN, f64::NAN), |&p| vec3(p));
    (p(a), p(b), p(c))
}

#[inline(always)]
fn vec3(p: [f32; 3]) -> Vector3 {
    Vector3::new(p[0] as f64, p[1] as f64, p[2] as f64)
}

/// Smooth vertex normals from the faces (the semantics of the former TypeScript
/// `vertexNormals`): each vertex gets the sum of its triangles' unnormalised normals (weighted
/// by area), summed in triangle order in f64; vertices at exactly the same position (a seam
/// where the file splits them) share one sum; normalised; (0, 0, 0) where the sum vanishes
/// (an unused vertex, or faces that cancel), which shading replaces by the face's normal.
pub fn smooth_normals(positions: &[[f32; 3]], triangles: &[[u32; 3]]) -> Vec<[f32; 3]> {
    let mut sum = vec![Vector3::ZERO; positions.len()];
    for t in triangles {
        let (a, b, c) =
            (vec3(positions[t[0] as usize]), vec3(positions[t[1] as usize]), vec3(positions[t[2] as usize]));
        let n = face_normal(a, b, c);
        for &i in t {
            sum[i as usize] = sum[i as usize] + n;
        }
    }
    // The first vertex at each position gathers the sums of the others there, then hands the
    // total back to them.
    let group = first_at_same_position(positions);
    for (v, &g) in group.iter().enumerate() {
        if g as usize != v {
            sum[g as usize] = sum[g as usize] + sum[v];
        }
    }
    for (v, &g) in group.iter().enumerate() {
        if g as usize != v {
            sum[v] = sum[g as usize];
        }
    }
    sum.iter()
        .map(|s| {
            let length = s.length();
            if length > 0.0 && length < f64::INFINITY {
                [(s.x / length) as f32, (s.y / length) as f32, (s.z / length) as f32]
            } else {
                [0.0; 3]
            }
        })
        .collect()
}

/// For each vertex, the first vertex at exactly the same position (itself when it is the
/// first; −0 equals 0): an open-addressing table over the coordinates' bits, linear in the
/// count (a general-purpose hash map cost several times more on 437k vertices in wasm).
fn first_at_same_position(positions: &[[f32; 3]]) -> Vec<u32> {
    let size = (2 * positions.len()).next_power_of_two().max(2);
    let mut table = vec![u32::MAX; size];
    let key = |p: [f32; 3]| [(p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits(), (p[2] + 0.0).to_bits()];
    let mut group = Vec::with_capacity(positions.len());
    for (v, &p) in positions.iter().enumerate() {
        let k = key(p);
        // FNV-1a over the three words, then a final mix.
        let mut h = 0x811c_9dc5u32;
        for w in k {
            h = (h ^ w).wrapping_mul(0x0100_0193);
        }
        let mut slot = (h ^ (h >> 15)) as usize & (size - 1);
        loop {
            let other = table[slot];
            if other == u32::MAX {
                table[slot] = v as u32;
                group.push(v as u32);
                break;
            }
            if key(positions[other as usize]) == k {
                group.push(other);
                break;
            }
            slot = (slot + 1) & (size - 1);
        }
    }
    group
}

impl MeshObject {
    /// Checks the parts (finite numbers, whole triangles, indices in range, matching
    /// attribute lengths, 1 to [`MAX_TRIANGLES`] triangles). The mesh has no BVH yet
    /// ([`MeshObject::build_bvh`], [`MeshObject::set_bvh`]); until it has one, queries test
    /// every triangle.
    pub fn new(parts: MeshParts) -> Result<MeshObject, MeshError> {
        let MeshParts { positions, normals, uvs, colors, tangents, triangles } = parts;
        let vertices = positions.len();
        if vertices > MAX_VERTICES {
            return Err(MeshError(format!("{vertices} vertices is more than the limit of {MAX_VERTICES}")));
        }
        if let Some(i) = positions.iter().position(|c| !(c[0].is_finite() && c[1].is_finite() && c[2].is_finite())) {
            let bad = positions[i].iter().find(|v| !v.is_finite()).copied().unwrap_or(0.0);
            return Err(MeshError(format!("position {i} is not finite ({bad})")));
        }
        if triangles.is_empty() {
            return Err(MeshError("has no triangles".into()));
        }
        if triangles.len() > MAX_TRIANGLES {
            return Err(MeshError(format!("{} triangles is more than the limit of {MAX_TRIANGLES}", triangles.len())));
        }
        // One pass, no early exit: the loop vectorises; the message comes from a second look.
        let highest = triangles.iter().fold(0u32, |m, t| m.max(t[0]).max(t[1]).max(t[2]));
        if highest as usize >= vertices {
            let i = triangles.iter().flatten().find(|&&i| i as usize >= vertices).copied().unwrap_or(highest);
            return Err(MeshError(format!("index {i} out of range (0..{vertices})")));
        }
        finite_array("normal", &normals, vertices)?;
        finite_array("texture coordinate", &uvs, vertices)?;
        finite_array("colour", &colors, vertices)?;
        finite_array("tangent", &tangents, vertices)?;
        if let Some(i) = tangents.as_deref().unwrap_or(&[]).iter().position(|t| t[3].abs() != 1.0) {
            return Err(MeshError(format!("tangent {i}: w must be 1 or -1")));
        }
        Ok(MeshObject { positions, normals, uvs, colors, tangents, triangles, bvh: Bvh::default() })
    }

    /// Computes smooth normals ([`smooth_normals`]) when the mesh has none. Call before the
    /// BVH reorders the triangles: the sums run in the writer's triangle order.
    pub fn ensure_normals(&mut self) {
        if self.normals.is_none() {
            self.normals = Some(smooth_normals(&self.positions, &self.triangles).into());
        }
    }

    /// Builds the BVH (binned SAH) and puts the triangles in its leaf order.
    pub fn build_bvh(&mut self) {
        let mut extent = 0.0f64;
        for p in self.positions.iter() {
            extent = extent.max((p[0] as f64).abs()).max((p[1] as f64).abs()).max((p[2] as f64).abs());
        }
        // Padded by a hair so rounding in the slab test never drops a triangle the exact test
        // hits (ties at a box face included).
        let pad = extent * 1e-9;
        let padding = Vector3::new(pad, pad, pad);
        let boxes: Vec<Aabb> = self
            .triangles
            .iter()
            .map(|t| {
                let mut b = Aabb::EMPTY;
                for &c in t {
                    b.grow_point(vec3(self.positions[c as usize]));
                }
                Aabb { min: b.min - padding, max: b.max + padding }
            })
            .collect();
        self.bvh = Bvh::build(&boxes);
        self.triangles = self.bvh.prims().iter().map(|&t| self.triangles[t as usize]).collect::<Vec<_>>().into();
    }

    /// Takes a BVH read from a prepared scene, whose triangles are already in its leaf order
    /// (structure checked: see [`Bvh::from_parts`]).
    pub fn set_bvh(&mut self, nodes: Array<Node>, prims: Array<u32>) -> Result<(), MeshError> {
        self.bvh = Bvh::from_parts(nodes, prims, self.triangles.len() as u32).map_err(MeshError)?;
        Ok(())
    }

    /// How many triangles.
    pub fn triangle_count(&self) -> usize {
        self.triangles.len()
    }

    /// How many vertices.
    pub fn vertex_count(&self) -> usize {
        self.positions.len()
    }

    /// The BVH (empty until built or set).
    pub fn bvh(&self) -> &Bvh {
        &self.bvh
    }

    /// Positions, object space.
    pub fn positions(&self) -> &[[f32; 3]] {
        &self.positions
    }

    /// Vertex normals, as given or computed.
    pub fn normals(&self) -> Option<&[[f32; 3]]> {
        self.normals.as_deref()
    }

    /// Texture coordinates.
    pub fn uvs(&self) -> Option<&[[f32; 2]]> {
        self.uvs.as_deref()
    }

    /// Vertex colours.
    pub fn colors(&self) -> Option<&[[f32; 4]]> {
        self.colors.as_deref()
    }

    /// Tangents.
    pub fn tangents(&self) -> Option<&[[f32; 4]]> {
        self.tangents.as_deref()
    }

    /// Corner indices per slot (leaf order once the BVH is built or set).
    pub fn triangles(&self) -> &[[u32; 3]] {
        &self.triangles
    }

    /// The box of the whole mesh, object space (from the BVH's root, else from the positions).
    pub fn bounds(&self) -> Aabb {
        if !self.bvh.is_empty() {
            return self.bvh.bounds();
        }
        let mut b = Aabb::EMPTY;
        self.positions.iter().for_each(|&p| b.grow_point(vec3(p)));
        b
    }

    /// The writer's index of the triangle in `slot`, which breaks ties.
    #[inline(always)]
    pub fn triangle_index(&self, slot: usize) -> u32 {
        match self.bvh.prims().get(slot) {
            Some(&id) => id,
            None => slot as u32,
        }
    }

    #[inline(always)]
    fn corners(&self, slot: usize) -> (Point, Point, Point) {
        corners(&self.triangles, &self.positions, slot)
    }

    /// The nearest hit not farther than `max_distance` (object space: distances are in units
    /// of the ray's direction, so they are world distances for a ray transformed by an
    /// instance); of hits at the same distance, the lower triangle index. The triangle in slot
    /// `skip` (the one a secondary ray leaves; [`NO_SKIP`] for none) is never hit.
    #[inline]
    pub fn nearest(&self, ray: &Ray, max_distance: f64, skip: u32) -> Option<MeshHit> {
        if self.bvh.is_empty() {
            return self.nearest_brute_force(ray, max_distance, skip);
        }
        let wr = WatertightRay::new(ray);
        let rb = RayBox::new(ray);
        let (triangles, positions, ids) = (&*self.triangles, &*self.positions, self.bvh.prims());
        let mut best: Option<(MeshHit, u32)> = None;
        self.bvh.nearest(&rb, max_distance, |start, count, limit| {
            let mut limit = limit;
            for slot in start..start + count {
                if slot as u32 == skip {
                    continue;
                }
                let (a, b, c) = corners(triangles, positions, slot);
                if let Some(hit) = wr.intersect(a, b, c) {
                    let id = ids.get(slot).copied().unwrap_or(slot as u32);
                    let better = match best {
                        None => hit.distance <= limit,
                        Some((h, hid)) => hit.distance < h.distance || (hit.distance == h.distance && id < hid),
                    };
                    if better {
                        limit = hit.distance;
                        best = Some((MeshHit { distance: hit.distance, slot: slot as u32, weights: hit.weights }, id));
                    }
                }
            }
            limit
        });
        best.map(|(h, _)| h)
    }

    /// The same answer as [`MeshObject::nearest`], by testing every triangle.
    pub fn nearest_brute_force(&self, ray: &Ray, max_distance: f64, skip: u32) -> Option<MeshHit> {
        let wr = WatertightRay::new(ray);
        let mut best: Option<(MeshHit, u32)> = None;
        for slot in (0..self.triangles.len()).filter(|&s| s as u32 != skip) {
            let (a, b, c) = self.corners(slot);
            if let Some(hit) = wr.intersect(a, b, c) {
                let id = self.triangle_index(slot);
                let better = hit.distance <= max_distance
                    && best
                        .is_none_or(|(h, hid)| hit.distance < h.distance || (hit.distance == h.distance && id < hid));
                if better {
                    best = Some((MeshHit { distance: hit.distance, slot: slot as u32, weights: hit.weights }, id));
                }
            }
        }
        best.map(|(h, _)| h)
    }

    /// Whether any triangle is hit at a distance ≤ `max_distance` (shadow rays).
    #[inline]
    pub fn any_hit(&self, ray: &Ray, max_distance: f64, skip: u32) -> bool {
        if self.bvh.is_empty() {
            return self.any_hit_brute_force(ray, max_distance, skip);
        }
        let wr = WatertightRay::new(ray);
        let rb = RayBox::new(ray);
        let (triangles, positions) = (&*self.triangles, &*self.positions);
        self.bvh.any_hit(&rb, max_distance, |start, count| {
            (start..start + count).any(|slot| {
                if slot as u32 == skip {
                    return false;
                }
                let (a, b, c) = corners(triangles, positions, slot);
                matches!(wr.intersect(a, b, c), Some(h) if h.distance <= max_distance)
            })
        })
    }

    /// [`MeshObject::any_hit`] by testing every triangle.
    pub fn any_hit_brute_force(&self, ray: &Ray, max_distance: f64, skip: u32) -> bool {
        let wr = WatertightRay::new(ray);
        (0..self.triangles.len()).filter(|&s| s as u32 != skip).any(|slot| {
            let (a, b, c) = self.corners(slot);
            matches!(wr.intersect(a, b, c), Some(h) if h.distance <= max_distance)
        })
    }

    /// Barycentric weights of `point` (object space) on the triangle in `slot`.
    pub fn weights_at(&self, slot: u32, point: Point) -> [f64; 3] {
        let (a, b, c) = self.corners(slot as usize);
        let (v0, v1, v2) = (b - a, c - a, point - a);
        let (d00, d01, d11) = (v0.dot(v0), v0.dot(v1), v1.dot(v1));
        let (d20, d21) = (v2.dot(v0), v2.dot(v1));
        let inv = 1.0 / (d00 * d11 - d01 * d01);
        let wb = (d11 * d20 - d01 * d21) * inv;
        let wc = (d00 * d21 - d01 * d20) * inv;
        [1.0 - wb - wc, wb, wc]
    }

    /// Where shadow rays leave a smooth-shaded hit at world `point` (barycentric `weights` on
    /// the triangle in `slot`), seen from the side `toward` (the geometric normal turned to the
    /// viewer): the point lifted to the curved surface the vertex normals describe, so a coarse
    /// mesh does not shadow itself along the "shadow terminator". For each corner, the part of
    /// `point - corner` below the tangent plane of that corner's normal is removed, and the
    /// three lifts are mixed by the weights (Hanika, "Hacking the shadow terminator", Ray
    /// Tracing Gems II, 2021). Corners and normals go to world space through `placement`
    /// (object-to-world and normal matrix) when the instance transforms. A mesh without
    /// normals returns `point` unchanged.
    pub fn shadow_point(
        &self,
        slot: u32,
        weights: [f64; 3],
        point: Point,
        toward: Vector3,
        placement: Option<(&Affine, &Affine)>,
    ) -> Point {
        let Some(normals) = &self.normals else { return point };
        let corners = self.triangles[slot as usize];
        let mut lift = Vector3::ZERO;
        for (&corner, weight) in corners.iter().zip(weights) {
            let (Some(&n), Some(&p)) = (normals.get(corner as usize), self.positions.get(corner as usize)) else {
                return point;
            };
            let (n, p) = match placement {
                Some((m, nm)) => (nm.vector(vec3(n)).normalize(), m.point(vec3(p))),
                None => (vec3(n).normalize(), vec3(p)),
            };
            if !n.is_finite() {
                // A zero normal ("the face's") lifts nothing.
                continue;
            }
            let n = if n.dot(toward) < 0.0 { -n } else { n };
            let below = (point - p).dot(n);
            if below < 0.0 {
                lift = lift - n * (below * weight);
            }
        }
        if lift.is_finite() {
            point + lift
        } else {
            point
        }
    }

    /// Normals (world space, through `normal_matrix` when the instance transforms: the inverse
    /// transpose) and texture coordinates at the weights' point of the triangle in `slot`;
    /// vertex normals only when `smooth`.
    pub fn surface(&self, slot: u32, weights: [f64; 3], smooth: bool, normal_matrix: Option<&Affine>) -> MeshSurface {
        let [ia, ib, ic] = self.triangles[slot as usize];
        let (a, b, c) = self.corners(slot as usize);
        let to_world = |n: Vector3| match normal_matrix {
            Some(m) => m.vector(n),
            None => n,
        };
        let geometric_normal = to_world(face_normal(a, b, c)).normalize();
        let [wa, wb, wc] = weights;
        let shading_normal = match (&self.normals, smooth) {
            (Some(n), true) => {
                // Each corner's normal in world space, unit length (zero stays zero: "the
                // face's"), then interpolated, as the world-space normals were before.
                let corner = |i: u32| {
                    let u = to_world(vec3(n[i as usize])).normalize();
                    if u.is_finite() {
                        u
                    } else {
                        Vector3::ZERO
                    }
                };
                let s = corner(ia) * wa + corner(ib) * wb + corner(ic) * wc;
                let s = s.normalize();
                if !s.is_finite() {
                    geometric_normal
                } else if s.dot(geometric_normal) < 0.0 {
                    // Interpolation across a sharp fold can point behind the face; keep the
                    // shading normal on the face's side so lighting and refraction agree.
                    -s
                } else {
                    s
                }
            }
            _ => geometric_normal,
        };
        let tex_coords = match &self.uvs {
            Some(uv) => {
                let (ta, tb, tc) = (uv[ia as usize], uv[ib as usize], uv[ic as usize]);
                // In f64, rounded once, like the plane's coordinates: large coordinates
                // interpolated in f32 lose whole texels.
                let at = |k: usize| (ta[k] as f64 * wa + tb[k] as f64 * wb + tc[k] as f64 * wc) as f32;
                TexCoords { u: at(0), v: at(1) }
            }
            None => TexCoords { u: 0.0, v: 0.0 },
        };
        let mix4 = |v: &[[f32; 4]]| {
            let (a, b, c) = (v[ia as usize], v[ib as usize], v[ic as usize]);
            let at = |k: usize| a[k] as f64 * wa + b[k] as f64 * wb + c[k] as f64 * wc;
            [at(0), at(1), at(2), at(3)]
        };
        let tangent = self.tangents.as_deref().map(|t| {
            let mut m = mix4(t);
            // w is ±1 per corner; the sign of the mix is the triangle's handedness.
            m[3] = if m[3] < 0.0 { -1.0 } else { 1.0 };
            m
        });
        let color = self.colors.as_deref().map(mix4);
        MeshSurface { geometric_normal, shading_normal, tex_coords, tangent, color }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: deterministic test data without a crate.
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

        fn index(&mut self, n: usize) -> usize {
            ((self.next() * n as f64) as usize).min(n - 1)
        }
    }

    fn parts(positions: Vec<f64>, indices: Vec<u32>) -> MeshParts {
        let positions: Vec<f32> = positions.iter().map(|&p| p as f32).collect();
        MeshParts::flat(&positions, &indices)
    }

    fn built(p: MeshParts) -> MeshObject {
        let mut mesh = MeshObject::new(p).expect("valid mesh");
        mesh.build_bvh();
        mesh
    }

    /// One triangle of a unit sphere's octant, with the sphere's normals at its corners.
    fn octant(normals: bool) -> MeshObject {
        let mut p = parts(vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0], vec![0, 1, 2]);
        if normals {
            p.normals = Some(vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]].into());
        }
        built(p)
    }

    #[test]
    fn shadow_point_lifts_smooth_hits_toward_the_curved_surface() {
        let centroid = Vector3::new(1.0, 1.0, 1.0) * (1.0 / 3.0);
        let third = [1.0 / 3.0; 3];
        let outward = Vector3::new(1.0, 1.0, 1.0).normalize();
        // Flat: unchanged, bit for bit.
        assert_eq!(octant(false).shadow_point(0, third, centroid, outward, None), centroid);
        // Smooth: each corner's tangent plane (x = 1, y = 1, z = 1) lies above the centroid
        // by 2/3 along its normal; a third of each lift gives (2/9, 2/9, 2/9) added.
        let lifted = octant(true).shadow_point(0, third, centroid, outward, None);
        let expected = centroid + Vector3::new(2.0, 2.0, 2.0) * (1.0 / 9.0);
        assert!((lifted - expected).length() < 1e-12, "{lifted:?} against {expected:?}");
        // At a corner nothing moves: the point is on that corner's tangent plane.
        let corner = Vector3::new(1.0, 0.0, 0.0);
        assert!((octant(true).shadow_point(0, [1.0, 0.0, 0.0], corner, outward, None) - corner).length() < 1e-12);
        // Seen from inside, the normals turn inwards and the point is above every tangent
        // plane already: unchanged.
        assert_eq!(octant(true).shadow_point(0, third, centroid, -outward, None), centroid);
        // Placed by a transform: the lift of the placed octant (scaled by 2, moved).
        let m = Affine::from_trs(
            Vector3::new(2.0, 2.0, 2.0),
            Vector3::new(0.0, 1.0, 0.0),
            0.0,
            Vector3::new(5.0, 0.0, 0.0),
        );
        let nm = m.inverse().unwrap().transposed_linear();
        let placed = octant(true).shadow_point(0, third, m.point(centroid), outward, Some((&m, &nm)));
        assert!((placed - m.point(expected)).length() < 1e-12, "{placed:?}");
    }

    fn ray(origin: Vector3, towards: Vector3) -> Ray {
        Ray { origin, direction: (towards - origin).normalize() }
    }

    /// Random triangles, some sharing vertices, some exact duplicates (distance ties), some
    /// degenerate.
    fn random_mesh(rng: &mut Rng, triangles: usize) -> MeshObject {
        let mut positions = Vec::new();
        let mut indices = Vec::new();
        for _ in 0..triangles {
            let c = Vector3::new(rng.range(-5.0, 5.0), rng.range(-5.0, 5.0), rng.range(-5.0, 5.0));
            let size = rng.range(0.05, 1.5);
            let base = (positions.len() / 3) as u32;
            for _ in 0..3 {
                positions.extend([
                    c.x + rng.range(-size, size),
                    c.y + rng.range(-size, size),
                    c.z + rng.range(-size, size),
                ]);
            }
            indices.extend([base, base + 1, base + 2]);
            let roll = rng.next();
            if roll < 0.1 {
                indices.extend([base + 2, base, base + 1]);
            } else if roll < 0.15 {
                indices.extend([base, base, base + 1]);
            } else if roll < 0.3 && base > 0 {
                indices.extend([base, base - 1, base + 1]);
            }
        }
        built(parts(positions, indices))
    }

    #[test]
    fn bvh_matches_brute_force_bit_for_bit() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for &n in &[1usize, 3, 17, 200, 3000] {
            let mesh = random_mesh(&mut rng, n);
            let mut hits = 0;
            for _ in 0..4000 {
                let origin = Vector3::new(rng.range(-12.0, 12.0), rng.range(-12.0, 12.0), rng.range(-12.0, 12.0));
                // Mostly at (or just beside) a random triangle, so most rays hit something.
                let target = if rng.next() < 0.8 {
                    let (a, b, c) = mesh.corners(rng.index(mesh.triangle_count()));
                    let (wb, wc) = (rng.range(-0.1, 1.0), rng.range(-0.1, 1.0));
                    a + (b - a) * wb * 0.5 + (c - a) * wc * 0.5
                } else {
                    Vector3::new(rng.range(-5.0, 5.0), rng.range(-5.0, 5.0), rng.range(-5.0, 5.0))
                };
                let r = ray(origin, target);
                let limit = if rng.next() < 0.2 { rng.range(0.0, 15.0) } else { f64::INFINITY };
                // Sometimes the triangle the ray is aimed at is the one it leaves.
                let skip = if rng.next() < 0.3 { rng.index(mesh.triangle_count()) as u32 } else { NO_SKIP };
                let fast = mesh.nearest(&r, limit, skip);
                let slow = mesh.nearest_brute_force(&r, limit, skip);
                assert!(fast.is_none_or(|h| h.slot != skip));
                assert_eq!(fast.map(|h| (h.distance.to_bits(), h.slot)), slow.map(|h| (h.distance.to_bits(), h.slot)));
                assert_eq!(fast, slow);
                assert_eq!(mesh.any_hit(&r, limit, skip), slow.is_some());
                hits += fast.is_some() as usize;
            }
            assert!(hits > 1000, "{n} triangles: only {hits} hits, the test would prove little");
        }
    }

    #[test]
    fn duplicate_triangles_tie_to_the_lower_index() {
        let positions = vec![-1.0, -1.0, -2.0, 1.0, -1.0, -2.0, 0.0, 1.0, -2.0];
        let mut indices = Vec::new();
        for _ in 0..40 {
            indices.extend([0u32, 1, 2]);
        }
        let mesh = built(parts(positions, indices));
        let hit = mesh.nearest(&ray(Vector3::ZERO, Vector3::new(0.0, 0.0, -1.0)), f64::INFINITY, NO_SKIP).expect("hit");
        assert_eq!(mesh.triangle_index(hit.slot as usize), 0);
    }

    /// An icosphere: 20 faces subdivided `levels` times, vertices shared, consistently wound.
    fn icosphere(levels: u32) -> (Vec<f64>, Vec<u32>) {
        let t = (1.0 + 5f64.sqrt()) / 2.0;
        let mut v: Vec<Vector3> = [
            (-1.0, t, 0.0),
            (1.0, t, 0.0),
            (-1.0, -t, 0.0),
            (1.0, -t, 0.0),
            (0.0, -1.0, t),
            (0.0, 1.0, t),
            (0.0, -1.0, -t),
            (0.0, 1.0, -t),
            (t, 0.0, -1.0),
            (t, 0.0, 1.0),
            (-t, 0.0, -1.0),
            (-t, 0.0, 1.0),
        ]
        .iter()
        .map(|&(x, y, z)| Vector3::new(x, y, z).normalize())
        .collect();
        let mut f: Vec<[u32; 3]> = vec![
            [0, 11, 5],
            [0, 5, 1],
            [0, 1, 7],
            [0, 7, 10],
            [0, 10, 11],
            [1, 5, 9],
            [5, 11, 4],
            [11, 10, 2],
            [10, 7, 6],
            [7, 1, 8],
            [3, 9, 4],
            [3, 4, 2],
            [3, 2, 6],
            [3, 6, 8],
            [3, 8, 9],
            [4, 9, 5],
            [2, 4, 11],
            [6, 2, 10],
            [8, 6, 7],
            [9, 8, 1],
        ];
        for _ in 0..levels {
            let mut mid = std::collections::HashMap::new();
            let mut next = Vec::new();
            for [a, b, c] in f {
                let mut m = |i: u32, j: u32| {
                    *mid.entry((i.min(j), i.max(j))).or_insert_with(|| {
                        v.push(((v[i as usize] + v[j as usize]) * 0.5).normalize());
                        (v.len() - 1) as u32
                    })
                };
                let (ab, bc, ca) = (m(a, b), m(b, c), m(c, a));
                next.extend([[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]);
            }
            f = next;
        }
        (v.iter().flat_map(|p| [p.x, p.y, p.z]).collect(), f.iter().flatten().copied().collect())
    }

    #[test]
    fn rays_through_shared_edges_and_vertices_never_miss() {
        // A ray from inside a closed mesh must cross it, and so must a ray from outside that
        // enters through an edge or vertex heading inward: aim at the vertices and at points
        // of the shared edges (binary fractions, which lie on the edge up to rounding).
        let (positions, indices) = icosphere(2);
        let mesh = built(parts(positions.clone(), indices.clone()));
        let p = |i: u32| {
            Vector3::new(positions[3 * i as usize], positions[3 * i as usize + 1], positions[3 * i as usize + 2])
        };
        let mut rng = Rng(7);
        let mut rays = 0;
        for tri in indices.chunks_exact(3) {
            for (a, b) in [(tri[0], tri[1]), (tri[1], tri[2]), (tri[2], tri[0])] {
                for s in [0.0, 0.25, 0.5, 0.75] {
                    let target = p(a) + (p(b) - p(a)) * s;
                    let inside = Vector3::new(rng.range(-0.5, 0.5), rng.range(-0.5, 0.5), rng.range(-0.5, 0.5));
                    let wobble = Vector3::new(rng.range(-0.3, 0.3), rng.range(-0.3, 0.3), rng.range(-0.3, 0.3));
                    let outside = target + (target.normalize() + wobble) * rng.range(0.5, 8.0);
                    for origin in [inside, outside] {
                        let r = ray(origin, target);
                        rays += 1;
                        assert!(
                            mesh.nearest(&r, f64::INFINITY, NO_SKIP).is_some(),
                            "crack: ray from {origin:?} to {target:?}"
                        );
                        assert!(mesh.nearest_brute_force(&r, f64::INFINITY, NO_SKIP).is_some());
                        assert!(mesh.any_hit(&r, f64::INFINITY, NO_SKIP));
                    }
                }
            }
        }
        assert!(rays > 3000);
    }

    #[test]
    fn closed_mesh_normals_point_outward() {
        let (positions, indices) = icosphere(1);
        let mesh = built(parts(positions, indices));
        let hit = mesh.nearest(&ray(Vector3::new(0.0, 0.0, 5.0), Vector3::ZERO), f64::INFINITY, NO_SKIP).expect("hit");
        let s = mesh.surface(hit.slot, hit.weights, false, None);
        assert!(s.geometric_normal.z > 0.9, "{:?}", s.geometric_normal);
        // From inside, the same face's normal still points outward (refraction needs that).
        let inside =
            mesh.nearest(&ray(Vector3::ZERO, Vector3::new(0.0, 0.0, 5.0)), f64::INFINITY, NO_SKIP).expect("hit");
        assert!(mesh.surface(inside.slot, inside.weights, false, None).geometric_normal.z > 0.9);
    }

    #[test]
    fn quad_of_two_triangles() {
        // The unit square at y = -2, facing up, with normals and texture coordinates.
        let positions = vec![-1.0, -2.0, -1.0, 1.0, -2.0, -1.0, 1.0, -2.0, -3.0, -1.0, -2.0, -3.0];
        let mut p = parts(positions, vec![0, 2, 3, 0, 1, 2]);
        p.uvs = Some(vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]].into());
        p.normals = Some(vec![[0.0, 1.0, 0.0]; 4].into());
        let mesh = built(p);
        assert_eq!(mesh.triangle_count(), 2);
        let hit =
            mesh.nearest(&ray(Vector3::ZERO, Vector3::new(0.5, -2.0, -1.5)), f64::INFINITY, NO_SKIP).expect("hit");
        let s = mesh.surface(hit.slot, hit.weights, true, None);
        assert!((s.geometric_normal.y - 1.0).abs() < 1e-12);
        assert_eq!(s.shading_normal, Vector3::new(0.0, 1.0, 0.0));
        assert!((s.tex_coords.u - 0.75).abs() < 1e-6 && (s.tex_coords.v - 0.25).abs() < 1e-6, "{:?}", s.tex_coords);
        let d = Vector3::new(0.5, -2.0, -1.5).length();
        assert!((hit.distance - d).abs() < 1e-12);
        // The diagonal itself: one of the two, never a miss.
        for i in 1..20 {
            let s = i as f64 / 20.0;
            let target = Vector3::new(-1.0 + 2.0 * s, -2.0, -1.0 - 2.0 * s);
            assert!(mesh.nearest(&ray(Vector3::ZERO, target), f64::INFINITY, NO_SKIP).is_some());
        }
        assert!(mesh.nearest(&ray(Vector3::ZERO, Vector3::new(1.5, -2.0, -1.5)), f64::INFINITY, NO_SKIP).is_none());
        assert!(!mesh.any_hit(&ray(Vector3::ZERO, Vector3::new(0.5, -2.0, -1.5)), d * 0.5, NO_SKIP));
        assert!(mesh.any_hit(&ray(Vector3::ZERO, Vector3::new(0.5, -2.0, -1.5)), d, NO_SKIP));
    }

    #[test]
    fn bad_parts_are_errors() {
        let ok = || parts(vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0], vec![0, 1, 2]);
        assert!(MeshObject::new(ok()).is_ok());
        let mut p = ok();
        p.positions = vec![[0.0; 3], [1.0, f32::NAN, 0.0], [0.0, 1.0, 0.0]].into();
        assert_eq!(MeshObject::new(p).unwrap_err().0, "position 1 is not finite (NaN)");
        let mut p = ok();
        p.triangles = vec![[0, 1, 3]].into();
        assert_eq!(MeshObject::new(p).unwrap_err().0, "index 3 out of range (0..3)");
        let mut p = ok();
        p.triangles = Vec::new().into();
        assert_eq!(MeshObject::new(p).unwrap_err().0, "has no triangles");
        let mut p = ok();
        p.normals = Some(vec![[0.0; 3]; 2].into());
        assert_eq!(MeshObject::new(p).unwrap_err().0, "2 normals for 3 vertices");
        let mut p = ok();
        p.uvs = Some(vec![[0.0, 0.0], [0.0, f32::INFINITY], [0.0; 2]].into());
        assert_eq!(MeshObject::new(p).unwrap_err().0, "texture coordinate 1 is not finite");
        let mut p = ok();
        p.tangents = Some(vec![[1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.5], [1.0, 0.0, 0.0, -1.0]].into());
        assert_eq!(MeshObject::new(p).unwrap_err().0, "tangent 1: w must be 1 or -1");
    }

    #[test]
    fn a_bvh_read_back_is_checked() {
        let mut rng = Rng(99);
        let mesh = random_mesh(&mut rng, 300);
        let nodes = mesh.bvh().nodes().to_vec();
        let prims = mesh.bvh().prims().to_vec();
        let rebuild = |nodes: Vec<Node>, prims: Vec<u32>| {
            let mut m = mesh.clone();
            m.set_bvh(nodes.into(), prims.into()).map(|_| m)
        };
        let same = rebuild(nodes.clone(), prims.clone()).expect("round trip");
        assert_eq!(same.bvh(), mesh.bvh());
        // A cycle, a child out of range, an inside-out box, a repeated triangle, a short list,
        // NaN bounds: each refused with a message.
        let mut n = nodes.clone();
        n[0].start = 0;
        assert!(rebuild(n, prims.clone()).is_err());
        let mut n = nodes.clone();
        n[0].start = n.len() as u32 - 1;
        assert!(rebuild(n, prims.clone()).is_err());
        let leaf = nodes.iter().position(|n| n.count > 0).expect("a leaf");
        let mut n = nodes.clone();
        n[leaf].max[0] = n[leaf].min[0] - 1.0;
        assert_eq!(rebuild(n, prims.clone()).unwrap_err().0, format!("node {leaf}: bounds must not be inside out"));
        let mut p = prims.clone();
        p[1] = p[0];
        assert_eq!(
            rebuild(nodes.clone(), p).unwrap_err().0,
            format!("leaf order entry 1 names primitive {} a second time", prims[0])
        );
        assert!(rebuild(nodes.clone(), prims[1..].to_vec()).is_err());
        let mut n = nodes.clone();
        n[0].min[0] = f32::NAN;
        assert_eq!(rebuild(n, prims).unwrap_err().0, "node 0: bounds must not be NaN");
    }

    #[test]
    fn smooth_normals_follow_the_former_typescript_rules() {
        // Two triangles folded along x = 0 (y up on the left, tilted on the right) with the
        // fold's vertices split (a seam): the seam's vertices share one area-weighted sum.
        let positions = [
            [-1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.0, 0.0, -1.0],
            [0.0, 0.0, 1.0],
            [1.0, 1.0, 0.0],
            [0.0, 0.0, -1.0],
            [5.0, 5.0, 5.0],
        ];
        let triangles = [[0, 1, 2], [3, 4, 5]];
        let n = smooth_normals(&positions, &triangles);
        let left = face_normal(vec3(positions[0]), vec3(positions[1]), vec3(positions[2]));
        let right = face_normal(vec3(positions[3]), vec3(positions[4]), vec3(positions[5]));
        let unit = |v: Vector3| {
            let u = v.normalize();
            [u.x as f32, u.y as f32, u.z as f32]
        };
        assert_eq!(n[0], unit(left));
        assert_eq!(n[4], unit(right));
        assert_eq!(n[1], unit(left + right));
        assert_eq!(n[3], n[1]);
        assert_eq!(n[2], n[5]);
        // An unused vertex: zero, "use the face's".
        assert_eq!(n[6], [0.0; 3]);
        assert!(left.y > 0.0, "{left:?}");
    }
}
