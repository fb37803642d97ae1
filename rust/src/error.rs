//! Why a render did not produce pixels: the one error type of rendering, shared by the view
//! (bad sizes), tile rendering and the wasm face.

use std::fmt;

/// Why a render did not produce pixels.
#[derive(Clone, Debug, PartialEq)]
pub enum RenderError {
    /// The cancel callback said so; the message is exactly `cancelled`.
    Cancelled,
    /// A bad view or rectangle, or memory that could not be had; a one-line message.
    Invalid(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Cancelled => f.write_str("cancelled"),
            RenderError::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for RenderError {}
