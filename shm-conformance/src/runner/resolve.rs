//! Step resolution: a catalogue step, as written, becomes a [`Request`]
//! that a worker can always execute, by filling in what the step leaves to
//! the run: shape, dtype, the current array's name, the descriptor in the
//! form asked for, and part numbers.

use serde_json::Value;
use shm_core::{DType, Descriptor};
use shm_protocol::create::Layout;
use shm_protocol::form::Form;

use crate::actor::Request;
use crate::catalogue::StepOp;

/// What steps are resolved against: the run's case and array so far.
#[derive(Debug, Clone, Copy)]
pub(super) struct Context<'a> {
    /// The shape of this pass over the case.
    pub(super) shape: &'a [usize],
    /// The case's dtype (in the case's byte order).
    pub(super) dtype: DType,
    /// The descriptor of the array created last, by whoever created it.
    pub(super) descriptor: Option<&'a Descriptor>,
    /// That descriptor as its creator printed it (its own form, with any
    /// `layout`), which attachers get when the step asks for no form.
    pub(super) printed: Option<&'a Value>,
    /// The layout a creator must make for the attachers of this run.
    pub(super) layout: Layout,
}

impl Context<'_> {
    fn current_name(&self) -> Result<String, String> {
        self.descriptor
            .and_then(|d| d.name().map(str::to_owned))
            .ok_or_else(|| "no array was created yet".to_owned())
    }

    /// `name`, or the current array's when it is missing or `$name`.
    fn name(&self, name: &Option<String>) -> Result<String, String> {
        match name.as_deref() {
            None | Some("$name") => self.current_name(),
            Some(n) => Ok(n.to_owned()),
        }
    }
}

/// Resolves `op` for the `k`-th actor of its step.
pub(super) fn resolve(op: &StepOp, ctx: &Context<'_>, k: usize) -> Result<Request, String> {
    Ok(match op {
        StepOp::Create {
            shape,
            dtype,
            fill,
            name,
            layout,
        } => Request::Create {
            shape: shape.clone().unwrap_or_else(|| ctx.shape.to_vec()),
            dtype: dtype.unwrap_or(ctx.dtype),
            fill: fill.clone(),
            name: match name.as_deref() {
                Some("$name") => Some(ctx.current_name()?),
                other => other.map(str::to_owned),
            },
            layout: layout.unwrap_or(ctx.layout),
        },
        StepOp::CreateSegment { name, size } => Request::CreateSegment {
            name: ctx.name(name)?,
            size: *size,
        },
        StepOp::Attach { form, overrides } => {
            let d = ctx.descriptor.ok_or("no array was created yet")?;
            let descriptor = match (form, overrides, ctx.printed) {
                (None, None, Some(printed)) => printed.clone(),
                _ => descriptor_form(d, form.unwrap_or(Form::Canonical), overrides.as_ref())?,
            };
            Request::Attach { descriptor }
        }
        StepOp::View { dtype } => Request::View {
            dtype: DType::parse(dtype).map_err(|e| format!("view: {e}"))?,
        },
        StepOp::Set { index, value } => Request::Set {
            index: index.clone(),
            value: value.clone(),
        },
        StepOp::Get { index } => Request::Get {
            index: index.clone(),
        },
        StepOp::Sum => Request::Sum,
        StepOp::Fill { value } => Request::Fill {
            value: value.clone(),
        },
        StepOp::FillPart { parts, part, value } => Request::FillPart {
            parts: *parts,
            part: part + k,
            value: value.clone().unwrap_or_else(|| (part + k + 1).to_string()),
        },
        StepOp::CheckParts { parts, value, upto } => Request::CheckParts {
            parts: *parts,
            value: value.clone(),
            upto: *upto,
        },
        StepOp::Pattern { seed } => Request::Pattern { seed: *seed },
        StepOp::CheckPattern { seed } => Request::CheckPattern { seed: *seed },
        StepOp::Emit => Request::Emit,
        StepOp::Unlink { name } => Request::Unlink {
            name: ctx.name(name)?,
        },
        StepOp::Probe { name } => Request::Probe {
            name: ctx.name(name)?,
        },
        StepOp::Mode => Request::Mode,
        StepOp::Disown => Request::Disown,
        StepOp::Adopt => Request::Adopt,
        StepOp::Close => Request::Close,
        StepOp::Clean { name } => Request::Clean {
            name: ctx.name(name)?,
        },
        StepOp::Sleep { ms } => Request::Sleep { ms: *ms },
        StepOp::WriteLoop { ms } => Request::WriteLoop { ms: *ms },
        StepOp::KillSelf => Request::KillSelf,
        StepOp::Exit => Request::Exit,
        StepOp::Kill { .. } => return Err("kill is the runner's own action".into()),
    })
}

/// The descriptor as the step asks to send it.
fn descriptor_form(
    d: &Descriptor,
    form: Form,
    overrides: Option<&serde_json::Map<String, Value>>,
) -> Result<Value, String> {
    let mut value = form.write(d).map_err(|e| e.to_string())?;
    if let Some(overrides) = overrides {
        let target = match value.get_mut(shm_core::descriptor::WETLANDS_MARKER) {
            Some(inner) => inner,
            None => &mut value,
        };
        let map = target
            .as_object_mut()
            .expect("descriptor forms are objects");
        for (k, v) in overrides {
            map.insert(k.clone(), v.clone());
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step_op(text: &str) -> StepOp {
        let step: crate::catalogue::Step =
            toml::from_str(&format!("on = \"child\"\n{text}")).unwrap();
        step.op
    }

    fn with<T>(f: impl FnOnce(Context<'_>) -> T) -> T {
        let d = Descriptor::new("shmc_test", &[2, 3], DType::parse("<i4").unwrap()).unwrap();
        f(Context {
            shape: &[4],
            dtype: DType::parse(">f8").unwrap(),
            descriptor: Some(&d),
            printed: None,
            layout: Layout::Bare,
        })
    }

    #[test]
    fn a_create_gets_the_cases_shape_and_dtype() {
        let r = with(|ctx| resolve(&step_op("op = \"create\""), &ctx, 0)).unwrap();
        assert_eq!(
            r,
            Request::Create {
                shape: vec![4],
                dtype: DType::parse(">f8").unwrap(),
                fill: None,
                name: None,
                layout: Layout::Bare
            }
        );
    }

    #[test]
    fn names_default_to_the_current_array_and_dollar_name_says_so() {
        for text in ["op = \"unlink\"", "op = \"unlink\"\nname = \"$name\""] {
            let r = with(|ctx| resolve(&step_op(text), &ctx, 0)).unwrap();
            assert_eq!(
                r,
                Request::Unlink {
                    name: "shmc_test".into()
                }
            );
        }
        let none = Context {
            shape: &[],
            dtype: DType::parse("u1").unwrap(),
            descriptor: None,
            printed: None,
            layout: Layout::Bare,
        };
        assert!(resolve(&step_op("op = \"probe\""), &none, 0).is_err());
    }

    #[test]
    fn parallel_actors_are_numbered_as_parts() {
        let op = step_op("op = \"fill-part\"\nparts = 3");
        let r = with(|ctx| resolve(&op, &ctx, 2)).unwrap();
        assert_eq!(
            r,
            Request::FillPart {
                parts: 3,
                part: 2,
                value: "3".into()
            }
        );
    }

    #[test]
    fn attach_sends_the_form_asked_for_with_overrides() {
        let op = step_op("op = \"attach\"\nform = \"short\"\noverride = { dtype = \"<i8\" }");
        let Request::Attach { descriptor } = with(|ctx| resolve(&op, &ctx, 0)).unwrap() else {
            panic!("an attach")
        };
        assert_eq!(
            descriptor,
            serde_json::json!({"name": "shmc_test", "shape": [2, 3], "dtype": "<i8"})
        );
        let wetlands = step_op("op = \"attach\"\nform = \"wetlands\"");
        let Request::Attach { descriptor } = with(|ctx| resolve(&wetlands, &ctx, 0)).unwrap()
        else {
            panic!("an attach")
        };
        assert!(
            descriptor
                .get(shm_core::descriptor::WETLANDS_MARKER)
                .is_some()
        );
    }

    #[test]
    fn kill_never_becomes_a_request() {
        let op = step_op("op = \"kill\"\ntarget = \"child\"");
        assert!(with(|ctx| resolve(&op, &ctx, 0)).is_err());
    }
}
