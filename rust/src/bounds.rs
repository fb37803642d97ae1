//! What the BVH ([`crate::bvh`]) is made of: the box, the ray's slab test against it, and the
//! fixed traversal stack.

use crate::ray::Ray;
use crate::vector::Vector3;

/// The deepest tree the builders make and the packed-scene reader accepts; traversal keeps a
/// fixed stack, which a node's subtree fills at most one entry per level plus one.
pub const MAX_DEPTH: usize = 60;

/// An axis-aligned box; the empty box has min = +inf and max = −inf.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Aabb {
    /// The lowest corner.
    pub min: Vector3,
    /// The highest corner.
    pub max: Vector3,
}

impl Aabb {
    /// Holds nothing; growing it by a box gives that box.
    pub const EMPTY: Aabb = Aabb {
        min: Vector3::new(f64::INFINITY, f64::INFINITY, f64::INFINITY),
        max: Vector3::new(f64::NEG_INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY),
    };

    /// Grows to hold `o` too. Plain comparisons: bounds are never NaN, and `f64::min`'s NaN
    /// rules cost extra instructions in wasm, where building 100,000 spheres is mostly this.
    #[inline(always)]
    pub fn grow(&mut self, o: &Aabb) {
        fn lo(a: f64, b: f64) -> f64 {
            if b < a {
                b
            } else {
                a
            }
        }
        fn hi(a: f64, b: f64) -> f64 {
            if b > a {
                b
            } else {
                a
            }
        }
        self.min = Vector3::new(lo(self.min.x, o.min.x), lo(self.min.y, o.min.y), lo(self.min.z, o.min.z));
        self.max = Vector3::new(hi(self.max.x, o.max.x), hi(self.max.y, o.max.y), hi(self.max.z, o.max.z));
    }

    /// Grows to hold `p` too.
    #[inline(always)]
    pub fn grow_point(&mut self, p: Vector3) {
        self.grow(&Aabb { min: p, max: p });
    }

    /// Half the surface area, the binned SAH's cost measure; 0 for the empty box.
    pub(crate) fn half_area(&self) -> f64 {
        let d = self.max - self.min;
        if d.x < 0.0 {
            return 0.0;
        }
        d.x * d.y + d.y * d.z + d.z * d.x
    }

    /// Whether `o` lies inside (faces included).
    pub fn contains(&self, o: &Aabb) -> bool {
        self.min.x <= o.min.x
            && self.min.y <= o.min.y
            && self.min.z <= o.min.z
            && self.max.x >= o.max.x
            && self.max.y >= o.max.y
            && self.max.z >= o.max.z
    }
}

/// A box the slab test reads, whatever precision it is stored in.
pub trait SlabBox {
    /// The lowest corner.
    fn low(&self) -> Vector3;
    /// The highest corner.
    fn high(&self) -> Vector3;
}

impl SlabBox for Aabb {
    #[inline(always)]
    fn low(&self) -> Vector3 {
        self.min
    }

    #[inline(always)]
    fn high(&self) -> Vector3 {
        self.max
    }
}

/// The ray in the form the slab test wants.
#[derive(Clone, Copy, Debug)]
pub struct RayBox {
    origin: Vector3,
    inv_dir: Vector3,
}

impl RayBox {
    /// The ray's origin and reciprocal direction.
    #[inline(always)]
    pub fn new(ray: &Ray) -> RayBox {
        let d = ray.direction;
        RayBox { origin: ray.origin, inv_dir: Vector3::new(1.0 / d.x, 1.0 / d.y, 1.0 / d.z) }
    }

    /// The ray's origin.
    #[inline(always)]
    pub fn origin(&self) -> Vector3 {
        self.origin
    }

    /// The reciprocal of each direction component.
    #[inline(always)]
    pub fn inv_dir(&self) -> Vector3 {
        self.inv_dir
    }

    /// Entry distance of the ray into the box, or +inf when it misses before `limit`. NaN
    /// slabs (origin on a face, direction parallel to it) are skipped, which only ever keeps
    /// a box.
    #[inline(always)]
    pub fn entry<B: SlabBox>(&self, b: &B, limit: f64) -> f64 {
        let (low, high) = (b.low(), b.high());
        let mut tmin = 0.0f64;
        let mut tmax = limit;
        macro_rules! slab {
            ($c:ident) => {{
                let t1 = (low.$c - self.origin.$c) * self.inv_dir.$c;
                let t2 = (high.$c - self.origin.$c) * self.inv_dir.$c;
                let (lo, hi) = if t1 < t2 { (t1, t2) } else { (t2, t1) };
                if lo > tmin {
                    tmin = lo;
                }
                if hi < tmax {
                    tmax = hi;
                }
            }};
        }
        slab!(x);
        slab!(y);
        slab!(z);
        if tmin <= tmax {
            tmin
        } else {
            f64::INFINITY
        }
    }
}
