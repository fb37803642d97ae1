//! Points and directions in f64, with the exact operation order of the original renderer
//! (the fidelity contract depends on bit-identical rounding).

use std::ops::{Add, Mul, Neg, Sub};

/// A 3-vector of f64.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Vector3 {
    /// The x component.
    pub x: f64,
    /// The y component.
    pub y: f64,
    /// The z component.
    pub z: f64,
}

/// Positions and directions share one type, as in the original.
pub type Point = Vector3;

impl Vector3 {
    /// The origin.
    pub const ZERO: Vector3 = Vector3::new(0.0, 0.0, 0.0);

    /// The vector (x, y, z).
    #[inline(always)]
    pub const fn new(x: f64, y: f64, z: f64) -> Vector3 {
        Vector3 { x, y, z }
    }

    /// The scalar product.
    #[inline(always)]
    pub fn dot(self, other: Vector3) -> f64 {
        self.x * other.x + self.y * other.y + self.z * other.z
    }

    /// The vector product.
    #[inline(always)]
    pub fn cross(self, other: Vector3) -> Vector3 {
        Vector3 {
            x: self.y * other.z - self.z * other.y,
            y: self.z * other.x - self.x * other.z,
            z: self.x * other.y - self.y * other.x,
        }
    }

    /// The squared length.
    #[inline(always)]
    pub fn norm_squared(self) -> f64 {
        self.x * self.x + self.y * self.y + self.z * self.z
    }

    /// The Euclidean length (it overflows to +inf beyond about 1.3e154).
    #[inline(always)]
    pub fn length(self) -> f64 {
        self.norm_squared().sqrt()
    }

    /// Multiplies by the reciprocal length rather than dividing, as the original does.
    #[inline(always)]
    pub fn normalize(self) -> Vector3 {
        let inv_len = self.length().recip();
        Vector3 { x: self.x * inv_len, y: self.y * inv_len, z: self.z * inv_len }
    }

    /// The unit vector along `self`; `None` for a zero or non-finite vector. Exactly
    /// [`normalize`](Self::normalize) whenever the squared length is a normal f64; a vector
    /// whose squared length over- or underflows (components beyond about 1e154, or all below
    /// about 1e-154) is first divided by its largest component, so that every finite non-zero
    /// vector has a direction, as JavaScript's `Math.hypot` would say.
    pub fn unit(self) -> Option<Vector3> {
        if !self.is_finite() {
            return None;
        }
        let n2 = self.norm_squared();
        let v = if n2.is_finite() && n2 >= f64::MIN_POSITIVE {
            self
        } else {
            let m = self.x.abs().max(self.y.abs()).max(self.z.abs());
            if m == 0.0 {
                return None;
            }
            Vector3::new(self.x / m, self.y / m, self.z / m)
        };
        Some(v.normalize())
    }

    /// Whether every component is finite.
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite() && self.z.is_finite()
    }

    /// Component `axis`: 0 is x, 1 is y, anything else z.
    #[inline(always)]
    pub fn get(self, axis: usize) -> f64 {
        match axis {
            0 => self.x,
            1 => self.y,
            _ => self.z,
        }
    }
}

impl Add for Vector3 {
    type Output = Vector3;
    #[inline(always)]
    fn add(self, o: Vector3) -> Vector3 {
        Vector3::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}

impl Sub for Vector3 {
    type Output = Vector3;
    #[inline(always)]
    fn sub(self, o: Vector3) -> Vector3 {
        Vector3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}

impl Mul<f64> for Vector3 {
    type Output = Vector3;
    #[inline(always)]
    fn mul(self, s: f64) -> Vector3 {
        Vector3::new(self.x * s, self.y * s, self.z * s)
    }
}

impl Neg for Vector3 {
    type Output = Vector3;
    #[inline(always)]
    fn neg(self) -> Vector3 {
        Vector3::new(-self.x, -self.y, -self.z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_is_normalize_for_ordinary_vectors_and_still_defined_at_the_extremes() {
        for v in [Vector3::new(0.3, -2.0, 5.5), Vector3::new(0.0, -3.0, 0.0), Vector3::new(1e-150, 2e-150, 0.0)] {
            assert_eq!(v.unit(), Some(v.normalize()));
        }
        let s = 0.5f64.sqrt();
        assert_eq!(Vector3::new(1e300, 1e300, 0.0).unit(), Some(Vector3::new(1.0, 1.0, 0.0).normalize()));
        assert_eq!(Vector3::new(-5e-324, 0.0, 0.0).unit(), Some(Vector3::new(-1.0, 0.0, 0.0)));
        let tiny = Vector3::new(1e-170, -1e-170, 0.0).unit().unwrap();
        assert!((tiny.x - s).abs() < 1e-15 && (tiny.y + s).abs() < 1e-15);
        assert_eq!(Vector3::ZERO.unit(), None);
        assert_eq!(Vector3::new(-0.0, 0.0, -0.0).unit(), None);
        assert_eq!(Vector3::new(f64::INFINITY, 0.0, 0.0).unit(), None);
        assert_eq!(Vector3::new(f64::NAN, 1.0, 0.0).unit(), None);
    }

    #[test]
    fn cross_of_axes() {
        let x = Vector3::new(1.0, 0.0, 0.0);
        let y = Vector3::new(0.0, 1.0, 0.0);
        assert_eq!(x.cross(y), Vector3::new(0.0, 0.0, 1.0));
    }

    #[test]
    fn normalize_has_unit_length() {
        let v = Vector3::new(3.0, 4.0, 12.0).normalize();
        assert!((v.length() - 1.0).abs() < 1e-15);
    }
}
