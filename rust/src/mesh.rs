//! A triangle mesh element: world-space vertices (the transform is applied before the core
//! sees them), optional per-vertex normals and texture coordinates, triangles as corner
//! indices, and a BVH over them. Nearest-hit ties are broken by the lower triangle index, so
//! with the scene's rule (lower element `order` wins) the image never depends on the BVH.

use crate::bounds::{Aabb, NodeStack, RayBox, SlabBox};
use crate::mesh_bvh::{MeshBvh, MeshNode};
use crate::ray::Ray;
use crate::shape::triangle::{face_normal, WatertightRay};
use crate::shape::TexCoords;
use crate::vector::{Point, Vector3};

/// `skip` for queries that exclude no triangle.
pub const NO_SKIP: u32 = u32::MAX;

/// The most triangles one mesh may have (the TypeScript loader documents the same limit).
pub const MAX_TRIANGLES: usize = 16 * 1024 * 1024;

/// A triangle mesh ready to render.
#[derive(Clone, Debug)]
pub struct Mesh {
    positions: Vec<Point>,
    /// Unit vertex normals when the mesh is shaded smooth.
    normals: Option<Vec<Vector3>>,
    uvs: Option<Vec<TexCoords>>,
    triangles: Vec<[u32; 3]>,
    /// `triangles` in the BVH's leaf order, so a leaf's corner indices are read in sequence
    /// rather than through the leaf order. (Copying the corners' positions in leaf order, 72
    /// bytes a triangle instead of 12, was no faster in wasm on the 871k dragon and cost 60 MiB
    /// a worker.)
    leaf_triangles: Vec<[u32; 3]>,
    /// The BVH's nodes with f32 boxes rounded outwards, for traversal: 32 bytes a node
    /// instead of 56, so more of a big mesh's tree stays in cache. Only ever larger than the
    /// exact boxes, so traversal visits everything it would otherwise.
    compact: Vec<CompactNode>,
    bvh: MeshBvh,
    /// Index of its material in the scene.
    pub material: u32,
    /// Position among all elements; breaks distance ties between elements.
    pub order: u32,
}

/// The nearest hit on one mesh: distance, triangle index and the corners' barycentric weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeshHit {
    /// Along the ray, in units of its direction.
    pub distance: f64,
    /// Index of the triangle in the mesh.
    pub triangle: u32,
    /// Barycentric weights of the triangle's three corners.
    pub weights: [f64; 3],
}

/// What shading needs at a hit.
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

/// Parts of a mesh as they arrive (flat arrays), before checking.
pub struct MeshParts {
    /// x, y, z per vertex.
    pub positions: Vec<f64>,
    /// Normal x, y, z per vertex (smooth shading); any length, normalised here.
    pub normals: Option<Vec<f64>>,
    /// u, v per vertex.
    pub uvs: Option<Vec<f32>>,
    /// Three vertex indices per triangle.
    pub indices: Vec<u32>,
    /// Index of its material in the scene.
    pub material: u32,
    /// Position among all elements.
    pub order: u32,
}

impl Mesh {
    /// Checks the parts (finite coordinates, whole triangles, indices in range, matching
    /// attribute lengths, at least one triangle, at most `MAX_TRIANGLES`). The mesh has no
    /// BVH yet ([`Mesh::build_bvh`], [`Mesh::set_bvh`]); until it has one, queries test every
    /// triangle.
    pub fn new(parts: MeshParts) -> Result<Mesh, MeshError> {
        let MeshParts { positions, normals, uvs, indices, material, order } = parts;
        if positions.len() % 3 != 0 {
            return Err(MeshError(format!("positions must be x, y, z triples, got {} numbers", positions.len())));
        }
        let vertex_count = positions.len() / 3;
        if let Some(i) = positions.iter().position(|c| !c.is_finite()) {
            return Err(MeshError(format!("position {} is not finite ({})", i / 3, positions[i])));
        }
        if indices.len() % 3 != 0 {
            return Err(MeshError(format!("indices must be whole triangles, got {} indices", indices.len())));
        }
        if indices.is_empty() {
            return Err(MeshError("has no triangles".into()));
        }
        if indices.len() / 3 > MAX_TRIANGLES {
            return Err(MeshError(format!(
                "{} triangles is more than the limit of {MAX_TRIANGLES}",
                indices.len() / 3
            )));
        }
        if let Some(&i) = indices.iter().find(|&&i| i as usize >= vertex_count) {
            return Err(MeshError(format!("index {i} out of range (0..{vertex_count})")));
        }
        let points: Vec<Point> = positions.chunks_exact(3).map(|c| Vector3::new(c[0], c[1], c[2])).collect();
        let normals = match normals {
            None => None,
            Some(n) if n.len() != positions.len() => {
                return Err(MeshError(format!("{} normal numbers for {} positions", n.len(), positions.len())));
            }
            Some(n) => {
                let mut out = Vec::with_capacity(vertex_count);
                for (i, c) in n.chunks_exact(3).enumerate() {
                    let v = Vector3::new(c[0], c[1], c[2]);
                    let u = v.normalize();
                    // A zero normal (an isolated vertex, or faces that cancel) falls back to
                    // the face's own normal at shading time.
                    out.push(if u.is_finite() {
                        u
                    } else if v.is_finite() {
                        Vector3::ZERO
                    } else {
                        return Err(MeshError(format!("normal {i} is not finite")));
                    });
                }
                Some(out)
            }
        };
        let uvs = match uvs {
            None => None,
            Some(t) if t.len() != vertex_count * 2 => {
                return Err(MeshError(format!("{} texture coordinates for {vertex_count} vertices", t.len())));
            }
            Some(t) => {
                if let Some(i) = t.iter().position(|c| !c.is_finite()) {
                    return Err(MeshError(format!("texture coordinate {} is not finite", i / 2)));
                }
                Some(t.chunks_exact(2).map(|c| TexCoords { u: c[0], v: c[1] }).collect())
            }
        };
        let triangles: Vec<[u32; 3]> = indices.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
        Ok(Mesh {
            positions: points,
            normals,
            uvs,
            triangles,
            leaf_triangles: Vec::new(),
            compact: Vec::new(),
            bvh: MeshBvh::default(),
            material,
            order,
        })
    }

    /// Builds the BVH (binned SAH).
    pub fn build_bvh(&mut self) {
        self.bvh = MeshBvh::build(&self.positions, &self.triangles);
        self.order_leaves();
    }

    /// Takes a BVH built earlier (read from packed bytes), after checking it fits this mesh.
    pub fn set_bvh(&mut self, nodes: Vec<MeshNode>, prims: Vec<u32>) -> Result<(), MeshError> {
        self.bvh = MeshBvh::from_parts(nodes, prims, &self.positions, &self.triangles).map_err(MeshError)?;
        self.order_leaves();
        Ok(())
    }

    /// How many triangles.
    pub fn triangle_count(&self) -> usize {
        self.triangles.len()
    }

    /// The BVH (empty until built or set).
    pub fn bvh(&self) -> &MeshBvh {
        &self.bvh
    }

    /// The mesh's bounds (for a scene-level hierarchy over elements).
    pub fn bounds(&self) -> Aabb {
        self.bvh.nodes().first().map(|n| n.bounds).unwrap_or(Aabb::EMPTY)
    }

    fn order_leaves(&mut self) {
        self.compact = self.bvh.nodes().iter().map(CompactNode::of).collect();
        self.leaf_triangles = self.bvh.prims().iter().map(|&t| self.triangles[t as usize]).collect();
    }

    #[inline(always)]
    fn leaf_corners(&self, k: usize) -> (Point, Point, Point) {
        let [a, b, c] = self.leaf_triangles[k];
        (self.positions[a as usize], self.positions[b as usize], self.positions[c as usize])
    }

    #[inline(always)]
    fn corners(&self, t: u32) -> (Point, Point, Point) {
        let [a, b, c] = self.triangles[t as usize];
        (self.positions[a as usize], self.positions[b as usize], self.positions[c as usize])
    }

    /// The nearest hit not farther than `max_distance`; of hits at the same distance, the
    /// lower triangle index. Triangle `skip` (the one a secondary ray leaves; `NO_SKIP` for
    /// none) is never hit.
    #[inline]
    pub fn nearest(&self, ray: &Ray, max_distance: f64, skip: u32) -> Option<MeshHit> {
        let nodes = &self.compact[..];
        let Some(root) = nodes.first() else { return self.nearest_brute_force(ray, max_distance, skip) };
        let wr = WatertightRay::new(ray);
        let rb = RayBox::new(ray);
        let mut best: Option<MeshHit> = None;
        let mut limit = max_distance;
        if !within(rb.entry(root, limit), limit) {
            return None;
        }
        let mut stack = NodeStack::new();
        let mut node = root;
        loop {
            if node.count > 0 {
                let start = node.start as usize;
                for (k, &t) in self.bvh.prims()[start..start + node.count as usize].iter().enumerate() {
                    if t == skip {
                        continue;
                    }
                    let (a, b, c) = self.leaf_corners(start + k);
                    if let Some(hit) = wr.intersect(a, b, c) {
                        let better = match best {
                            None => hit.distance <= limit,
                            Some(h) => hit.distance < h.distance || (hit.distance == h.distance && t < h.triangle),
                        };
                        if better {
                            limit = hit.distance;
                            best = Some(MeshHit { distance: hit.distance, triangle: t, weights: hit.weights });
                        }
                    }
                }
            } else {
                let l = node.start as usize;
                let (a, b) = (&nodes[l], &nodes[l + 1]);
                // Ties at the bound must still be visited: a lower triangle index there wins.
                let ta = rb.entry(a, limit);
                let tb = rb.entry(b, limit);
                let (near, far, tn, tf) = if ta <= tb { (a, l + 1, ta, tb) } else { (b, l, tb, ta) };
                if within(tn, limit) {
                    if within(tf, limit) {
                        stack.push(far as u32);
                    }
                    node = near;
                    continue;
                }
            }
            loop {
                let Some(i) = stack.pop() else { return best };
                let n = &nodes[i as usize];
                if within(rb.entry(n, limit), limit) {
                    node = n;
                    break;
                }
            }
        }
    }

    /// The same answer as `nearest`, by testing every triangle (for tests and as a reference).
    pub fn nearest_brute_force(&self, ray: &Ray, max_distance: f64, skip: u32) -> Option<MeshHit> {
        let wr = WatertightRay::new(ray);
        let mut best: Option<MeshHit> = None;
        for t in (0..self.triangles.len() as u32).filter(|&t| t != skip) {
            let (a, b, c) = self.corners(t);
            if let Some(hit) = wr.intersect(a, b, c) {
                if hit.distance <= max_distance && best.is_none_or(|h| hit.distance < h.distance) {
                    best = Some(MeshHit { distance: hit.distance, triangle: t, weights: hit.weights });
                }
            }
        }
        best
    }

    /// Whether any triangle is hit at a distance ≤ `max_distance` (shadow rays).
    #[inline]
    pub fn any_hit(&self, ray: &Ray, max_distance: f64, skip: u32) -> bool {
        let nodes = &self.compact[..];
        if nodes.is_empty() {
            return self.any_hit_brute_force(ray, max_distance, skip);
        }
        let wr = WatertightRay::new(ray);
        let rb = RayBox::new(ray);
        let mut stack = NodeStack::new();
        stack.push(0);
        while let Some(i) = stack.pop() {
            let node = &nodes[i as usize];
            if !within(rb.entry(node, max_distance), max_distance) {
                continue;
            }
            if node.count > 0 {
                let start = node.start as usize;
                for (k, &t) in self.bvh.prims()[start..start + node.count as usize].iter().enumerate() {
                    if t == skip {
                        continue;
                    }
                    let (a, b, c) = self.leaf_corners(start + k);
                    if matches!(wr.intersect(a, b, c), Some(h) if h.distance <= max_distance) {
                        return true;
                    }
                }
            } else {
                stack.push(node.start);
                stack.push(node.start + 1);
            }
        }
        false
    }

    /// [`Mesh::any_hit`] by testing every triangle.
    pub fn any_hit_brute_force(&self, ray: &Ray, max_distance: f64, skip: u32) -> bool {
        let wr = WatertightRay::new(ray);
        (0..self.triangles.len() as u32).filter(|&t| t != skip).any(|t| {
            let (a, b, c) = self.corners(t);
            matches!(wr.intersect(a, b, c), Some(h) if h.distance <= max_distance)
        })
    }

    /// Normals and texture coordinates at a hit from `nearest`.
    pub fn surface(&self, hit: &MeshHit) -> MeshSurface {
        self.surface_with_weights(hit.triangle, hit.weights)
    }

    /// Normals and texture coordinates at `point` on `triangle` (barycentric weights from
    /// the point, for callers that kept only the triangle and the hit point).
    pub fn surface_at(&self, triangle: u32, point: Point) -> MeshSurface {
        self.surface_with_weights(triangle, self.weights_at(triangle, point))
    }

    /// Where shadow rays leave a smooth-shaded hit at `point` on `triangle`, seen from the side
    /// `toward` (the geometric normal turned to the viewer): the point lifted to the curved
    /// surface the vertex normals describe, so a coarse mesh does not shadow itself along the
    /// "shadow terminator". For each corner, the part of `point - corner` below the tangent plane
    /// of that corner's normal is removed, and the three lifts are mixed by the barycentric
    /// weights (Hanika, "Hacking the shadow terminator", Ray Tracing Gems II, 2021). A flat mesh
    /// (no normals) returns `point` unchanged.
    pub fn shadow_point(&self, triangle: u32, point: Point, toward: Vector3) -> Point {
        let Some(normals) = &self.normals else { return point };
        let corners = self.triangles[triangle as usize];
        let weights = self.weights_at(triangle, point);
        let mut lift = Vector3::ZERO;
        for (&corner, weight) in corners.iter().zip(weights) {
            let n = normals[corner as usize];
            let n = if n.dot(toward) < 0.0 { -n } else { n };
            let below = (point - self.positions[corner as usize]).dot(n);
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

    /// Barycentric weights of `point` on `triangle`.
    fn weights_at(&self, triangle: u32, point: Point) -> [f64; 3] {
        let (a, b, c) = self.corners(triangle);
        let (v0, v1, v2) = (b - a, c - a, point - a);
        let (d00, d01, d11) = (v0.dot(v0), v0.dot(v1), v1.dot(v1));
        let (d20, d21) = (v2.dot(v0), v2.dot(v1));
        let inv = 1.0 / (d00 * d11 - d01 * d01);
        let wb = (d11 * d20 - d01 * d21) * inv;
        let wc = (d00 * d21 - d01 * d20) * inv;
        [1.0 - wb - wc, wb, wc]
    }

    fn surface_with_weights(&self, triangle: u32, weights: [f64; 3]) -> MeshSurface {
        let [ia, ib, ic] = self.triangles[triangle as usize];
        let (a, b, c) = self.corners(triangle);
        let geometric_normal = face_normal(a, b, c).normalize();
        let [wa, wb, wc] = weights;
        let shading_normal = match &self.normals {
            Some(n) => {
                let s = n[ia as usize] * wa + n[ib as usize] * wb + n[ic as usize] * wc;
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
            None => geometric_normal,
        };
        let tex_coords = match &self.uvs {
            Some(uv) => {
                let (ta, tb, tc) = (uv[ia as usize], uv[ib as usize], uv[ic as usize]);
                // In f64, rounded once, like the plane's coordinates: large coordinates
                // interpolated in f32 lose whole texels.
                let at = |a: f32, b: f32, c: f32| (a as f64 * wa + b as f64 * wb + c as f64 * wc) as f32;
                TexCoords { u: at(ta.u, tb.u, tc.u), v: at(ta.v, tb.v, tc.v) }
            }
            None => TexCoords { u: 0.0, v: 0.0 },
        };
        MeshSurface { geometric_normal, shading_normal, tex_coords }
    }
}

/// Whether a box entered at `t` may hold a hit not farther than `limit`; a miss is +inf.
#[inline(always)]
fn within(t: f64, limit: f64) -> bool {
    t <= limit && t < f64::INFINITY
}

/// f32 coordinates of a box corner.
#[derive(Clone, Copy, Debug)]
struct Corner32 {
    x: f32,
    y: f32,
    z: f32,
}

/// A BVH node for traversal: the box rounded outwards to f32, and `start`/`count` as in
/// [`MeshNode`].
#[derive(Clone, Copy, Debug)]
struct CompactNode {
    min: Corner32,
    max: Corner32,
    start: u32,
    count: u32,
}

impl CompactNode {
    fn of(n: &MeshNode) -> CompactNode {
        // The nearest f32 may lie inside the box: step outwards then.
        let down = |v: f64| {
            let f = v as f32;
            if f as f64 > v {
                f.next_down()
            } else {
                f
            }
        };
        let up = |v: f64| {
            let f = v as f32;
            if (f as f64) < v {
                f.next_up()
            } else {
                f
            }
        };
        let (lo, hi) = (n.bounds.min, n.bounds.max);
        CompactNode {
            min: Corner32 { x: down(lo.x), y: down(lo.y), z: down(lo.z) },
            max: Corner32 { x: up(hi.x), y: up(hi.y), z: up(hi.z) },
            start: n.start,
            count: n.count,
        }
    }
}

impl SlabBox for CompactNode {
    #[inline(always)]
    fn low(&self) -> Vector3 {
        Vector3::new(self.min.x as f64, self.min.y as f64, self.min.z as f64)
    }

    #[inline(always)]
    fn high(&self) -> Vector3 {
        Vector3::new(self.max.x as f64, self.max.y as f64, self.max.z as f64)
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
        MeshParts { positions, normals: None, uvs: None, indices, material: 0, order: 0 }
    }

    fn built(p: MeshParts) -> Mesh {
        let mut mesh = Mesh::new(p).expect("valid mesh");
        mesh.build_bvh();
        mesh
    }

    /// One triangle of a unit sphere's octant, with the sphere's normals at its corners.
    fn octant(normals: bool) -> Mesh {
        let mut p = parts(vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0], vec![0, 1, 2]);
        if normals {
            p.normals = Some(vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        }
        built(p)
    }

    #[test]
    fn shadow_point_lifts_smooth_hits_toward_the_curved_surface() {
        let centroid = Vector3::new(1.0, 1.0, 1.0) * (1.0 / 3.0);
        let outward = Vector3::new(1.0, 1.0, 1.0).normalize();
        // Flat: unchanged, bit for bit.
        assert_eq!(octant(false).shadow_point(0, centroid, outward), centroid);
        // Smooth: each corner's tangent plane (x = 1, y = 1, z = 1) lies above the centroid
        // by 2/3 along its normal; a third of each lift gives (2/9, 2/9, 2/9) added.
        let lifted = octant(true).shadow_point(0, centroid, outward);
        let expected = centroid + Vector3::new(2.0, 2.0, 2.0) * (1.0 / 9.0);
        assert!((lifted - expected).length() < 1e-12, "{lifted:?} against {expected:?}");
        // At a corner nothing moves: the point is on that corner's tangent plane.
        let corner = Vector3::new(1.0, 0.0, 0.0);
        assert!((octant(true).shadow_point(0, corner, outward) - corner).length() < 1e-12);
        // Seen from inside, the normals turn inwards and the point is above every tangent
        // plane already: unchanged.
        assert_eq!(octant(true).shadow_point(0, centroid, -outward), centroid);
    }

    fn ray(origin: Vector3, towards: Vector3) -> Ray {
        Ray { origin, direction: (towards - origin).normalize() }
    }

    /// Random triangles, some sharing vertices, some exact duplicates (distance ties), some
    /// degenerate.
    fn random_mesh(rng: &mut Rng, triangles: usize) -> Mesh {
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
                    let (a, b, c) = mesh.corners(rng.index(mesh.triangle_count()) as u32);
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
                assert!(fast.is_none_or(|h| h.triangle != skip));
                assert_eq!(
                    fast.map(|h| (h.distance.to_bits(), h.triangle)),
                    slow.map(|h| (h.distance.to_bits(), h.triangle))
                );
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
        assert_eq!(hit.triangle, 0);
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
        let s = mesh.surface(&hit);
        assert!(s.geometric_normal.z > 0.9, "{:?}", s.geometric_normal);
        // From inside, the same face's normal still points outward (refraction needs that).
        let inside =
            mesh.nearest(&ray(Vector3::ZERO, Vector3::new(0.0, 0.0, 5.0)), f64::INFINITY, NO_SKIP).expect("hit");
        assert!(mesh.surface(&inside).geometric_normal.z > 0.9);
    }

    #[test]
    fn quad_of_two_triangles() {
        // The unit square at y = -2, facing up, with normals and texture coordinates.
        let positions = vec![-1.0, -2.0, -1.0, 1.0, -2.0, -1.0, 1.0, -2.0, -3.0, -1.0, -2.0, -3.0];
        let mut p = parts(positions, vec![0, 2, 3, 0, 1, 2]);
        p.uvs = Some(vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]);
        p.normals = Some(vec![0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0]);
        let mesh = built(p);
        assert_eq!(mesh.triangle_count(), 2);
        let hit =
            mesh.nearest(&ray(Vector3::ZERO, Vector3::new(0.5, -2.0, -1.5)), f64::INFINITY, NO_SKIP).expect("hit");
        let s = mesh.surface(&hit);
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
        assert!(Mesh::new(ok()).is_ok());
        let mut p = ok();
        p.positions[4] = f64::NAN;
        assert_eq!(Mesh::new(p).unwrap_err().0, "position 1 is not finite (NaN)");
        let mut p = ok();
        p.indices = vec![0, 1, 3];
        assert_eq!(Mesh::new(p).unwrap_err().0, "index 3 out of range (0..3)");
        let mut p = ok();
        p.indices = vec![];
        assert!(Mesh::new(p).is_err());
        let mut p = ok();
        p.indices = vec![0, 1];
        assert!(Mesh::new(p).is_err());
        let mut p = ok();
        p.normals = Some(vec![0.0; 6]);
        assert!(Mesh::new(p).is_err());
        let mut p = ok();
        p.uvs = Some(vec![0.0; 5]);
        assert!(Mesh::new(p).is_err());
    }

    #[test]
    fn a_bvh_read_back_is_checked() {
        let mut rng = Rng(99);
        let mesh = random_mesh(&mut rng, 300);
        let nodes = mesh.bvh().nodes().to_vec();
        let prims = mesh.bvh().prims().to_vec();
        let rebuild = |nodes: Vec<MeshNode>, prims: Vec<u32>| {
            let p = MeshParts {
                positions: mesh.positions.iter().flat_map(|p| [p.x, p.y, p.z]).collect(),
                normals: None,
                uvs: None,
                indices: mesh.triangles.iter().flatten().copied().collect(),
                material: 0,
                order: 0,
            };
            let mut m = Mesh::new(p).expect("valid");
            m.set_bvh(nodes, prims).map(|_| m)
        };
        let same = rebuild(nodes.clone(), prims.clone()).expect("round trip");
        assert_eq!(same.bvh(), mesh.bvh());
        // A cycle, a child out of range, a shrunk box, a repeated triangle, a short list.
        let mut n = nodes.clone();
        n[0].start = 0;
        assert!(rebuild(n, prims.clone()).is_err());
        let mut n = nodes.clone();
        n[0].start = n.len() as u32 - 1;
        assert!(rebuild(n, prims.clone()).is_err());
        let leaf = nodes.iter().position(|n| n.count > 0).expect("a leaf");
        let mut n = nodes.clone();
        n[leaf].bounds.max = n[leaf].bounds.min;
        assert!(rebuild(n, prims.clone()).is_err());
        let mut p = prims.clone();
        p[1] = p[0];
        assert!(rebuild(nodes.clone(), p).is_err());
        assert!(rebuild(nodes.clone(), prims[1..].to_vec()).is_err());
        let mut n = nodes.clone();
        n[0].bounds.min.x = f64::NAN;
        assert!(rebuild(n, prims).is_err());
    }
}
