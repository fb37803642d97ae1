//! A 4-wide view of a binary BVH, for traversal only: each node holds the boxes of up to four
//! children side by side (six arrays of four f32), so one ray tests four boxes with a handful
//! of 4-lane operations (wasm `simd128`, SSE natively; written as plain loops over four lanes
//! that LLVM vectorises). It is made from a binary tree in O(nodes) by pulling grandchildren
//! up (the child with the largest box is opened first), so the stored tree, its builder and
//! its checks stay the binary ones.
//!
//! The box test is conservative: f32 rounding of the ray and of the slab arithmetic can only
//! make a box look larger, never smaller (each ray widens the boxes by a bound on the absolute
//! error and the slab interval by a bound on the relative error). Traversal therefore visits
//! at least every leaf the exact test would, and the caller's exact primitive tests (whose
//! ties do not depend on the order leaves come in) give the same answer.

// Lane loops index several arrays by the lane, the form LLVM turns into 4-lane operations.
#![allow(clippy::needless_range_loop)]

use crate::bounds::{RayBox, MAX_DEPTH};
use crate::bvh::Node;
use std::mem::MaybeUninit;

const LANES: usize = 4;
/// A child reference with this bit set is a leaf (index into `leaves`); otherwise a node.
const LEAF_BIT: u32 = 1 << 31;
const EMPTY: u32 = u32::MAX;
/// Deep enough for a binary tree of [`MAX_DEPTH`] levels (a wide level pushes at most 3).
const STACK: usize = 3 * MAX_DEPTH + 4;

/// A fixed-size stack left uninitialised: zeroing it for every ray compiles to a
/// `memory.fill`, which V8 runs out of line and which costs more than a small traversal.
struct Stack<T: Copy> {
    items: [MaybeUninit<T>; STACK],
    len: usize,
}

impl<T: Copy> Stack<T> {
    #[inline(always)]
    fn new() -> Stack<T> {
        Stack { items: [MaybeUninit::uninit(); STACK], len: 0 }
    }

    /// Drops the item if full, which a tree of at most [`MAX_DEPTH`] levels never makes it.
    #[inline(always)]
    fn push(&mut self, item: T) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = MaybeUninit::new(item);
            self.len += 1;
        }
    }

    #[inline(always)]
    fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: items[..len] were all written by `push`.
        Some(unsafe { self.items[self.len].assume_init() })
    }
}

/// Four children's boxes, lane by lane, and what each child is.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(16))]
struct Node4 {
    lo: [[f32; LANES]; 3],
    hi: [[f32; LANES]; 3],
    child: [u32; LANES],
}

/// The 4-wide tree; empty for an empty binary tree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Wide {
    nodes: Vec<Node4>,
    /// Leaves: `(start, count)` of the binary tree's leaves.
    leaves: Vec<(u32, u32)>,
    /// The largest coordinate magnitude of any box (for the rounding bound).
    scale: f32,
    /// The binary root is itself a leaf: no node, just this.
    root_leaf: Option<(u32, u32)>,
    /// The root's box, tested before anything else.
    root: Option<Node>,
}

/// A ray prepared for box tests: f32 origin and inverse direction, and its error bound.
#[derive(Clone, Copy)]
struct Ray4 {
    o: [f32; 3],
    inv: [f32; 3],
    /// How far the boxes are widened for this ray (absolute).
    pad: f32,
}

/// 1 + a bound on the relative error of a slab distance (a few f32 roundings).
const GROW: f32 = 1.0 + 8.0 * f32::EPSILON;
const SHRINK: f32 = 1.0 - 8.0 * f32::EPSILON;

impl Ray4 {
    #[inline(always)]
    fn new(rb: &RayBox, scale: f32) -> Ray4 {
        let (origin, inv_dir) = (rb.origin(), rb.inv_dir());
        let o = [origin.x as f32, origin.y as f32, origin.z as f32];
        let inv = [inv_dir.x as f32, inv_dir.y as f32, inv_dir.z as f32];
        let reach = o.iter().fold(scale, |m, v| if v.abs() > m { v.abs() } else { m });
        Ray4 { o, inv, pad: reach * (4.0 * f32::EPSILON) }
    }

    /// Entry distance of each lane's box (clamped at 0), or +∞ where the ray misses it
    /// within `limit`. Comparisons are written as selects that ignore a NaN (a ray parallel
    /// to a slab and on its plane), as the scalar slab test does.
    #[inline(always)]
    fn entries(&self, n: &Node4, limit: f32) -> [f32; LANES] {
        let mut tmin = [0.0f32; LANES];
        let mut tmax = [limit; LANES];
        for axis in 0..3 {
            let (o, inv, pad) = (self.o[axis], self.inv[axis], self.pad);
            for k in 0..LANES {
                let t1 = (n.lo[axis][k] - pad - o) * inv;
                let t2 = (n.hi[axis][k] + pad - o) * inv;
                let (near, far) = if t1 < t2 { (t1, t2) } else { (t2, t1) };
                if near > tmin[k] {
                    tmin[k] = near;
                }
                if far < tmax[k] {
                    tmax[k] = far;
                }
            }
        }
        let mut out = [f32::INFINITY; LANES];
        for k in 0..LANES {
            if tmin[k] * SHRINK <= tmax[k] * GROW {
                out[k] = tmin[k] * SHRINK;
            }
        }
        out
    }
}

/// `limit` as an f32 not below it.
#[inline(always)]
fn limit32(limit: f64) -> f32 {
    let f = limit as f32;
    if (f as f64) < limit {
        f.next_up()
    } else {
        f
    }
}

impl Wide {
    /// The 4-wide view of the binary tree `nodes` (root first; the caller has checked its
    /// structure: children after their parent, every index in range).
    pub fn from_binary(nodes: &[Node]) -> Wide {
        let Some(root) = nodes.first() else { return Wide::default() };
        // Infinite boxes (allowed in leaves) say nothing about rounding: finite coordinates only.
        let scale = nodes.iter().fold(0.0f32, |m, n| {
            n.min.iter().chain(n.max.iter()).fold(m, |m, v| if v.is_finite() && v.abs() > m { v.abs() } else { m })
        });
        let mut wide = Wide { scale, root: Some(*root), ..Wide::default() };
        if root.count > 0 {
            wide.root_leaf = Some((root.start, root.count));
            return wide;
        }
        wide.nodes.push(Node4 { lo: [[0.0; LANES]; 3], hi: [[0.0; LANES]; 3], child: [EMPTY; LANES] });
        // (wide node to fill, binary interior node it stands for)
        let mut todo = vec![(0usize, 0usize)];
        while let Some((w, b)) = todo.pop() {
            let first = nodes[b].start as usize;
            let mut slots = vec![first, first + 1];
            while slots.len() < LANES {
                // Open the interior child with the largest box: it is the likeliest to be hit.
                let pick = slots
                    .iter()
                    .enumerate()
                    .filter(|(_, &s)| nodes[s].count == 0)
                    .max_by(|(_, &a), (_, &b)| half_area(&nodes[a]).total_cmp(&half_area(&nodes[b])))
                    .map(|(i, _)| i);
                let Some(i) = pick else { break };
                let s = slots.swap_remove(i);
                let c = nodes[s].start as usize;
                slots.push(c);
                slots.push(c + 1);
            }
            let mut node =
                Node4 { lo: [[f32::INFINITY; LANES]; 3], hi: [[f32::INFINITY; LANES]; 3], child: [EMPTY; LANES] };
            for (k, &s) in slots.iter().enumerate() {
                let n = &nodes[s];
                for axis in 0..3 {
                    node.lo[axis][k] = n.min[axis];
                    node.hi[axis][k] = n.max[axis];
                }
                node.child[k] = if n.count > 0 {
                    wide.leaves.push((n.start, n.count));
                    (wide.leaves.len() - 1) as u32 | LEAF_BIT
                } else {
                    wide.nodes.push(Node4 { lo: [[0.0; LANES]; 3], hi: [[0.0; LANES]; 3], child: [EMPTY; LANES] });
                    let index = wide.nodes.len() - 1;
                    todo.push((index, s));
                    index as u32
                };
            }
            wide.nodes[w] = node;
        }
        wide
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// Hands `leaf(start, count, limit)` every leaf whose box the ray enters within the
    /// limit, nearest box first; `leaf` returns the new limit (lower when it found a hit),
    /// which prunes what is left. Leaves are visited when their entry is ≤ the limit (ties
    /// included). A tree that is one leaf is handed over without a box test.
    ///
    /// Not inlined: its stack (1.5 KB) would otherwise stay in the frame of a recursive
    /// caller (a ray bouncing between mirrors 1,000 times ran out of wasm's 1 MiB stack).
    #[inline(never)]
    pub fn nearest(&self, rb: &RayBox, mut limit: f64, mut leaf: impl FnMut(usize, usize, f64) -> f64) {
        if let Some((start, count)) = self.root_leaf {
            leaf(start as usize, count as usize, limit);
            return;
        }
        let Some(root) = &self.root else { return };
        let r = Ray4::new(rb, self.scale);
        if !r.hits_box(root, limit32(limit)) {
            return;
        }
        let mut stack: Stack<(u32, f32)> = Stack::new();
        let mut current = 0u32;
        loop {
            let node = &self.nodes[current as usize];
            let t = r.entries(node, limit32(limit));
            // The hit children, nearest first (at most four: insertion order by entry).
            let mut order = [(EMPTY, f32::INFINITY); LANES];
            let mut hits = 0usize;
            for k in 0..LANES {
                // An empty slot's box is +∞ everywhere, a miss for any finite ray; the
                // check also keeps it out for a ray with non-finite parts.
                if t[k] < f32::INFINITY && node.child[k] != EMPTY {
                    let mut j = hits;
                    while j > 0 && order[j - 1].1 > t[k] {
                        order[j] = order[j - 1];
                        j -= 1;
                    }
                    order[j] = (node.child[k], t[k]);
                    hits += 1;
                }
            }
            // Farthest first onto the stack, so the nearest comes off first.
            for j in (0..hits).rev() {
                stack.push(order[j]);
            }
            // Next: the nearest stacked entry still within the limit; leaves are handed over.
            loop {
                let Some((child, entry)) = stack.pop() else { return };
                if entry > limit32(limit) {
                    continue;
                }
                if child & LEAF_BIT != 0 {
                    let (start, count) = self.leaves[(child & !LEAF_BIT) as usize];
                    limit = leaf(start as usize, count as usize, limit);
                } else {
                    current = child;
                    break;
                }
            }
        }
    }

    /// Whether `leaf(start, count)` returns true for some leaf whose box the ray enters
    /// within `limit`; stops at the first. A tree that is one leaf is handed over without a
    /// box test. Not inlined, as [`Wide::nearest`].
    #[inline(never)]
    pub fn any(&self, rb: &RayBox, limit: f64, mut leaf: impl FnMut(usize, usize) -> bool) -> bool {
        if let Some((start, count)) = self.root_leaf {
            return leaf(start as usize, count as usize);
        }
        let Some(root) = &self.root else { return false };
        let r = Ray4::new(rb, self.scale);
        let lim = limit32(limit);
        if !r.hits_box(root, lim) {
            return false;
        }
        let mut stack: Stack<u32> = Stack::new();
        let mut current = 0u32;
        loop {
            let node = &self.nodes[current as usize];
            let t = r.entries(node, lim);
            for k in 0..LANES {
                if t[k] < f32::INFINITY && node.child[k] != EMPTY {
                    let child = node.child[k];
                    if child & LEAF_BIT != 0 {
                        let (start, count) = self.leaves[(child & !LEAF_BIT) as usize];
                        if leaf(start as usize, count as usize) {
                            return true;
                        }
                    } else {
                        stack.push(child);
                    }
                }
            }
            let Some(next) = stack.pop() else { return false };
            current = next;
        }
    }
}

impl Ray4 {
    /// The slab test of one box, as one lane of [`Ray4::entries`].
    #[inline(always)]
    fn hits_box(&self, b: &Node, limit: f32) -> bool {
        let mut n = Node4 { lo: [[f32::INFINITY; LANES]; 3], hi: [[f32::INFINITY; LANES]; 3], child: [EMPTY; LANES] };
        for axis in 0..3 {
            n.lo[axis][0] = b.min[axis];
            n.hi[axis][0] = b.max[axis];
        }
        self.entries(&n, limit)[0] < f32::INFINITY
    }
}

fn half_area(n: &Node) -> f32 {
    let d = [n.max[0] - n.min[0], n.max[1] - n.min[1], n.max[2] - n.min[2]];
    d[0] * d[1] + d[1] * d[2] + d[2] * d[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ray::Ray;
    use crate::vector::Vector3;

    use crate::test_rng::Rng;

    /// A binary tree over `boxes` (one per leaf), split at the median along x, as a test tree.
    fn tree(boxes: &[([f32; 3], [f32; 3])]) -> Vec<Node> {
        fn build(items: &mut [(usize, [f32; 3], [f32; 3])], nodes: &mut Vec<Node>, at: usize) {
            let mut min = [f32::INFINITY; 3];
            let mut max = [f32::NEG_INFINITY; 3];
            for (_, lo, hi) in items.iter() {
                for a in 0..3 {
                    min[a] = min[a].min(lo[a]);
                    max[a] = max[a].max(hi[a]);
                }
            }
            if items.len() == 1 {
                nodes[at] = Node { min, max, start: items[0].0 as u32, count: 1 };
                return;
            }
            items.sort_by(|a, b| a.1[0].total_cmp(&b.1[0]));
            let c = nodes.len();
            nodes.push(Node { min, max, start: 0, count: 0 });
            nodes.push(Node { min, max, start: 0, count: 0 });
            nodes[at] = Node { min, max, start: c as u32, count: 0 };
            let mid = items.len() / 2;
            let (l, r) = items.split_at_mut(mid);
            build(l, nodes, c);
            build(r, nodes, c + 1);
        }
        let mut items: Vec<_> = boxes.iter().enumerate().map(|(i, (lo, hi))| (i, *lo, *hi)).collect();
        let mut nodes = vec![Node { min: [0.0; 3], max: [0.0; 3], start: 0, count: 0 }];
        build(&mut items, &mut nodes, 0);
        nodes
    }

    /// Exact (f64) slab entry of a box, as the scalar traversal computes it.
    fn exact_entry(ray: &Ray, lo: [f32; 3], hi: [f32; 3], limit: f64) -> Option<f64> {
        let o = [ray.origin.x, ray.origin.y, ray.origin.z];
        let d = [ray.direction.x, ray.direction.y, ray.direction.z];
        let (mut tmin, mut tmax) = (0.0f64, limit);
        for a in 0..3 {
            let inv = 1.0 / d[a];
            let t1 = (lo[a] as f64 - o[a]) * inv;
            let t2 = (hi[a] as f64 - o[a]) * inv;
            let (n, f) = if t1 < t2 { (t1, t2) } else { (t2, t1) };
            if n > tmin {
                tmin = n;
            }
            if f < tmax {
                tmax = f;
            }
        }
        (tmin <= tmax).then_some(tmin)
    }

    fn random_boxes(rng: &mut Rng, n: usize, spread: f64) -> Vec<([f32; 3], [f32; 3])> {
        (0..n)
            .map(|_| {
                let c = [rng.next() * spread, rng.next() * spread, rng.next() * spread];
                let s = [rng.next() * 0.3, rng.next() * 0.3, rng.next() * 0.3];
                let lo = [(c[0] - s[0]) as f32, (c[1] - s[1]) as f32, (c[2] - s[2]) as f32];
                let hi = [(c[0] + s[0]) as f32, (c[1] + s[1]) as f32, (c[2] + s[2]) as f32];
                (lo, hi)
            })
            .collect()
    }

    fn random_ray(rng: &mut Rng, spread: f64) -> Ray {
        let origin = Vector3::new(rng.next() * spread, rng.next() * spread, rng.next() * spread);
        let mut d = Vector3::new(rng.next() - 0.5, rng.next() - 0.5, rng.next() - 0.5);
        // Some rays along an axis, where the slab arithmetic meets infinities.
        match (rng.next() * 8.0) as u32 {
            0 => d = Vector3::new(0.0, 0.0, 1.0),
            1 => d = Vector3::new(0.0, -1.0, 0.0),
            _ => {}
        }
        Ray { origin, direction: d.normalize() }
    }

    #[test]
    fn every_leaf_the_exact_test_enters_is_visited() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for &(n, spread) in &[(1usize, 4.0), (2, 4.0), (3, 4.0), (7, 4.0), (200, 10.0), (1000, 1000.0)] {
            let boxes = random_boxes(&mut rng, n, spread);
            let nodes = tree(&boxes);
            let wide = Wide::from_binary(&nodes);
            for _ in 0..2000 {
                let ray = random_ray(&mut rng, spread);
                let limit = if rng.next() < 0.5 { f64::INFINITY } else { rng.next() * spread };
                let rb = RayBox::new(&ray);
                let mut seen = vec![false; n];
                wide.nearest(&rb, limit, |start, count, limit| {
                    for i in start..start + count {
                        seen[i] = true;
                    }
                    limit
                });
                let mut any = false;
                wide.any(&rb, limit, |_, _| {
                    any = true;
                    true
                });
                for (i, (lo, hi)) in boxes.iter().enumerate() {
                    if exact_entry(&ray, *lo, *hi, limit).is_some() {
                        assert!(seen[i], "leaf {i} of {n} missed by nearest");
                        assert!(any, "any found nothing where leaf {i} of {n} is entered");
                    }
                }
            }
        }
    }

    #[test]
    fn nearest_prunes_with_the_limit_and_goes_near_first() {
        // Ten unit boxes along z; a ray down −z from z = 100 meets them in order.
        let boxes: Vec<_> = (0..10)
            .map(|i| {
                let z = 10.0 * i as f32;
                ([-1.0, -1.0, z - 1.0], [1.0, 1.0, z + 1.0])
            })
            .collect();
        let wide = Wide::from_binary(&tree(&boxes));
        let ray = RayBox::new(&Ray { origin: Vector3::new(0.0, 0.0, 100.0), direction: Vector3::new(0.0, 0.0, -1.0) });
        let mut visited = Vec::new();
        wide.nearest(&ray, f64::INFINITY, |start, _, limit| {
            visited.push(start);
            // A hit on the near face of the first box visited.
            let z = 10.0 * start as f64 + 1.0;
            limit.min(100.0 - z)
        });
        assert_eq!(visited, vec![9]);
        let mut all = Vec::new();
        wide.nearest(&ray, f64::INFINITY, |start, _, limit| {
            all.push(start);
            limit
        });
        assert_eq!(all, vec![9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    }

    #[test]
    fn empty_and_single_leaf_trees() {
        let ray = RayBox::new(&Ray { origin: Vector3::new(0.0, 0.0, 5.0), direction: Vector3::new(0.0, 0.0, -1.0) });
        let empty = Wide::from_binary(&[]);
        assert!(empty.is_empty());
        assert!(!empty.any(&ray, f64::INFINITY, |_, _| true));
        // One leaf: handed over without a box test, as the binary traversal does.
        let one = Wide::from_binary(&tree(&[([-1.0, -1.0, -1.0], [1.0, 1.0, 1.0])]));
        let mut got = Vec::new();
        one.nearest(&ray, f64::INFINITY, |s, c, limit| {
            got.push((s, c));
            limit
        });
        assert_eq!(got, vec![(0, 1)]);
        // Two leaves in a row along z: the near one starts at distance 4.
        let two =
            Wide::from_binary(&tree(&[([-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]), ([-1.0, -1.0, -9.0], [1.0, 1.0, -7.0])]));
        assert!(!two.any(&ray, 3.9, |_, _| true), "the box starts at distance 4");
        assert!(two.any(&ray, 4.0, |_, _| true), "a tie at the limit counts");
    }
}
