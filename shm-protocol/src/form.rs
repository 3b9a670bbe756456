//! The descriptor forms (protocol section 4): the canonical form every
//! peer prints, the seeds' short form every peer reads, and the Wetlands
//! payload a peer may read; and a descriptor written in each.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shm_core::{Descriptor, Error};

/// A descriptor form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// Every key, as [`Descriptor::to_json`] writes it (section 4.1).
    Canonical,
    /// The seeds' `{"name", "shape", "dtype"}` (section 4.2).
    Short,
    /// The Wetlands 2.6 payload (section 4.3).
    Wetlands,
}

impl Form {
    /// The form's name, as cases and manifests write it.
    pub fn name(self) -> &'static str {
        match self {
            Form::Canonical => "canonical",
            Form::Short => "short",
            Form::Wetlands => "wetlands",
        }
    }

    /// `d` written in this form, as a JSON object.
    pub fn write(self, d: &Descriptor) -> Result<Value, Error> {
        Ok(match self {
            Form::Canonical => d.to_value(),
            Form::Short => serde_json::json!({
                "name": d.name(),
                "shape": d.shape(),
                "dtype": if d.dtype().is_native() { d.dtype().name() } else { d.dtype().to_string() },
            }),
            Form::Wetlands => d.to_wetlands_value()?,
        })
    }
}

/// The segment name a descriptor in any form gives (the Wetlands payload
/// keeps it inside its marker), without a leading `/`.
pub fn name_in(descriptor: &Value) -> Option<&str> {
    descriptor
        .get(shm_core::descriptor::WETLANDS_MARKER)
        .unwrap_or(descriptor)
        .get("name")
        .and_then(Value::as_str)
        .map(|n| n.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_writes_what_it_says() {
        let d =
            Descriptor::new("shmc_test", &[2, 3], shm_core::DType::parse("<i4").unwrap()).unwrap();
        assert_eq!(Form::Canonical.write(&d).unwrap(), d.to_value());
        let short = Form::Short.write(&d).unwrap();
        assert_eq!(short.as_object().unwrap().len(), 3);
        let wetlands = Form::Wetlands.write(&d).unwrap();
        assert!(
            wetlands
                .get(shm_core::descriptor::WETLANDS_MARKER)
                .is_some()
        );
        assert_eq!(name_in(&wetlands), Some("shmc_test"));
        assert_eq!(name_in(&short), Some("shmc_test"));
        assert_eq!(name_in(&serde_json::json!({"name": "/a"})), Some("a"));
        let form: Form = serde_json::from_str("\"wetlands\"").unwrap();
        assert_eq!(form.name(), "wetlands");
    }
}
