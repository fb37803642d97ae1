//! Affine transforms of instances: a 3×4 matrix (f64) that places a mesh object in the world,
//! its inverse (rays go into object space) and its normal matrix (the inverse transpose).

use crate::vector::{Point, Vector3};

/// world = linear · p + translation; `m` holds the rows of the 3×4 matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    /// Rows: `m[r] = [m_r0, m_r1, m_r2, m_r3]`, the last column the translation.
    pub m: [[f64; 4]; 3],
}

impl Affine {
    /// The identity.
    pub const IDENTITY: Affine = Affine { m: [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]] };

    /// The `Mesh` element's transform: scale, then rotate `degrees` about `axis` (any
    /// non-zero length; Rodrigues' formula), then translate — M = T · R · S.
    pub fn from_trs(scale: Vector3, axis: Vector3, degrees: f64, translate: Vector3) -> Affine {
        let length = (axis.x * axis.x + axis.y * axis.y + axis.z * axis.z).sqrt();
        let (x, y, z) = (axis.x / length, axis.y / length, axis.z / length);
        let angle = degrees * std::f64::consts::PI / 180.0;
        let (c, s) = (angle.cos(), angle.sin());
        let k = 1.0 - c;
        let r = [
            [c + x * x * k, x * y * k - z * s, x * z * k + y * s],
            [y * x * k + z * s, c + y * y * k, y * z * k - x * s],
            [z * x * k - y * s, z * y * k + x * s, c + z * z * k],
        ];
        let t = [translate.x, translate.y, translate.z];
        let sc = [scale.x, scale.y, scale.z];
        let mut m = [[0.0; 4]; 3];
        for row in 0..3 {
            for col in 0..3 {
                m[row][col] = r[row][col] * sc[col];
            }
            m[row][3] = t[row];
        }
        Affine { m }
    }

    /// Whether this is exactly the identity (then rays need no transforming).
    pub fn is_identity(&self) -> bool {
        *self == Affine::IDENTITY
    }

    /// The point transformed.
    #[inline(always)]
    pub fn point(&self, p: Point) -> Point {
        let m = &self.m;
        Vector3::new(
            m[0][0] * p.x + m[0][1] * p.y + m[0][2] * p.z + m[0][3],
            m[1][0] * p.x + m[1][1] * p.y + m[1][2] * p.z + m[1][3],
            m[2][0] * p.x + m[2][1] * p.y + m[2][2] * p.z + m[2][3],
        )
    }

    /// The direction transformed (no translation).
    #[inline(always)]
    pub fn vector(&self, v: Vector3) -> Vector3 {
        let m = &self.m;
        Vector3::new(
            m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z,
            m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
            m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z,
        )
    }

    /// The determinant of the 3×3 part.
    pub fn determinant(&self) -> f64 {
        let m = &self.m;
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }

    /// The inverse, or `None` when the 3×3 part is singular or the inverse is not finite.
    pub fn inverse(&self) -> Option<Affine> {
        let m = &self.m;
        let det = self.determinant();
        if !(det != 0.0 && det.is_finite()) {
            return None;
        }
        let inv_det = 1.0 / det;
        // The adjugate (transposed cofactors) over the determinant.
        let a = [
            [
                (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * inv_det,
                (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * inv_det,
                (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * inv_det,
            ],
            [
                (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * inv_det,
                (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * inv_det,
                (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * inv_det,
            ],
            [
                (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * inv_det,
                (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * inv_det,
                (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * inv_det,
            ],
        ];
        let t = [m[0][3], m[1][3], m[2][3]];
        let mut out = [[0.0; 4]; 3];
        for row in 0..3 {
            out[row][..3].copy_from_slice(&a[row]);
            out[row][3] = -(a[row][0] * t[0] + a[row][1] * t[1] + a[row][2] * t[2]);
        }
        let inverse = Affine { m: out };
        if inverse.m.iter().flatten().all(|v| v.is_finite()) {
            Some(inverse)
        } else {
            None
        }
    }

    /// The normal matrix of the transform whose inverse this is: this 3×3 part transposed,
    /// as an affine with no translation. Normals go through it (then get normalised).
    pub fn transposed_linear(&self) -> Affine {
        let m = &self.m;
        Affine {
            m: [[m[0][0], m[1][0], m[2][0], 0.0], [m[0][1], m[1][1], m[2][1], 0.0], [m[0][2], m[1][2], m[2][2], 0.0]],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Vector3, b: Vector3) -> bool {
        (a - b).length() < 1e-12 * (1.0 + b.length())
    }

    #[test]
    fn trs_matches_scale_then_rotate_then_translate() {
        // The former TypeScript example: scale 2, 90° about z, translate (0, 0, -5).
        let t = Affine::from_trs(
            Vector3::new(2.0, 2.0, 2.0),
            Vector3::new(0.0, 0.0, 1.0),
            90.0,
            Vector3::new(0.0, 0.0, -5.0),
        );
        assert!(close(t.point(Vector3::new(1.0, 0.0, 0.0)), Vector3::new(0.0, 2.0, -5.0)));
        let inv = t.inverse().unwrap();
        let p = Vector3::new(0.3, -1.7, 4.0);
        assert!(close(inv.point(t.point(p)), p));
        assert!(t.determinant() > 7.999 && t.determinant() < 8.001);
        let singular = Affine::from_trs(Vector3::new(1.0, 0.0, 1.0), Vector3::new(0.0, 1.0, 0.0), 0.0, Vector3::ZERO);
        assert!(singular.inverse().is_none());
        assert!(Affine::IDENTITY.is_identity() && !t.is_identity());
    }
}
