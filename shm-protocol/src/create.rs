//! What `create` makes and the line it prints (protocol section 5.2), once
//! for every Rust creator: the reference peer's `create` and the runner's
//! actors. The plan is read and checked before anything exists; then the
//! array is made in the layout asked for, filled, and described in the
//! form asked for.

use serde::{Deserialize, Serialize};
use shm_core::foreign::sharedarray;
use shm_core::{DType, Error, Scalar, SharedArray};

use crate::form::Form;

/// The segment layout a creator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// The protocol's: the array's bytes and nothing else.
    #[default]
    Bare,
    /// SharedArray's: the data, then its shape/dtype trailer (an extension
    /// outside the protocol; native byte order only). Its descriptor is
    /// printed with `"layout": "sharedarray"`.
    #[serde(rename = "sharedarray")]
    SharedArray,
}

/// What one `create` asks for, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatePlan {
    /// The shape.
    pub shape: Vec<usize>,
    /// The dtype.
    pub dtype: DType,
    /// The value written to every element (default: zeros).
    pub fill: Option<Scalar>,
    /// The segment's name (default: a generated one).
    pub name: Option<String>,
    /// The layout of the segment.
    pub layout: Layout,
    /// The form the descriptor is printed in: canonical (the protocol's),
    /// or the Wetlands payload or the short form (extensions outside it).
    pub printed: Form,
}

impl CreatePlan {
    /// Reads `--shape`, `--dtype` and `--fill` (in that order, so the fill
    /// value is read for the dtype), before anything exists.
    pub fn read(shape: &str, dtype: &str, fill: Option<&str>) -> Result<CreatePlan, Error> {
        let shape = crate::arguments::parse_shape(shape)?;
        let dtype = DType::parse(dtype)?;
        let fill = fill.map(|v| Scalar::parse(dtype, v)).transpose()?;
        Ok(CreatePlan {
            shape,
            dtype,
            fill,
            name: None,
            layout: Layout::Bare,
            printed: Form::Canonical,
        })
    }

    /// Makes the array and returns it with the line to print.
    pub fn make(&self) -> Result<(SharedArray, String), Error> {
        let name = self.name.as_deref();
        let mut array = match self.layout {
            Layout::Bare => SharedArray::create_dtype(name, &self.shape, self.dtype)?,
            Layout::SharedArray => sharedarray::create(name, &self.shape, self.dtype)?,
        };
        if let Some(value) = self.fill {
            array.fill(value)?;
        }
        let line = match (self.layout, self.printed) {
            (Layout::SharedArray, _) => sharedarray::descriptor_json(array.descriptor()),
            (Layout::Bare, Form::Canonical) => array.descriptor().to_json(),
            (Layout::Bare, form) => form.write(array.descriptor())?.to_string(),
        };
        Ok((array, line))
    }
}
