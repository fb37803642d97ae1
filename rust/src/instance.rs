//! Instances: a mesh object placed in the world by an affine transform, with its own material
//! and its place in the scene order. Rays go into the mesh's object space (their direction is
//! not renormalised, so distances along them stay world distances); normals come back through
//! the normal matrix. A mesh placed 1,000 times is stored once.

use crate::bounds::Aabb;
use crate::material::MaterialId;
use crate::mesh::{MeshHit, MeshObject, MeshSurface};
use crate::ray::Ray;
use crate::transform::Affine;
use crate::vector::{Point, Vector3};

/// A placed mesh object.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Index of the mesh object in the scene.
    pub mesh: u32,
    /// Its material.
    pub material: MaterialId,
    /// Position among all elements; breaks distance ties between elements.
    pub order: u32,
    /// Shade with the mesh's vertex normals.
    pub smooth: bool,
    /// Object to world.
    pub transform: Affine,
    /// World to object; `None` for the identity (rays are used as they are).
    inverse: Option<Affine>,
    /// The inverse transpose (normals to world); `None` for the identity.
    normal_matrix: Option<Affine>,
    /// World-space box of the placed mesh.
    bounds: Aabb,
}

impl Instance {
    /// Places `mesh` (index `mesh_index`) by `transform`, whose inverse the caller computed
    /// ([`Affine::inverse`]).
    pub fn new(
        mesh_index: u32,
        mesh: &MeshObject,
        (transform, inverse): (Affine, Affine),
        material: MaterialId,
        order: u32,
        smooth: bool,
    ) -> Instance {
        let (inverse, normal_matrix) =
            if transform.is_identity() { (None, None) } else { (Some(inverse), Some(inverse.transposed_linear())) };
        let object = mesh.bounds();
        let mut bounds = Aabb::EMPTY;
        for k in 0..8 {
            let corner = Vector3::new(
                if k & 1 == 0 { object.min.x } else { object.max.x },
                if k & 2 == 0 { object.min.y } else { object.max.y },
                if k & 4 == 0 { object.min.z } else { object.max.z },
            );
            bounds.grow_point(transform.point(corner));
        }
        if inverse.is_some() {
            // Rounding in the transform of the ray: pad by a hair of the box's extent.
            let extent = [bounds.min.x, bounds.min.y, bounds.min.z, bounds.max.x, bounds.max.y, bounds.max.z]
                .iter()
                .fold(0.0f64, |m, v| m.max(v.abs()));
            let pad = Vector3::new(extent * 1e-9, extent * 1e-9, extent * 1e-9);
            bounds = Aabb { min: bounds.min - pad, max: bounds.max + pad };
        }
        Instance { mesh: mesh_index, material, order, smooth, transform, inverse, normal_matrix, bounds }
    }

    /// The world-space box.
    pub fn bounds(&self) -> Aabb {
        self.bounds
    }

    /// The ray in the mesh's object space (the same ray for the identity).
    #[inline(always)]
    pub fn object_ray(&self, ray: &Ray) -> Ray {
        match &self.inverse {
            None => *ray,
            Some(m) => Ray { origin: m.point(ray.origin), direction: m.vector(ray.direction) },
        }
    }

    /// The point in object space.
    #[inline(always)]
    pub fn object_point(&self, p: Point) -> Point {
        match &self.inverse {
            None => p,
            Some(m) => m.point(p),
        }
    }

    /// The surface at a hit on `mesh` (this instance's), world space.
    #[inline]
    pub fn surface(&self, mesh: &MeshObject, hit: &MeshHit) -> MeshSurface {
        mesh.surface(hit.slot, hit.weights, self.smooth, self.normal_matrix.as_ref())
    }

    /// The surface at world `point` on the triangle in `slot`, and where shadow rays leave
    /// from there (lifted off the flat triangle when smooth, see
    /// [`MeshObject::shadow_point`]; `point` itself otherwise).
    #[inline]
    pub fn surface_at(&self, mesh: &MeshObject, slot: u32, point: Point, direction: Vector3) -> (MeshSurface, Point) {
        let weights = mesh.weights_at(slot, self.object_point(point));
        let s = mesh.surface(slot, weights, self.smooth, self.normal_matrix.as_ref());
        if !self.smooth {
            return (s, point);
        }
        let toward = if s.geometric_normal.dot(direction) > 0.0 { -s.geometric_normal } else { s.geometric_normal };
        let placement = match (&self.inverse, &self.normal_matrix) {
            (Some(_), Some(nm)) => Some((&self.transform, nm)),
            _ => None,
        };
        (s, mesh.shadow_point(slot, weights, point, toward, placement))
    }
}
