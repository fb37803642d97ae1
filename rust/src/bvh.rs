//! A bounding volume hierarchy over spheres (binned SAH). Planes are unbounded and stay in a
//! flat list. Queries return exactly what a brute-force scan returns, including which sphere
//! wins a distance tie, so the BVH is an optimisation only.

pub use crate::bounds::{Aabb, MAX_DEPTH};
use crate::bounds::{NodeStack, RayBox};
use crate::ray::Ray;
use crate::shape::{ShapeKind, Sphere};
use crate::vector::Vector3;

const LEAF_SIZE: usize = 4;
const BINS: usize = 16;

/// One node of the hierarchy; node 0 is the root and children always follow their parent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    /// Bounds every sphere below the node.
    pub bounds: Aabb,
    /// Leaf: first sphere; interior: index of the left child (the right one follows it).
    pub start: u32,
    /// Number of spheres in a leaf; 0 marks an interior node.
    pub count: u32,
}

/// The hierarchy over a scene's spheres, which it keeps in leaf order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bvh {
    nodes: Vec<Node>,
}

/// The nearest hit found so far: compared as (distance, element order), like a stable
/// brute-force scan that keeps the first minimum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Nearest {
    /// Along the ray; +inf when nothing was hit.
    pub distance: f64,
    /// The element's position in the scene; `u32::MAX` when nothing was hit.
    pub order: u32,
    /// Index into the scene's list of `kind`.
    pub index: u32,
    /// Which list `index` points into.
    pub kind: ShapeKind,
    /// Within the element: a mesh's triangle; 0 for other kinds.
    pub part: u32,
}

impl Nearest {
    /// No hit yet: every real hit is nearer.
    pub const NONE: Nearest =
        Nearest { distance: f64::INFINITY, order: u32::MAX, index: u32::MAX, kind: ShapeKind::Plane, part: 0 };

    /// Whether anything was hit.
    #[inline(always)]
    pub fn is_hit(&self) -> bool {
        self.order != u32::MAX
    }

    /// NaN distances never win (the original would have panicked on them).
    #[inline(always)]
    /// Keeps the hit if it is nearer, or as near and earlier in the scene.
    pub fn offer(&mut self, distance: f64, order: u32, index: u32, kind: ShapeKind) {
        self.offer_part(distance, order, index, kind, 0);
    }

    /// [`Nearest::offer`] for a hit on part of an element (a mesh's triangle).
    #[inline(always)]
    pub fn offer_part(&mut self, distance: f64, order: u32, index: u32, kind: ShapeKind, part: u32) {
        if distance < self.distance || (distance == self.distance && order < self.order) {
            *self = Nearest { distance, order, index, kind, part };
        }
    }
}

/// A sphere as the builder sees it. Kept in one contiguous array that is partitioned in place,
/// so every pass over a node's spheres reads memory sequentially (with 100,000 spheres an
/// index indirection made the build cache-bound).
#[derive(Clone, Copy)]
struct Prim {
    center: Vector3,
    /// Radius plus padding: rounding in the sphere test may report a grazing hit slightly
    /// outside the exact sphere, and that hit must still be inside its box.
    half: f64,
    id: u32,
}

impl Prim {
    #[inline(always)]
    fn bounds(&self) -> Aabb {
        let e = Vector3::new(self.half, self.half, self.half);
        Aabb { min: self.center - e, max: self.center + e }
    }
}

impl Bvh {
    /// Reorders `spheres` into leaf order. Their `order` fields keep the original ordering.
    pub fn build(spheres: &mut Vec<Sphere>) -> Bvh {
        if spheres.is_empty() {
            return Bvh { nodes: Vec::new() };
        }
        let extent = spheres
            .iter()
            .map(|s| s.center.x.abs().max(s.center.y.abs()).max(s.center.z.abs()) + s.radius)
            .fold(0.0f64, f64::max);
        let pad_base = extent * 1e-9;
        let mut prims: Vec<Prim> = spheres
            .iter()
            .enumerate()
            .map(|(i, s)| Prim { center: s.center, half: s.radius + s.radius * 1e-6 + pad_base, id: i as u32 })
            .collect();

        let mut nodes = Vec::with_capacity(2 * spheres.len() / LEAF_SIZE + 1);
        nodes.push(Node { bounds: Aabb::EMPTY, start: 0, count: 0 });
        let mut work = vec![Pending { node: 0, first: 0, count: spheres.len(), depth: 0 }];
        while let Some(job) = work.pop() {
            if let Some((left, right)) = split_node(&mut prims, &mut nodes, job) {
                work.push(left);
                work.push(right);
            }
        }
        let reordered: Vec<Sphere> = prims.iter().map(|p| spheres[p.id as usize]).collect();
        *spheres = reordered;
        Bvh { nodes }
    }

    /// The nodes, root first.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// A hierarchy read back from [`Bvh::nodes`] over `sphere_count` spheres in leaf order,
    /// checked so that no traversal can index out of range, overflow its stack or loop: the
    /// nodes form one tree rooted at node 0 whose children follow their parent, no deeper
    /// than [`MAX_DEPTH`], whose leaves cover every sphere exactly once. The message names
    /// the first bad node.
    pub fn from_nodes(nodes: Vec<Node>, sphere_count: u32) -> Result<Bvh, String> {
        if nodes.is_empty() {
            return if sphere_count == 0 {
                Ok(Bvh { nodes })
            } else {
                Err(format!("no nodes for {sphere_count} spheres"))
            };
        }
        let n = nodes.len();
        let mut depth = vec![0u8; n];
        let mut parents = vec![0u8; n];
        let mut leaves: Vec<(u32, u32)> = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let b = node.bounds;
            if [b.min.x, b.min.y, b.min.z, b.max.x, b.max.y, b.max.z].iter().any(|v| v.is_nan()) {
                return Err(format!("node {i}: bounds must not be NaN"));
            }
            if i > 0 && parents[i] == 0 {
                return Err(format!("node {i}: no node has it as a child"));
            }
            if node.count > 0 {
                if node.start as u64 + node.count as u64 > sphere_count as u64 {
                    return Err(format!(
                        "node {i}: leaf spheres {}..{} are out of range ({sphere_count} spheres)",
                        node.start,
                        node.start as u64 + node.count as u64
                    ));
                }
                leaves.push((node.start, node.count));
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
                if parents[child] > 0 {
                    return Err(format!("node {child}: it is the child of two nodes"));
                }
                parents[child] = 1;
                depth[child] = depth[i] + 1;
            }
        }
        leaves.sort_unstable();
        let mut next = 0u64;
        for (start, count) in leaves {
            if start as u64 != next {
                return Err(format!("the leaves must cover every sphere exactly once (sphere {next})"));
            }
            next += count as u64;
        }
        if next != sphere_count as u64 {
            return Err(format!("the leaves must cover every sphere exactly once (sphere {next})"));
        }
        Ok(Bvh { nodes })
    }

    /// Offers `best` every sphere hit that may beat it.
    #[inline]
    pub fn nearest(&self, ray: &Ray, spheres: &[Sphere], best: &mut Nearest) {
        let Some(root) = self.nodes.first() else { return };
        if root.count > 0 {
            // Small scenes are one leaf: no box test, no traversal.
            leaf_nearest(ray, spheres, root, best);
            return;
        }
        let rb = RayBox::new(ray);
        if !within(rb.entry(&root.bounds, best.distance), best.distance) {
            return;
        }
        let mut stack = NodeStack::new();
        let mut node = root;
        loop {
            if node.count > 0 {
                leaf_nearest(ray, spheres, node, best);
            } else {
                let l = node.start as usize;
                let (a, b) = (&self.nodes[l], &self.nodes[l + 1]);
                // `limit` = best distance: ties at the bound must still be visited because a
                // lower-ordered sphere at the same distance wins.
                let ta = rb.entry(&a.bounds, best.distance);
                let tb = rb.entry(&b.bounds, best.distance);
                let (near, far, tn, tf) = if ta <= tb { (a, l + 1, ta, tb) } else { (b, l, tb, ta) };
                if within(tn, best.distance) {
                    if within(tf, best.distance) {
                        stack.push(far as u32);
                    }
                    node = near;
                    continue;
                }
            }
            // Pop until a node that is still not farther than the best hit.
            loop {
                let Some(i) = stack.pop() else { return };
                let n = &self.nodes[i as usize];
                if within(rb.entry(&n.bounds, best.distance), best.distance) {
                    node = n;
                    break;
                }
            }
        }
    }

    /// Whether any sphere is hit at a distance ≤ `max_distance` (NaN distances never count).
    #[inline]
    pub fn any_hit(&self, ray: &Ray, spheres: &[Sphere], max_distance: f64) -> bool {
        let Some(root) = self.nodes.first() else { return false };
        if root.count > 0 {
            return leaf_any_hit(ray, spheres, root, max_distance);
        }
        let rb = RayBox::new(ray);
        let mut stack = NodeStack::new();
        stack.push(0);
        while let Some(i) = stack.pop() {
            let node = &self.nodes[i as usize];
            if !within(rb.entry(&node.bounds, max_distance), max_distance) {
                continue;
            }
            if node.count > 0 {
                if leaf_any_hit(ray, spheres, node, max_distance) {
                    return true;
                }
            } else {
                stack.push(node.start);
                stack.push(node.start + 1);
            }
        }
        false
    }
}

#[inline(always)]
fn leaf_nearest(ray: &Ray, spheres: &[Sphere], leaf: &Node, best: &mut Nearest) {
    let start = leaf.start as usize;
    let end = start + leaf.count as usize;
    for (k, s) in spheres[start..end].iter().enumerate() {
        if let Some(d) = s.intersect(ray) {
            best.offer(d, s.order, (start + k) as u32, ShapeKind::Sphere);
        }
    }
}

#[inline(always)]
fn leaf_any_hit(ray: &Ray, spheres: &[Sphere], leaf: &Node, max_distance: f64) -> bool {
    let start = leaf.start as usize;
    let end = start + leaf.count as usize;
    spheres[start..end].iter().any(|s| matches!(s.intersect(ray), Some(d) if d <= max_distance))
}

/// Whether a box entered at `t` may hold a hit not farther than `limit`; `entry` reports a
/// miss as +inf, which must not pass even when nothing has been hit yet (`limit` = +inf).
#[inline(always)]
fn within(t: f64, limit: f64) -> bool {
    t <= limit && t < f64::INFINITY
}

/// A node whose bounds and children are still to be decided.
#[derive(Clone, Copy)]
struct Pending {
    node: usize,
    first: usize,
    count: usize,
    depth: usize,
}

/// Bounds one node and either makes it a leaf or splits it, returning the children to do.
/// Not inlined into `build`: V8 cannot switch a running wasm function to optimised code, and
/// `build` runs once, so its own loop would stay in baseline code.
#[inline(never)]
fn split_node(prims: &mut [Prim], nodes: &mut Vec<Node>, job: Pending) -> Option<(Pending, Pending)> {
    let Pending { node, first, count, depth } = job;
    let slice = &mut prims[first..first + count];
    let mut nb = Aabb::EMPTY;
    let mut cb = Aabb::EMPTY;
    for p in slice.iter() {
        nb.grow(&p.bounds());
        cb.grow_point(p.center);
    }
    nodes[node].bounds = nb;
    let split = if count <= LEAF_SIZE || depth >= MAX_DEPTH { None } else { choose_split(slice, &cb, &nb) };
    let mid = match split {
        Some((axis, pos)) => partition(slice, |p| p.center.get(axis) < pos),
        None => 0,
    };
    if mid == 0 || mid == count {
        nodes[node].start = first as u32;
        nodes[node].count = count as u32;
        return None;
    }
    let left = nodes.len();
    nodes.push(Node { bounds: Aabb::EMPTY, start: 0, count: 0 });
    nodes.push(Node { bounds: Aabb::EMPTY, start: 0, count: 0 });
    nodes[node].start = left as u32;
    nodes[node].count = 0;
    Some((
        Pending { node: left, first, count: mid, depth: depth + 1 },
        Pending { node: left + 1, first: first + mid, count: count - mid, depth: depth + 1 },
    ))
}

/// Binned surface-area heuristic over all three axes in one pass; `None` when no split beats
/// a leaf.
#[inline(never)]
fn choose_split(prims: &[Prim], cb: &Aabb, nb: &Aabb) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    let mut best_cost = prims.len() as f64 * nb.half_area();
    let mut bin_bounds = [[Aabb::EMPTY; BINS]; 3];
    let mut bin_count = [[0usize; BINS]; 3];
    let mut scale = [0.0f64; 3];
    for (axis, s) in scale.iter_mut().enumerate() {
        let extent = cb.max.get(axis) - cb.min.get(axis);
        *s = if extent > 0.0 { BINS as f64 / extent } else { 0.0 };
    }
    for p in prims {
        let b = p.bounds();
        for axis in 0..3 {
            let bin = (((p.center.get(axis) - cb.min.get(axis)) * scale[axis]) as usize).min(BINS - 1);
            bin_count[axis][bin] += 1;
            bin_bounds[axis][bin].grow(&b);
        }
    }
    for axis in 0..3 {
        if scale[axis] == 0.0 {
            continue;
        }
        let (bins, counts) = (&bin_bounds[axis], &bin_count[axis]);
        // Right-to-left suffix areas, then a left-to-right sweep.
        let mut right_area = [0.0f64; BINS];
        let mut right_count = [0usize; BINS];
        let mut acc = Aabb::EMPTY;
        let mut n = 0;
        for b in (1..BINS).rev() {
            acc.grow(&bins[b]);
            n += counts[b];
            right_area[b] = acc.half_area();
            right_count[b] = n;
        }
        let mut acc = Aabb::EMPTY;
        let mut n = 0;
        for b in 0..BINS - 1 {
            acc.grow(&bins[b]);
            n += counts[b];
            let (rn, ra) = (right_count[b + 1], right_area[b + 1]);
            if n == 0 || rn == 0 {
                continue;
            }
            let cost = n as f64 * acc.half_area() + rn as f64 * ra;
            if cost < best_cost {
                best_cost = cost;
                best = Some((axis, cb.min.get(axis) + (b + 1) as f64 / scale[axis]));
            }
        }
    }
    if best.is_none() && prims.len() > 4 * LEAF_SIZE {
        // Large clusters of overlapping spheres: SAH sees no gain, but a median split still
        // bounds the leaf size.
        let d = cb.max - cb.min;
        let axis = if d.x >= d.y && d.x >= d.z {
            0
        } else if d.y >= d.z {
            1
        } else {
            2
        };
        if d.get(axis) > 0.0 {
            best = Some((axis, (cb.min.get(axis) + cb.max.get(axis)) * 0.5));
        }
    }
    best
}

/// In-place partition; returns the number of elements for which `pred` holds.
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
