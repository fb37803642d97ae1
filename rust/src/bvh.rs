//! The one bounding volume hierarchy of the core, used at both levels of the scene: over the
//! spheres and instances (the top level) and over each mesh object's triangles. One node type
//! ([`Node`], f32 boxes rounded outwards, 32 bytes), one builder (binned surface-area
//! heuristic over the primitives' boxes, [`Bvh::build`]), one validator ([`Bvh::from_parts`],
//! the structural checks a worker makes on a BVH read from packed bytes) and one traversal
//! ([`Bvh::nearest`], [`Bvh::any_hit`]), generic over what a leaf's primitives are: the caller
//! intersects them. Queries visit every node a hit not farther than the current limit could be
//! in (ties at the limit included), so with the callers' tie rules the result is exactly a
//! brute-force scan's: the BVH is an optimisation only.

use crate::array::{Array, Pod};
pub use crate::bounds::{Aabb, MAX_DEPTH};
use crate::bounds::{RayBox, SlabBox};
use crate::vector::Vector3;
use crate::wide::Wide;

const LEAF_SIZE: usize = 4;
const BINS: usize = 16;

/// Something a BVH can be built over: its box, padded by the caller so that rounding in its
/// intersection test never reports a hit outside it.
pub trait Bounded {
    /// The (padded) box.
    fn bounds(&self) -> Aabb;
}

impl Bounded for Aabb {
    fn bounds(&self) -> Aabb {
        *self
    }
}

/// One node, as stored in memory and in the packed scene's prepared section. A leaf
/// (`count > 0`) covers leaf-order primitives `start .. start + count`; an interior node
/// (`count == 0`) has its children at `start` and `start + 1`, always after itself.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Node {
    /// The lowest corner, rounded down to f32.
    pub min: [f32; 3],
    /// The highest corner, rounded up to f32.
    pub max: [f32; 3],
    /// First leaf-order primitive (leaf) or first child (interior).
    pub start: u32,
    /// Primitives in a leaf; 0 for an interior node.
    pub count: u32,
}

/// Bytes of a [`Node`] in the packed scene.
pub const NODE_BYTES: usize = 32;

const _: () = assert!(std::mem::size_of::<Node>() == NODE_BYTES && std::mem::align_of::<Node>() == 4);

// SAFETY: `repr(C)` of six f32 and two u32: 32 bytes, no padding, alignment 4, any bit pattern
// valid; the packed format stores exactly this on a little-endian machine.
unsafe impl Pod for Node {}

impl Node {
    /// The node with `bounds` rounded outwards to f32 (so it only ever grows).
    pub fn new(bounds: &Aabb, start: u32, count: u32) -> Node {
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
        let (lo, hi) = (bounds.min, bounds.max);
        Node { min: [down(lo.x), down(lo.y), down(lo.z)], max: [up(hi.x), up(hi.y), up(hi.z)], start, count }
    }

    /// The box in f64.
    pub fn bounds(&self) -> Aabb {
        Aabb { min: self.low(), max: self.high() }
    }

    /// The node as the packed scene stores it.
    pub fn to_bytes(&self) -> [u8; NODE_BYTES] {
        let mut out = [0u8; NODE_BYTES];
        let values = [self.min[0], self.min[1], self.min[2], self.max[0], self.max[1], self.max[2]];
        for (i, v) in values.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        out[24..28].copy_from_slice(&self.start.to_le_bytes());
        out[28..32].copy_from_slice(&self.count.to_le_bytes());
        out
    }

    /// The node from its packed bytes (at least [`NODE_BYTES`] long).
    pub fn from_bytes(b: &[u8]) -> Node {
        let f = |i: usize| f32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
        let u = |i: usize| u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
        Node { min: [f(0), f(1), f(2)], max: [f(3), f(4), f(5)], start: u(6), count: u(7) }
    }
}

impl SlabBox for Node {
    #[inline(always)]
    fn low(&self) -> Vector3 {
        Vector3::new(self.min[0] as f64, self.min[1] as f64, self.min[2] as f64)
    }

    #[inline(always)]
    fn high(&self) -> Vector3 {
        Vector3::new(self.max[0] as f64, self.max[1] as f64, self.max[2] as f64)
    }
}

/// The hierarchy: nodes (the root first) and the primitives' indices in leaf order. Owners
/// keep their primitives in leaf order, so a leaf's `start .. start + count` indexes them
/// directly and `prims[k]` is the original index of the primitive in slot `k`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bvh {
    nodes: Array<Node>,
    prims: Array<u32>,
    /// The same tree, four children to a node, for traversal ([`crate::wide`]).
    wide: Wide,
}

/// A node while building: f64 bounds.
#[derive(Clone, Copy)]
struct Building {
    bounds: Aabb,
    start: u32,
    count: u32,
}

/// A primitive as the builder sees it: its box, whose centre is the centroid used for
/// binning. Kept small and partitioned in place, so passes read memory in order.
#[derive(Clone, Copy)]
struct Prim {
    bounds: Aabb,
    id: u32,
}

impl Prim {
    #[inline(always)]
    fn centroid(&self, axis: usize) -> f64 {
        (self.bounds.min.get(axis) + self.bounds.max.get(axis)) * 0.5
    }

    #[inline(always)]
    fn centroid_point(&self) -> Vector3 {
        (self.bounds.min + self.bounds.max) * 0.5
    }
}

/// A node still to be made: its primitives, and their bounds and centroid bounds (known from
/// the parent's bins, so no extra pass over the primitives).
#[derive(Clone, Copy)]
struct Pending {
    node: usize,
    first: usize,
    count: usize,
    depth: usize,
    bounds: Aabb,
    centroids: Aabb,
}

/// Where to split and the two sides' bounds.
struct Split {
    axis: usize,
    /// Primitives whose centroid bin (along `axis`, from `lo` with `scale`) is ≤ `last_bin`
    /// go left.
    lo: f64,
    scale: f64,
    last_bin: usize,
    left: (Aabb, Aabb),
    right: (Aabb, Aabb),
}

impl Bvh {
    /// Builds over the primitives' boxes (binned SAH). Boxes must not be NaN; infinite ones
    /// are fine (they stay in big leaves).
    pub fn build<P: Bounded>(items: &[P]) -> Bvh {
        if items.is_empty() {
            return Bvh::default();
        }
        let mut bounds = Aabb::EMPTY;
        let mut centroids = Aabb::EMPTY;
        let mut prims: Vec<Prim> = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let prim = Prim { bounds: item.bounds(), id: i as u32 };
                bounds.grow(&prim.bounds);
                centroids.grow_point(prim.centroid_point());
                prim
            })
            .collect();
        let mut nodes = Vec::with_capacity(2 * items.len() / LEAF_SIZE + 1);
        nodes.push(Building { bounds: Aabb::EMPTY, start: 0, count: 0 });
        let mut work = vec![Pending { node: 0, first: 0, count: prims.len(), depth: 0, bounds, centroids }];
        while let Some(job) = work.pop() {
            if let Some((left, right)) = split_node(&mut prims, &mut nodes, job) {
                work.push(right);
                work.push(left);
            }
        }
        let nodes: Vec<Node> = nodes.iter().map(|n| Node::new(&n.bounds, n.start, n.count)).collect();
        Bvh {
            wide: Wide::from_binary(&nodes),
            nodes: nodes.into(),
            prims: prims.iter().map(|p| p.id).collect::<Vec<_>>().into(),
        }
    }

    /// Takes nodes and leaf order as read from bytes and checks, in O(nodes + primitives),
    /// everything traversal relies on: one tree rooted at node 0 whose children follow their
    /// parent and are among the nodes, every node the child of exactly one other (the root of
    /// none), no deeper than [`MAX_DEPTH`], boxes not NaN and not inside out, leaves covering
    /// every primitive slot exactly once, and `prims` a permutation of `0..prim_count`. Not
    /// checked: that boxes hold their primitives (a wrong box can only make an image wrong;
    /// [`Bvh::build`] makes right ones). The message names the first bad node.
    pub fn from_parts(nodes: Array<Node>, prims: Array<u32>, prim_count: u32) -> Result<Bvh, String> {
        if prims.len() as u64 != prim_count as u64 {
            return Err(format!("the leaf order lists {} primitives, there are {prim_count}", prims.len()));
        }
        let mut seen = vec![false; prims.len()];
        for (k, &p) in prims.iter().enumerate() {
            match seen.get_mut(p as usize) {
                None => return Err(format!("leaf order entry {k} is {p}, out of range ({prim_count} primitives)")),
                Some(s) if *s => return Err(format!("leaf order entry {k} names primitive {p} a second time")),
                Some(s) => *s = true,
            }
        }
        if nodes.is_empty() {
            return if prim_count == 0 {
                Ok(Bvh::default())
            } else {
                Err(format!("no nodes for {prim_count} primitives"))
            };
        }
        let n = nodes.len();
        let mut depth = vec![0u8; n];
        let mut parents = vec![false; n];
        // The size of the leaf starting at each primitive slot (0: none), to check in one pass
        // that the leaves tile the slots.
        let mut leaf_at = vec![0u32; prims.len()];
        let mut leaves = 0usize;
        for (i, node) in nodes.iter().enumerate() {
            let values = [node.min[0], node.min[1], node.min[2], node.max[0], node.max[1], node.max[2]];
            if values.iter().any(|v| v.is_nan()) {
                return Err(format!("node {i}: bounds must not be NaN"));
            }
            if (0..3).any(|a| node.min[a] > node.max[a]) {
                return Err(format!("node {i}: bounds must not be inside out"));
            }
            if i > 0 && !parents[i] {
                return Err(format!("node {i}: no node has it as a child"));
            }
            if node.count > 0 {
                if node.start as u64 + node.count as u64 > prim_count as u64 {
                    return Err(format!(
                        "node {i}: leaf primitives {}..{} are out of range ({prim_count} primitives)",
                        node.start,
                        node.start as u64 + node.count as u64
                    ));
                }
                if std::mem::replace(&mut leaf_at[node.start as usize], node.count) != 0 {
                    return Err(format!("node {i}: another leaf starts at primitive {} too", node.start));
                }
                leaves += 1;
                continue;
            }
            let left = node.start as usize;
            if left <= i || left as u64 + 1 >= n as u64 {
                return Err(format!(
                    "node {i}: children {left} and {} must follow it and be among the {n} nodes",
                    left as u64 + 1
                ));
            }
            if depth[i] as usize >= MAX_DEPTH {
                return Err(format!("node {i}: the tree is deeper than {MAX_DEPTH} levels"));
            }
            for child in [left, left + 1] {
                if std::mem::replace(&mut parents[child], true) {
                    return Err(format!("node {child}: it is the child of two nodes"));
                }
                depth[child] = depth[i] + 1;
            }
        }
        // Walk the leaves in slot order: each must start where the last ended, and every leaf
        // must be met (one skipped over overlaps another).
        let (mut next, mut met) = (0usize, 0usize);
        while next < prims.len() {
            let count = leaf_at[next] as usize;
            if count == 0 {
                return Err(format!("the leaves must cover every primitive exactly once (primitive {next})"));
            }
            next += count;
            met += 1;
        }
        if met != leaves {
            return Err(format!(
                "the leaves must cover every primitive exactly once ({leaves} leaves, {met} in order)"
            ));
        }
        Ok(Bvh { wide: Wide::from_binary(&nodes), nodes, prims })
    }

    /// The nodes, root first.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The original index of the primitive in each leaf-order slot.
    pub fn prims(&self) -> &[u32] {
        &self.prims
    }

    /// Whether there is no tree (no primitives, or a brute-force scene).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The root's box; empty for an empty tree.
    pub fn bounds(&self) -> Aabb {
        self.nodes.first().map_or(Aabb::EMPTY, Node::bounds)
    }

    /// The surface-area-heuristic cost of the tree, with traversal and intersection costing 1
    /// each: Σ interior boxes' areas + Σ leaves' areas × their primitives, over the root's
    /// area (the expected work for a ray through the root, as `bench/embree_rays.c` adds it
    /// up for Embree's builder). 0 for an empty tree.
    pub fn sah_cost(&self) -> f64 {
        let Some(root) = self.nodes.first() else { return 0.0 };
        let root_area = root.bounds().half_area();
        if !(root_area > 0.0) {
            return 0.0;
        }
        let total: f64 =
            self.nodes.iter().map(|n| n.bounds().half_area() * if n.count > 0 { n.count as f64 } else { 1.0 }).sum();
        total / root_area
    }

    /// Visits, nearest box first, every leaf that may hold a hit not farther than the limit:
    /// `leaf(start, count, limit)` tests leaf-order slots `start .. start + count` and returns
    /// the new limit (the nearest hit so far, or `limit` unchanged). Boxes entered exactly at
    /// the limit are still visited: a tie there may win by order. Traversal runs on the 4-wide
    /// view of the tree, whose box test only ever keeps more boxes than the exact one.
    #[inline(always)]
    pub fn nearest<F: FnMut(usize, usize, f64) -> f64>(&self, rb: &RayBox, limit: f64, leaf: F) {
        self.wide.nearest(rb, limit, leaf)
    }

    /// Whether `leaf(start, count)` says yes for a leaf whose box the ray enters within
    /// `max_distance` (shadow rays: any hit will do).
    #[inline(always)]
    pub fn any_hit<F: FnMut(usize, usize) -> bool>(&self, rb: &RayBox, max_distance: f64, leaf: F) -> bool {
        self.wide.any(rb, max_distance, leaf)
    }
}

/// Makes one node a leaf or splits it, returning the children to do.
/// Not inlined: V8 cannot move a running wasm function to optimised code, and `build` runs once.
#[inline(never)]
fn split_node(prims: &mut [Prim], nodes: &mut Vec<Building>, job: Pending) -> Option<(Pending, Pending)> {
    let Pending { node, first, count, depth, bounds, centroids } = job;
    nodes[node].bounds = bounds;
    let slice = &mut prims[first..first + count];
    let split = if count <= LEAF_SIZE || depth >= MAX_DEPTH { None } else { choose_split(slice, &centroids, &bounds) };
    let Some(split) = split else {
        nodes[node].start = first as u32;
        nodes[node].count = count as u32;
        return None;
    };
    let Split { axis, lo, scale, last_bin, left: (lb, lc), right: (rb, rc) } = split;
    // The same bin arithmetic as the binning, so each side's bounds are exactly its bins'.
    let mid = partition(slice, |p| bin_of(p.centroid(axis), lo, scale) <= last_bin);
    debug_assert!(mid > 0 && mid < count);
    let left = nodes.len();
    nodes.push(Building { bounds: Aabb::EMPTY, start: 0, count: 0 });
    nodes.push(Building { bounds: Aabb::EMPTY, start: 0, count: 0 });
    nodes[node].start = left as u32;
    nodes[node].count = 0;
    Some((
        Pending { node: left, first, count: mid, depth: depth + 1, bounds: lb, centroids: lc },
        Pending { node: left + 1, first: first + mid, count: count - mid, depth: depth + 1, bounds: rb, centroids: rc },
    ))
}

#[inline(always)]
fn bin_of(centroid: f64, lo: f64, scale: f64) -> usize {
    (((centroid - lo) * scale) as usize).min(BINS - 1)
}

/// Binned SAH along the axis where the centroids spread most (binning one axis instead of
/// three, and taking the children's bounds from the bins, made building the 871k-triangle
/// dragon about 3x faster), with the cost of visiting a node counted as one triangle test.
/// `None` when no split beats a leaf; when many triangles share one bin spread, the bins are
/// made finer until they separate (`None` only if all centroids coincide).
#[inline(never)]
fn choose_split(prims: &[Prim], cb: &Aabb, nb: &Aabb) -> Option<Split> {
    let d = cb.max - cb.min;
    let axis = if d.x >= d.y && d.x >= d.z {
        0
    } else if d.y >= d.z {
        1
    } else {
        2
    };
    let (lo, extent) = (cb.min.get(axis), d.get(axis));
    if !(extent > 0.0) {
        return None;
    }
    let scale = BINS as f64 / extent;
    let mut bin_bounds = [Aabb::EMPTY; BINS];
    let mut bin_centroids = [Aabb::EMPTY; BINS];
    let mut bin_count = [0usize; BINS];
    for p in prims {
        let bin = bin_of(p.centroid(axis), lo, scale);
        bin_count[bin] += 1;
        bin_bounds[bin].grow(&p.bounds);
        bin_centroids[bin].grow_point(p.centroid_point());
    }
    let mut right_area = [0.0f64; BINS];
    let mut acc = Aabb::EMPTY;
    for b in (1..BINS).rev() {
        acc.grow(&bin_bounds[b]);
        right_area[b] = acc.half_area();
    }
    let parent = nb.half_area();
    let total = prims.len();
    let mut best: Option<usize> = None;
    let mut best_cost = total as f64 * parent;
    let mut acc = Aabb::EMPTY;
    let mut n = 0;
    let mut first_split = None;
    for b in 0..BINS - 1 {
        acc.grow(&bin_bounds[b]);
        n += bin_count[b];
        if n == 0 || n == total {
            continue;
        }
        first_split.get_or_insert(b);
        let cost = parent + n as f64 * acc.half_area() + (total - n) as f64 * right_area[b + 1];
        if cost < best_cost {
            best_cost = cost;
            best = Some(b);
        }
    }
    if best.is_none() && total > 4 * LEAF_SIZE {
        // No gain by SAH, but the leaf would be large: split anyway (the centroids spread, so
        // some bin boundary separates them).
        best = first_split;
    }
    let last_bin = best?;
    let mut left = (Aabb::EMPTY, Aabb::EMPTY);
    let mut right = (Aabb::EMPTY, Aabb::EMPTY);
    for b in 0..BINS {
        let side = if b <= last_bin { &mut left } else { &mut right };
        side.0.grow(&bin_bounds[b]);
        side.1.grow(&bin_centroids[b]);
    }
    Some(Split { axis, lo, scale, last_bin, left, right })
}

/// In-place partition; returns the number of items for which `pred` holds.
fn partition<T>(items: &mut [T], pred: impl Fn(&T) -> bool) -> usize {
    let mut i = 0;
    for j in 0..items.len() {
        if pred(&items[j]) {
            items.swap(i, j);
            i += 1;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ray::Ray;
    use crate::shape::triangle::WatertightRay;
    use crate::shape::Sphere;

    use crate::test_rng::Rng;

    /// The nearest (distance, index) of `hit` over all primitives, lowest index on ties.
    fn brute(n: usize, limit: f64, hit: impl Fn(usize) -> Option<f64>) -> Option<(f64, usize)> {
        let mut best: Option<(f64, usize)> = None;
        for i in 0..n {
            if let Some(d) = hit(i) {
                if d <= limit && best.is_none_or(|(b, _)| d < b) {
                    best = Some((d, i));
                }
            }
        }
        best
    }

    /// The same through the BVH: leaves test their slots (primitives in leaf order).
    fn traversed(bvh: &Bvh, ray: &Ray, limit: f64, hit: impl Fn(usize) -> Option<f64>) -> Option<(f64, usize)> {
        let mut best: Option<(f64, usize)> = None;
        bvh.nearest(&RayBox::new(ray), limit, |start, count, limit| {
            let mut limit = limit;
            for slot in start..start + count {
                let id = bvh.prims()[slot] as usize;
                if let Some(d) = hit(id) {
                    let better = match best {
                        None => d <= limit,
                        Some((b, bid)) => d < b || (d == b && id < bid),
                    };
                    if better {
                        best = Some((d, id));
                        limit = d;
                    }
                }
            }
            limit
        });
        best
    }

    fn any(bvh: &Bvh, ray: &Ray, limit: f64, hit: impl Fn(usize) -> Option<f64>) -> bool {
        bvh.any_hit(&RayBox::new(ray), limit, |start, count| {
            (start..start + count).any(|slot| matches!(hit(bvh.prims()[slot] as usize), Some(d) if d <= limit))
        })
    }

    #[test]
    fn one_bvh_answers_like_brute_force_for_spheres_and_triangles() {
        let mut rng = Rng(0xB0B);
        for &n in &[1usize, 5, 40, 700] {
            // Spheres, with exact duplicates for ties.
            let mut spheres: Vec<Sphere> = (0..n)
                .map(|i| Sphere {
                    center: rng.point(8.0),
                    radius: rng.range(0.1, 1.5),
                    material: crate::material::MaterialId(0),
                    order: i as u32,
                })
                .collect();
            if n > 4 {
                spheres[3] = Sphere { order: 3, ..spheres[1] };
            }
            let sphere_boxes: Vec<Aabb> = spheres
                .iter()
                .map(|s| {
                    let h = s.radius * (1.0 + 1e-6) + 1e-8;
                    Aabb { min: s.center - Vector3::new(h, h, h), max: s.center + Vector3::new(h, h, h) }
                })
                .collect();
            // Triangles, some duplicated.
            let mut triangles: Vec<[Vector3; 3]> = (0..n)
                .map(|_| {
                    let c = rng.point(8.0);
                    [c + rng.point(1.0), c + rng.point(1.0), c + rng.point(1.0)]
                })
                .collect();
            if n > 4 {
                triangles[4] = triangles[2];
            }
            let triangle_boxes: Vec<Aabb> = triangles
                .iter()
                .map(|t| {
                    let mut b = Aabb::EMPTY;
                    t.iter().for_each(|&p| b.grow_point(p));
                    Aabb { min: b.min - Vector3::new(1e-8, 1e-8, 1e-8), max: b.max + Vector3::new(1e-8, 1e-8, 1e-8) }
                })
                .collect();
            let (sb, tb) = (Bvh::build(&sphere_boxes), Bvh::build(&triangle_boxes));
            for bvh in [&sb, &tb] {
                let checked =
                    Bvh::from_parts(bvh.nodes().to_vec().into(), bvh.prims().to_vec().into(), n as u32).unwrap();
                assert_eq!(&checked, bvh);
            }
            let mut hits = 0;
            for _ in 0..3000 {
                let origin = rng.point(14.0);
                let target = if rng.next() < 0.7 {
                    spheres[(rng.next() * n as f64) as usize % n].center
                } else {
                    rng.point(8.0)
                };
                let ray = Ray { origin, direction: (target - origin).normalize() };
                let limit = if rng.next() < 0.2 { rng.range(0.0, 20.0) } else { f64::INFINITY };
                let sphere_hit = |i: usize| spheres[i].intersect(&ray);
                let wr = WatertightRay::new(&ray);
                let triangle_hit = |i: usize| {
                    let [a, b, c] = triangles[i];
                    wr.intersect(a, b, c).map(|h| h.distance)
                };
                let expected = brute(n, limit, sphere_hit);
                assert_eq!(traversed(&sb, &ray, limit, sphere_hit), expected);
                assert_eq!(any(&sb, &ray, limit, sphere_hit), expected.is_some());
                let expected_t = brute(n, limit, triangle_hit);
                assert_eq!(traversed(&tb, &ray, limit, triangle_hit), expected_t);
                assert_eq!(any(&tb, &ray, limit, triangle_hit), expected_t.is_some());
                hits += expected.is_some() as usize + expected_t.is_some() as usize;
            }
            assert!(hits > 1000, "{n}: only {hits} hits");
        }
    }

    #[test]
    fn sah_cost_adds_areas_over_the_root() {
        // Two unit cubes side by side: the root (2×1×1, half area 5) and two leaves of one
        // cube each (half area 3): (5 + 3 + 3) / 5.
        let cube = |x: f64| Aabb { min: Vector3::new(x, 0.0, 0.0), max: Vector3::new(x + 1.0, 1.0, 1.0) };
        let items: Vec<Aabb> = (0..2).map(|i| cube(i as f64)).collect();
        let mut bvh = Bvh::build(&items);
        assert_eq!(bvh.nodes().len(), 1, "two boxes fit in one leaf");
        assert!((bvh.sah_cost() - 2.0).abs() < 1e-6, "one leaf of 2: {}", bvh.sah_cost());
        let many: Vec<Aabb> = (0..8).map(|i| cube(2.0 * i as f64)).collect();
        bvh = Bvh::build(&many);
        let manual: f64 = bvh.nodes().iter().map(|n| n.bounds().half_area() * n.count.max(1) as f64).sum::<f64>()
            / bvh.nodes()[0].bounds().half_area();
        assert!((bvh.sah_cost() - manual).abs() < 1e-9);
        assert!(bvh.sah_cost() < 8.0, "better than one leaf of 8");
        assert_eq!(Bvh::default().sah_cost(), 0.0);
    }

    #[test]
    fn nodes_round_trip_through_bytes_and_only_grow_in_f32() {
        let b = Aabb { min: Vector3::new(0.1, -1e-40, 1e300), max: Vector3::new(0.3, 2.0, f64::INFINITY) };
        let n = Node::new(&b, 7, 3);
        assert!(n.bounds().contains(&b));
        assert_eq!(Node::from_bytes(&n.to_bytes()), n);
    }
}
