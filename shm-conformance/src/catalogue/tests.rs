use super::*;

fn catalogue(files: &[(&str, &str)]) -> Result<Vec<Case>, String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(format!("{name}.toml")), text).unwrap();
    }
    load(Some(dir.path()))
}

const TWO_DTYPES: &str = r#"
[[case]]
name = "fill-{dtype}"
description = "d"
dtypes = ["int8", "float64"]
shapes = [[2], [3, 1]]
steps = [
    { on = "parent", op = "create" },
    { on = "child", op = "view", dtype = "{dtype}" },
    { on = "child", op = "probe", os = ["no-such-os"] },
]
"#;

#[test]
fn dtypes_expand_into_cases_with_their_steps_for_this_os() {
    let cases = catalogue(&[("a", TWO_DTYPES)]).unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c.name()).collect();
    assert_eq!(names, ["fill-int8", "fill-float64"]);
    let c = &cases[1];
    assert_eq!(
        (c.dtype.name(), c.id.file.as_str()),
        ("float64".into(), "a")
    );
    assert_eq!(c.shapes, [vec![2], vec![3, 1]]);
    assert_eq!(c.steps.len(), 2, "the step for another OS is left out");
    assert!(matches!(&c.steps[1].op, StepOp::View { dtype } if dtype == "float64"));
    assert!(c.not_here.is_none());
}

#[test]
fn the_builtin_catalogue_loads_with_unique_names() {
    let cases = load(None).unwrap();
    assert!(cases.len() >= 16);
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name()).collect();
    assert_eq!(names.len(), cases.len());
}

#[test]
fn bad_catalogues_say_which_file_and_case() {
    let twice = format!("{TWO_DTYPES}\n{TWO_DTYPES}");
    let e = catalogue(&[("b", &twice)]).unwrap_err();
    assert!(e.contains("b.toml") && e.contains("defined twice"), "{e}");
    let no_placeholder = TWO_DTYPES.replace("fill-{dtype}", "fill");
    let e = catalogue(&[("c", &no_placeholder)]).unwrap_err();
    assert!(e.contains("c.toml") && e.contains("{dtype}"), "{e}");
    let unknown_kind = r#"
[[case]]
name = "x"
description = "d"
steps = [{ on = "parent", op = "sum", expect_error = "Other" }]
"#;
    let e = catalogue(&[("d", unknown_kind)]).unwrap_err();
    assert!(e.contains("d.toml"), "{e}");
}

#[test]
fn cases_for_another_os_say_so() {
    let text = r#"
[[case]]
name = "elsewhere"
description = "d"
os = ["no-such-os"]
steps = [{ on = "parent", op = "create" }]
"#;
    let cases = catalogue(&[("e", text)]).unwrap();
    assert_eq!(
        cases[0].not_here.as_deref(),
        Some("applies to no-such-os only")
    );
}

#[test]
fn filters_match_substrings_or_whole_names() {
    let f = vec!["seed".to_owned()];
    assert!(selected("seed-blog-write", &f, false));
    assert!(!selected("seed-blog-write", &f, true));
    assert!(selected("anything", &[], true));
}
