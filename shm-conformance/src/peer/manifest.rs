//! Peer manifests: a peer described as data, in TOML. The schema is
//! written once, in `fixtures/peers/README.md`, which this binary embeds
//! and prints (`shm-harness schema manifest`): [`SCHEMA`]. Unknown keys are
//! errors that name the file and the key; so is a program that is not
//! there.

use std::path::Path;

use serde::Deserialize;
use shm_core::DType;
use shm_protocol::create::Layout;
use shm_protocol::form::Form;

use super::spec::{PeerSpec, Side};
use crate::platform::os_matches;

/// The manifest schema, as `fixtures/peers/README.md` writes it.
pub const SCHEMA: &str = data!("fixtures/peers/README.md");

/// A peer manifest as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// How reports name the peer.
    pub name: String,
    /// The program and leading arguments, placeholders unfilled.
    pub argv: Vec<String>,
    /// For people reading the manifest; the runner does not use it.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    serve: bool,
    #[serde(default)]
    form: Option<Form>,
    #[serde(default)]
    forms: Option<Vec<Form>>,
    #[serde(default)]
    unlink: bool,
    #[serde(default)]
    byte_orders: Option<Vec<ByteOrderName>>,
    #[serde(default)]
    dtypes: Option<Vec<String>>,
    #[serde(default = "yes")]
    empty: bool,
    #[serde(default = "yes")]
    named_create: bool,
    #[serde(default)]
    layout: Layout,
    /// Where the peer exists (default: everywhere).
    #[serde(default)]
    pub os: Option<Vec<String>>,
    /// Modules `{python}` must import for the peer to run.
    #[serde(default)]
    pub python_modules: Vec<String>,
    #[serde(default)]
    unsupported_side: Vec<SideRule>,
    #[serde(default)]
    deviation: Vec<Deviation>,
}

fn yes() -> bool {
    true
}

/// Byte orders, as manifests name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ByteOrderName {
    /// This machine's.
    Native,
    /// The other one.
    Swapped,
}

/// A side the peer cannot take, where `os` says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SideRule {
    side: Side,
    #[serde(default)]
    os: Option<Vec<String>>,
    reason: String,
}

/// A documented difference of one case on one side, where `os` says (all
/// OSes when it is absent).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Deviation {
    case: String,
    side: Side,
    #[serde(default)]
    os: Option<Vec<String>>,
    reason: String,
}

/// The dtypes a manifest may name: numpy's names of every dtype shm-core
/// models.
fn dtype_names() -> Vec<String> {
    DType::all_native().iter().map(DType::name).collect()
}

/// What `argv`'s placeholders stand for.
pub struct Placeholders<'a> {
    /// `{dir}`: the manifest's directory, if it came from a file.
    pub dir: Option<&'a Path>,
    /// `{python}`.
    pub python: &'a str,
    /// `{scripts}`, made on first use.
    pub scripts: &'a mut dyn FnMut() -> Result<String, String>,
}

impl Manifest {
    /// Parses `text`; errors name `file` and the key.
    pub fn parse(file: &str, text: &str) -> Result<Manifest, String> {
        let m: Manifest = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        if m.name.is_empty() || m.name == "rust" || m.name == "all" {
            return Err(format!("{file}: name: {:?} is not a peer name", m.name));
        }
        if m.argv.is_empty() {
            return Err(format!("{file}: argv: needs at least the program"));
        }
        let names = dtype_names();
        for d in m.dtypes.iter().flatten() {
            if !names.contains(d) {
                return Err(format!(
                    "{file}: dtypes: {d:?} is not one of {}",
                    names.join(", ")
                ));
            }
        }
        let forms = m.forms();
        if forms.contains(&Form::Short) {
            return Err(format!(
                "{file}: forms: every peer that reads the canonical form reads the short one; say \"canonical\" or \"wetlands\""
            ));
        }
        if forms.is_empty() || (m.form.is_some() && m.forms.is_some()) {
            return Err(format!(
                "{file}: forms: give at least one form, in forms or form, not both"
            ));
        }
        if m.byte_orders
            .as_ref()
            .is_some_and(|b| !b.contains(&ByteOrderName::Native))
        {
            return Err(format!("{file}: byte_orders: must include \"native\""));
        }
        Ok(m)
    }

    /// Reads and parses the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, String> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: {e}"))?;
        Manifest::parse(&file, &text)
    }

    /// Why the peer cannot exist on this OS, if it cannot.
    pub fn not_on_this_os(&self) -> Option<String> {
        (!os_matches(self.os.as_deref())).then(|| {
            format!(
                "{} exists on {} only",
                self.name,
                self.os.as_deref().unwrap_or_default().join(", ")
            )
        })
    }

    /// The argv with its placeholders filled in, its program checked.
    pub fn argv(&self, file: &str, places: &mut Placeholders<'_>) -> Result<Vec<String>, String> {
        let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
        let bin = exe
            .parent()
            .unwrap_or(Path::new("."))
            .to_string_lossy()
            .into_owned();
        let mut argv = Vec::new();
        for arg in &self.argv {
            let mut a = arg
                .replace("{harness}", &exe.to_string_lossy())
                .replace("{bin}", &bin)
                .replace("{exe}", std::env::consts::EXE_SUFFIX)
                .replace("{python}", places.python);
            if a.contains("{dir}") {
                let dir = places
                    .dir
                    .ok_or_else(|| format!("{file}: argv: {{dir}} needs a manifest file"))?;
                a = a.replace("{dir}", &dir.to_string_lossy());
            }
            if a.contains("{scripts}") {
                a = a.replace("{scripts}", &(places.scripts)()?);
            }
            argv.push(a);
        }
        if !program_exists(&argv[0]) {
            return Err(format!("{file}: argv: program {:?} is not there", argv[0]));
        }
        Ok(argv)
    }

    /// The descriptor forms it reads: `forms`, or `form`, or canonical.
    fn forms(&self) -> Vec<Form> {
        match (&self.forms, self.form) {
            (Some(forms), _) => forms.clone(),
            (None, Some(form)) => vec![form],
            (None, None) => vec![Form::Canonical],
        }
    }

    /// The runner's view of the peer.
    pub fn spec(&self, argv: Vec<String>) -> PeerSpec {
        let unsupported = match &self.dtypes {
            None => Vec::new(),
            Some(list) => DType::all_native()
                .into_iter()
                .filter(|d| !list.contains(&d.name()))
                .map(|d| (d, "not in its manifest's dtypes".to_owned()))
                .collect(),
        };
        PeerSpec {
            name: self.name.clone(),
            argv,
            forms: self.forms(),
            unsupported,
            swapped: self
                .byte_orders
                .as_ref()
                .is_none_or(|b| b.contains(&ByteOrderName::Swapped)),
            empty: self.empty,
            serve: self.serve,
            named_create: self.named_create,
            unlink: self.unlink,
            layout: self.layout,
            side_unsupported: self
                .unsupported_side
                .iter()
                .find(|r| os_matches(r.os.as_deref()))
                .map(|r| (r.side, r.reason.clone())),
            deviations: self
                .deviation
                .iter()
                .filter(|d| os_matches(d.os.as_deref()))
                .map(|d| (d.case.clone(), d.side, d.reason.clone()))
                .collect(),
        }
    }
}

/// Whether `program` names a file (a path) or a program on `PATH`.
fn program_exists(program: &str) -> bool {
    let p = Path::new(program);
    if p.components().count() > 1 || p.is_absolute() {
        return p.is_file();
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let candidate = dir.join(program);
            candidate.is_file() || (cfg!(windows) && candidate.with_extension("exe").is_file())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_with_name_and_argv_claims_the_whole_contract() {
        let m = Manifest::parse("m.toml", "name = \"x\"\nargv = [\"sh\"]").unwrap();
        let spec = m.spec(vec!["sh".into()]);
        assert!(spec.swapped && spec.empty && spec.named_create && !spec.serve);
        assert!(spec.unsupported.is_empty() && spec.deviations.is_empty());
        assert_eq!(spec.forms, [Form::Canonical]);
        assert!(spec.reads(Form::Short) && !spec.reads(Form::Wetlands) && !spec.unlink);
    }

    #[test]
    fn bad_manifests_name_the_file_and_the_key() {
        for (text, key) in [
            ("name = \"x\"\nargv = [\"sh\"]\nservve = true", "servve"),
            ("name = \"x\"\nargv = []", "argv"),
            (
                "name = \"x\"\nargv = [\"sh\"]\ndtypes = [\"float128\"]",
                "dtypes",
            ),
            ("name = \"x\"\nargv = [\"sh\"]\nform = \"long\"", "form"),
            ("argv = [\"sh\"]", "name"),
        ] {
            let e = Manifest::parse("bad.toml", text).unwrap_err();
            assert!(e.contains("bad.toml") && e.contains(key), "{key}: {e}");
        }
        let m =
            Manifest::parse("gone.toml", "name = \"x\"\nargv = [\"/no/such/program\"]").unwrap();
        let mut scripts = || Ok(String::new());
        let mut places = Placeholders {
            dir: None,
            python: "python3",
            scripts: &mut scripts,
        };
        let e = m.argv("gone.toml", &mut places).unwrap_err();
        assert!(
            e.contains("gone.toml: argv") && e.contains("/no/such/program"),
            "{e}"
        );
    }

    #[test]
    fn capabilities_become_what_the_runner_skips() {
        let text = r#"
name = "x"
argv = ["sh"]
dtypes = ["int8", "float64"]
byte_orders = ["native"]
[[unsupported_side]]
side = "attaches"
os = ["no-such-os"]
reason = "never here"
[[deviation]]
case = "permissions"
side = "creates"
reason = "warning: 0666"
[[deviation]]
case = "create-taken-name"
side = "creates"
os = ["no-such-os"]
reason = "elsewhere only"
"#;
        let spec = Manifest::parse("x.toml", text)
            .unwrap()
            .spec(vec!["sh".into()]);
        assert!(!spec.swapped);
        assert!(spec.unsupported.iter().any(|(d, _)| d.name() == "float16"));
        assert!(!spec.unsupported.iter().any(|(d, _)| d.name() == "int8"));
        assert!(
            spec.side_unsupported.is_none(),
            "the rule is for another OS"
        );
        assert_eq!(spec.deviations.len(), 1, "the second is for another OS");
        assert_eq!(spec.deviations[0].0, "permissions");
    }
}
