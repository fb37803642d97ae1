//! Arrays of plain numbers that a scene either owns or reads in place from the packed bytes it
//! keeps. A worker receives the prepared scene once (copied into its memory by the JavaScript
//! glue) and reads its meshes and BVHs where they lie: no second copy, no decoding pass.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// Packed scene bytes kept by the scene that reads them, 8-aligned (every array of the packed
/// format starts at a multiple of 8 bytes from the start).
pub struct SceneBytes {
    /// The bytes as given, when they start 8-aligned (the allocator's usual alignment).
    given: Vec<u8>,
    /// Otherwise an aligned copy.
    copy: Vec<u64>,
    len: usize,
}

impl SceneBytes {
    /// Keeps `bytes` (copies them only when they are not 8-aligned).
    pub fn new(bytes: Vec<u8>) -> SceneBytes {
        if (bytes.as_ptr() as usize).is_multiple_of(8) {
            let len = bytes.len();
            return SceneBytes { given: bytes, copy: Vec::new(), len };
        }
        SceneBytes::copy_of(&bytes)
    }

    /// An aligned copy of `bytes`.
    pub fn copy_of(bytes: &[u8]) -> SceneBytes {
        let len = bytes.len();
        let mut copy = vec![0u64; len.div_ceil(8)];
        for (word, chunk) in copy.iter_mut().zip(bytes.chunks(8)) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            *word = u64::from_ne_bytes(b);
        }
        SceneBytes { given: Vec::new(), copy, len }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        if self.copy.is_empty() {
            &self.given
        } else {
            // SAFETY: `copy` holds at least `len` initialised bytes; u8 has no alignment.
            unsafe { std::slice::from_raw_parts(self.copy.as_ptr() as *const u8, self.len) }
        }
    }
}

impl fmt::Debug for SceneBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SceneBytes({} bytes)", self.len)
    }
}

/// Plain data laid out in memory exactly as the packed format stores it on a little-endian
/// machine, for which every bit pattern is a valid value.
///
/// # Safety
/// Implement only for types without padding or invalid bit patterns, with the packed
/// format's size, whose alignment is at most 4.
pub unsafe trait Pod: Copy + fmt::Debug + PartialEq + 'static {}

// SAFETY: numbers and arrays of them: no padding, every bit pattern valid, alignment 4.
unsafe impl Pod for u32 {}
// SAFETY: as above.
unsafe impl Pod for [u32; 3] {}
// SAFETY: as above.
unsafe impl Pod for [f32; 2] {}
// SAFETY: as above.
unsafe impl Pod for [f32; 3] {}
// SAFETY: as above.
unsafe impl Pod for [f32; 4] {}

/// An array owned, or viewed in scene bytes.
#[derive(Clone)]
pub enum Array<T: Pod> {
    /// Owned values.
    Owned(Vec<T>),
    /// `len` values at byte `offset` of `bytes`.
    Shared {
        /// The bytes, kept alive by every view of them.
        bytes: Arc<SceneBytes>,
        /// Where the first value starts.
        offset: usize,
        /// How many values.
        len: usize,
    },
}

impl<T: Pod> Array<T> {
    /// A view of `len` values at byte `offset`, when the bytes hold them and this machine
    /// lays them out as the packed format does (little-endian, aligned); `None` otherwise,
    /// and the caller decodes them.
    pub fn view(bytes: &Arc<SceneBytes>, offset: usize, len: usize) -> Option<Array<T>> {
        if cfg!(target_endian = "big") {
            return None;
        }
        let end = len.checked_mul(std::mem::size_of::<T>())?.checked_add(offset)?;
        let s = bytes.as_slice();
        if end > s.len() || !(s.as_ptr() as usize + offset).is_multiple_of(std::mem::align_of::<T>()) {
            return None;
        }
        Some(Array::Shared { bytes: Arc::clone(bytes), offset, len })
    }
}

impl<T: Pod> Deref for Array<T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        match self {
            Array::Owned(v) => v,
            Array::Shared { bytes, offset, len } => {
                // SAFETY: `view` checked that `offset .. offset + len × size_of::<T>()` lies in
                // the bytes and is aligned for T; `Pod` types accept any bit pattern; the bytes
                // are never changed while views exist (nothing hands out `&mut`).
                unsafe { std::slice::from_raw_parts(bytes.as_slice().as_ptr().add(*offset) as *const T, *len) }
            }
        }
    }
}

impl<T: Pod> From<Vec<T>> for Array<T> {
    fn from(v: Vec<T>) -> Array<T> {
        Array::Owned(v)
    }
}

impl<T: Pod> Default for Array<T> {
    fn default() -> Array<T> {
        Array::Owned(Vec::new())
    }
}

impl<T: Pod> PartialEq for Array<T> {
    fn eq(&self, other: &Array<T>) -> bool {
        **self == **other
    }
}

impl<T: Pod> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if matches!(self, Array::Owned(_)) { "owned" } else { "shared" };
        write!(f, "Array({kind}, {} values)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_read_in_place_and_refuse_what_does_not_fit() {
        let mut bytes = Vec::new();
        for v in [1.5f32, -2.0, 3.25, 4.0, 5.0, 6.0] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let shared = Arc::new(SceneBytes::new(bytes));
        let view: Array<[f32; 3]> = Array::view(&shared, 0, 2).unwrap();
        assert_eq!(&*view, &[[1.5, -2.0, 3.25], [4.0, 5.0, 6.0]]);
        assert!(matches!(view, Array::Shared { .. }));
        let tail: Array<[f32; 2]> = Array::view(&shared, 16, 1).unwrap();
        assert_eq!(&*tail, &[[5.0, 6.0]]);
        assert!(Array::<[f32; 3]>::view(&shared, 4, 2).is_none(), "past the end");
        assert!(Array::<[f32; 3]>::view(&shared, 2, 1).is_none(), "misaligned");
        assert!(Array::<u32>::view(&shared, 0, usize::MAX).is_none(), "overflow");
        assert_eq!(view, Array::from(vec![[1.5, -2.0, 3.25], [4.0, 5.0, 6.0]]));
        // Unaligned input is copied to an aligned buffer.
        let unaligned: Vec<u8> = (0..20).collect();
        let kept = SceneBytes::copy_of(&unaligned[1..]);
        assert_eq!(kept.as_slice(), &unaligned[1..]);
        assert_eq!(kept.as_slice().as_ptr() as usize % 8, 0);
    }
}
