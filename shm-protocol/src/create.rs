//! What `create` makes and the line it prints (protocol section 5.2), once
//! for every Rust creator: the reference peer's `create` and the runner's
//! actors. The plan is read and checked before anything exists; then the
//! array is made in the layout asked for, filled, and described in the
//! form asked for.

use serde::{Deserialize, Serialize};
use shm_core::foreign::sharedarray;
use shm_core::{DType, Descriptor, Error, Order, Scalar, SharedArray};

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

    /// Makes the array and returns it with the line to print. An empty
    /// array printed as the Wetlands payload has no segment at all, as
    /// Wetlands sends it (`"name": null`): a segment nobody could find by
    /// name would be left behind.
    pub fn make(&self) -> Result<(SharedArray, String), Error> {
        let name = self.name.as_deref();
        let empty = self.shape.contains(&0);
        if empty && self.printed == Form::Wetlands && self.layout == Layout::Bare {
            if let Some(name) = name {
                return Err(Error::InvalidArgument(format!(
                    "an empty array in the Wetlands payload has no segment, so no name ({name:?})"
                )));
            }
            let nothing = Descriptor::build(None, &self.shape, self.dtype, Order::C, 0, None)?;
            let array = SharedArray::attach(&nothing)?;
            let line = Form::Wetlands.write(array.descriptor())?.to_string();
            return Ok((array, line));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_wetlands_array_makes_no_segment() {
        let mut plan = CreatePlan::read("0", "float64", None).unwrap();
        plan.printed = Form::Wetlands;
        let (array, line) = plan.make().unwrap();
        assert!(array.segment().is_none());
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        let inner = &v[shm_core::descriptor::WETLANDS_MARKER];
        assert_eq!(inner["name"], serde_json::Value::Null);
        plan.name = Some("shmc_empty_named".into());
        assert!(plan.make().is_err(), "a name cannot be given to no segment");
    }

    #[test]
    fn a_plan_makes_and_fills_in_its_layout_and_prints_its_form() {
        let mut plan = CreatePlan::read("2,3", "<i4", Some("-7")).unwrap();
        let (array, line) = plan.make().unwrap();
        assert_eq!(line, array.descriptor().to_json());
        assert_eq!(
            shm_core::scalar::sum(plan.dtype, array.bytes())
                .unwrap()
                .to_string(),
            "-42"
        );
        plan.printed = Form::Wetlands;
        let (_, line) = plan.make().unwrap();
        assert!(
            line.contains(shm_core::descriptor::WETLANDS_MARKER),
            "{line}"
        );
    }
}
