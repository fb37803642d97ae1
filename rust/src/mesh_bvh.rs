//! A bounding volume hierarchy over one mesh's triangles, built with a binned surface-area
//! heuristic. Its nodes are plain arrays (`MeshNode`, and `prims`, the triangle indices in leaf
//! order) so it can be built once, written into the packed scene bytes and checked on reading
//! (`MeshBvh::from_parts`). Queries return exactly what a brute-force scan returns, ties
//! included, so the BVH is an optimisation only; `mesh.rs` holds the queries.

pub use crate::bounds::{Aabb, MAX_DEPTH};
use crate::vector::Vector3;
const LEAF_SIZE: usize = 4;
const BINS: usize = 16;

/// One node. A leaf (`count > 0`) covers `prims[start..start + count]`; an interior node
/// (`count == 0`) has its children at `start` and `start + 1`, always after itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeshNode {
    /// Holds every triangle below the node.
    pub bounds: Aabb,
    /// First leaf-order triangle (leaf) or first child (interior).
    pub start: u32,
    /// Triangles in a leaf; 0 for an interior node.
    pub count: u32,
}

/// The hierarchy: nodes (the root first) and the triangle indices in leaf order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeshBvh {
    nodes: Vec<MeshNode>,
    prims: Vec<u32>,
}

/// A triangle as the builder sees it: its (padded) box, whose centre is the centroid used for
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

/// A node still to be made: its triangles, and their bounds and centroid bounds (known from
/// the parent's bins, so no extra pass over the triangles).
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
    /// Triangles whose centroid bin (along `axis`, from `lo` with `scale`) is ≤ `last_bin`
    /// go left.
    lo: f64,
    scale: f64,
    last_bin: usize,
    left: (Aabb, Aabb),
    right: (Aabb, Aabb),
}

impl MeshBvh {
    /// Builds over `triangles` (corner indices into `positions`, all in range: the caller
    /// checked). Boxes are padded by a hair so rounding in the slab test never drops a
    /// triangle the exact test hits (ties at a box face included).
    pub fn build(positions: &[Vector3], triangles: &[[u32; 3]]) -> MeshBvh {
        if triangles.is_empty() {
            return MeshBvh::default();
        }
        let mut extent = 0.0f64;
        for p in positions {
            extent = extent.max(p.x.abs()).max(p.y.abs()).max(p.z.abs());
        }
        let pad = extent * 1e-9;
        let padding = Vector3::new(pad, pad, pad);
        let mut bounds = Aabb::EMPTY;
        let mut centroids = Aabb::EMPTY;
        let mut prims: Vec<Prim> = triangles
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut b = Aabb::EMPTY;
                for &c in t {
                    b.grow_point(positions[c as usize]);
                }
                let prim = Prim { bounds: Aabb { min: b.min - padding, max: b.max + padding }, id: i as u32 };
                bounds.grow(&prim.bounds);
                centroids.grow_point(prim.centroid_point());
                prim
            })
            .collect();
        let mut nodes = Vec::with_capacity(2 * triangles.len() / LEAF_SIZE + 1);
        nodes.push(MeshNode { bounds: Aabb::EMPTY, start: 0, count: 0 });
        let mut work = vec![Pending { node: 0, first: 0, count: prims.len(), depth: 0, bounds, centroids }];
        while let Some(job) = work.pop() {
            if let Some((left, right)) = split_node(&mut prims, &mut nodes, job) {
                work.push(right);
                work.push(left);
            }
        }
        MeshBvh { nodes, prims: prims.iter().map(|p| p.id).collect() }
    }

    /// Takes nodes and leaf order as read from bytes, and checks everything traversal relies
    /// on: children after their parent and in range, depth within `MAX_DEPTH`, every node
    /// reached once, `prims` a permutation of the triangles, finite boxes that hold their
    /// children and their triangles. A wrong BVH is an error, never a panic or a wrong image.
    pub fn from_parts(
        nodes: Vec<MeshNode>,
        prims: Vec<u32>,
        positions: &[Vector3],
        triangles: &[[u32; 3]],
    ) -> Result<MeshBvh, String> {
        if triangles.is_empty() {
            return if nodes.is_empty() && prims.is_empty() {
                Ok(MeshBvh::default())
            } else {
                Err("a BVH for no triangles must be empty".into())
            };
        }
        if prims.len() != triangles.len() {
            return Err(format!("BVH lists {} triangles, the mesh has {}", prims.len(), triangles.len()));
        }
        if nodes.is_empty() {
            return Err("BVH has no nodes".into());
        }
        let mut seen_prim = vec![false; prims.len()];
        let mut seen_node = vec![false; nodes.len()];
        let mut covered = 0usize;
        let mut work = vec![(0usize, 0usize)];
        while let Some((i, depth)) = work.pop() {
            if depth > MAX_DEPTH {
                return Err(format!("BVH node {i} is deeper than {MAX_DEPTH}"));
            }
            if std::mem::replace(&mut seen_node[i], true) {
                return Err(format!("BVH node {i} is reached twice"));
            }
            let n = nodes[i];
            if !n.bounds.is_valid() {
                return Err(format!("BVH node {i} has invalid bounds"));
            }
            let start = n.start as usize;
            if n.count == 0 {
                if start <= i || start + 1 >= nodes.len() {
                    return Err(format!("BVH node {i} has children out of range ({start})"));
                }
                for c in [start, start + 1] {
                    if !n.bounds.contains(&nodes[c].bounds) {
                        return Err(format!("BVH node {c} is not inside its parent {i}"));
                    }
                    work.push((c, depth + 1));
                }
            } else {
                let end = start.checked_add(n.count as usize).filter(|&e| e <= prims.len());
                let Some(end) = end else {
                    return Err(format!("BVH leaf {i} covers triangles beyond the list"));
                };
                for &t in &prims[start..end] {
                    let t = t as usize;
                    if t >= triangles.len() || std::mem::replace(&mut seen_prim[t], true) {
                        return Err(format!("BVH leaf {i} lists triangle {t} out of range or twice"));
                    }
                    for &c in &triangles[t] {
                        let p = positions[c as usize];
                        if !n.bounds.contains(&Aabb { min: p, max: p }) {
                            return Err(format!("BVH leaf {i} does not hold triangle {t}"));
                        }
                    }
                }
                covered += end - start;
            }
        }
        if covered != triangles.len() {
            return Err(format!("BVH leaves cover {covered} of {} triangles", triangles.len()));
        }
        Ok(MeshBvh { nodes, prims })
    }

    /// The nodes, root first.
    pub fn nodes(&self) -> &[MeshNode] {
        &self.nodes
    }

    /// Triangle indices in leaf order.
    pub fn prims(&self) -> &[u32] {
        &self.prims
    }
}

/// Makes one node a leaf or splits it, returning the children to do.
/// Not inlined: V8 cannot move a running wasm function to optimised code, and `build` runs once.
#[inline(never)]
fn split_node(prims: &mut [Prim], nodes: &mut Vec<MeshNode>, job: Pending) -> Option<(Pending, Pending)> {
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
    nodes.push(MeshNode { bounds: Aabb::EMPTY, start: 0, count: 0 });
    nodes.push(MeshNode { bounds: Aabb::EMPTY, start: 0, count: 0 });
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
