//! Reads criterion's saved estimates and draws charts and tables from them.
//!
//! Criterion stores each benchmark under its output directory as
//! `<id>/new/benchmark.json` (the id and its throughput) beside
//! `<id>/new/estimates.json` (the statistics, in nanoseconds). The charts
//! plot the median against the array size on log-log axes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use serde_json::Value;

use crate::sizes;
use ipc_bench::units::time as fmt_time;

/// One benchmark's result as criterion saved it.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The full id, e.g. `handoff/shared/4KiB`.
    pub id: String,
    /// The median time of one iteration, in seconds.
    pub median_s: f64,
    /// Bytes per iteration, when the bench declared a byte throughput.
    pub bytes: Option<u64>,
}

/// Where criterion keeps its data: `$CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else `target/criterion` (criterion's own
/// order, without its `cargo metadata` step).
pub fn default_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join("criterion"),
        None => PathBuf::from("target").join("criterion"),
    }
}

/// Every estimate under `dir`, sorted by id.
pub fn read_estimates(dir: &Path) -> io::Result<Vec<Estimate>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                // `base` and `change` hold older runs and comparisons.
                if path
                    .file_name()
                    .is_some_and(|n| n != "base" && n != "change")
                {
                    stack.push(path);
                }
            } else if path.file_name().is_some_and(|n| n == "benchmark.json")
                && d.file_name().is_some_and(|n| n == "new")
            {
                let e = read_one(&path, &d.join("estimates.json"))?;
                found.insert(e.id.clone(), e);
            }
        }
    }
    Ok(found.into_values().collect())
}

fn read_one(benchmark: &Path, estimates: &Path) -> io::Result<Estimate> {
    let bad = |what: &str, p: &Path| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {what}", p.display()),
        )
    };
    let json = |p: &Path| -> io::Result<Value> {
        serde_json::from_str(&std::fs::read_to_string(p)?).map_err(|e| bad(&e.to_string(), p))
    };
    let b = json(benchmark)?;
    let e = json(estimates)?;
    let id = b["full_id"]
        .as_str()
        .ok_or_else(|| bad("no full_id", benchmark))?;
    let median_ns = e["median"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| bad("no median", estimates))?;
    Ok(Estimate {
        id: id.to_owned(),
        median_s: median_ns * 1e-9,
        bytes: b["throughput"]["Bytes"].as_u64(),
    })
}

/// The points `(bytes, seconds)` of the benches named `<prefix>/<size>`,
/// by size.
pub fn series(estimates: &[Estimate], prefix: &str) -> Vec<(u64, f64)> {
    let mut points: Vec<(u64, f64)> = estimates
        .iter()
        .filter_map(|e| {
            let size = e.id.strip_prefix(prefix)?.strip_prefix('/')?;
            let bytes = e.bytes.or_else(|| sizes::parse(size).map(|s| s as u64))?;
            Some((bytes, e.median_s))
        })
        .collect();
    points.sort_by_key(|p| p.0);
    points
}

/// One line on a chart.
#[derive(Debug, Clone)]
pub struct Line {
    /// The legend text.
    pub label: String,
    /// `(bytes, seconds)` points.
    pub points: Vec<(u64, f64)>,
    /// Dashed (a floor) or solid.
    pub dashed: bool,
}

/// A chart: which benches, under what title.
#[derive(Debug, Clone, Copy)]
pub struct ChartSpec {
    /// The chart's name on the command line.
    pub name: &'static str,
    /// The title drawn on top.
    pub title: &'static str,
    /// `(id prefix, legend text, dashed)` per line.
    pub lines: &'static [(&'static str, &'static str, bool)],
}

/// The charts `bench-chart` knows.
pub const CHARTS: [ChartSpec; 2] = [
    ChartSpec {
        name: "handoff",
        title: "Hand-off: the child holds a usable array (median time)",
        lines: &[
            ("handoff/shared", "shared (descriptor + attach)", false),
            ("handoff/pool", "lent from a pool", false),
            ("handoff/iceoryx2_event", "iceoryx2, event-driven", false),
            ("handoff/iceoryx2_poll", "iceoryx2, busy-polling", false),
            ("handoff/pipe", "copied through a pipe", false),
            ("handoff/unix_socket", "copied through a Unix socket", false),
            (
                "floor/handoff_raw",
                "floor: bare shm_open + fstat + mmap",
                true,
            ),
        ],
    },
    ChartSpec {
        name: "end_to_end",
        title: "End to end: producer fills, consumer sums (median time)",
        lines: &[
            ("end_to_end/shared", "shared", false),
            ("end_to_end/pool", "lent from a pool", false),
            ("end_to_end/pipe", "copied through a pipe", false),
            (
                "end_to_end/in_process_floor",
                "floor: fill + sum in one process",
                true,
            ),
            (
                "end_to_end/two_thread_floor",
                "floor: fill and sum in two threads",
                true,
            ),
        ],
    },
];

/// The lines of `spec` found in `estimates` (empty lines are left out).
pub fn lines(spec: &ChartSpec, estimates: &[Estimate]) -> Vec<Line> {
    spec.lines
        .iter()
        .map(|&(prefix, label, dashed)| Line {
            label: label.to_owned(),
            points: series(estimates, prefix),
            dashed,
        })
        .filter(|l| !l.points.is_empty())
        .collect()
}

/// Draws `lines` as an SVG document: time against size, both logarithmic.
pub fn draw_svg(title: &str, lines: &[Line]) -> Result<String, String> {
    let all = || lines.iter().flat_map(|l| l.points.iter().copied());
    if all().next().is_none() {
        return Err("no data to draw: run the benches first".into());
    }
    let (xmin, xmax) = all().fold((u64::MAX, 0), |(lo, hi), (b, _)| (lo.min(b), hi.max(b)));
    let (ymin, ymax) = all().fold((f64::MAX, 0.0f64), |(lo, hi), (_, s)| {
        (lo.min(s), hi.max(s))
    });
    // log2 of the size on x, so ticks fall on powers of two.
    let x = |b: u64| (b as f64).log2();
    let x_range = (x(xmin) - 0.5)..(x(xmax) + 0.5);
    let y_range = (ymin / 2.0)..(ymax * 2.0);
    let palette = [
        RGBColor(0x1b, 0x6a, 0xc9),
        RGBColor(0xd9, 0x5f, 0x02),
        RGBColor(0x2c, 0xa0, 0x2c),
        RGBColor(0x9c, 0x27, 0xb0),
        RGBColor(0xe6, 0xa1, 0x00),
        RGBColor(0x00, 0x96, 0x88),
    ];
    // Floors are dashed and grey on every chart.
    let floor = RGBColor(0x55, 0x55, 0x55);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 600)).into_drawing_area();
        let e = |e: &dyn std::fmt::Display| e.to_string();
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(18)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range.clone(), y_range.log_scale())
            .map_err(|x| e(&x))?;
        let ticks = (x_range.end - x_range.start).round() as usize + 1;
        chart
            .configure_mesh()
            .x_desc("array size")
            .y_desc("median time (log scale)")
            .x_labels(ticks)
            .x_label_formatter(&|v| {
                let p = v.round();
                if (v - p).abs() < 1e-6 && (0.0..63.0).contains(&p) && (p as u32).is_multiple_of(2)
                {
                    sizes::label(1usize << p as u32)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|s| fmt_time(*s))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|x| e(&x))?;
        let mut solid = palette.iter().cycle();
        for line in lines {
            let color = if line.dashed {
                floor
            } else {
                *solid.next().expect("a cycle never ends")
            };
            let style = color.stroke_width(2);
            let pts: Vec<(f64, f64)> = line.points.iter().map(|&(b, s)| (x(b), s)).collect();
            let drawn = if line.dashed {
                chart.draw_series(DashedLineSeries::new(pts.clone(), 8, 5, style))
            } else {
                chart.draw_series(LineSeries::new(pts.clone(), style))
            }
            .map_err(|x| e(&x))?;
            drawn.label(line.label.clone()).legend(move |(lx, ly)| {
                PathElement::new(vec![(lx, ly), (lx + 24, ly)], color.stroke_width(2))
            });
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|x| e(&x))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
    }
    Ok(svg)
}

/// Markdown tables of every estimate: one row per bench with a column per
/// size (`<prefix>/<size>` ids), then the benches without a size.
pub fn markdown_table(estimates: &[Estimate]) -> String {
    let mut rows: BTreeMap<&str, BTreeMap<u64, f64>> = BTreeMap::new();
    let mut single = Vec::new();
    for e in estimates {
        let sized = e.id.rsplit_once('/').and_then(|(prefix, size)| {
            let bytes = sizes::parse(size)? as u64;
            Some((prefix, bytes))
        });
        match sized {
            Some((prefix, bytes)) => {
                rows.entry(prefix).or_default().insert(bytes, e.median_s);
            }
            None => single.push(e),
        }
    }
    let mut cols: Vec<u64> = rows.values().flat_map(|r| r.keys().copied()).collect();
    cols.sort_unstable();
    cols.dedup();
    let mut out = String::from("| median time |");
    for &c in &cols {
        let _ = write!(out, " {} |", sizes::label(c as usize));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(cols.len()));
    out.push('\n');
    for (prefix, row) in &rows {
        let _ = write!(out, "| `{prefix}` |");
        for c in &cols {
            match row.get(c) {
                Some(&s) => {
                    let _ = write!(out, " {} |", fmt_time(s));
                }
                None => out.push_str(" |"),
            }
        }
        out.push('\n');
    }
    if !single.is_empty() {
        out.push_str("\n| median time | |\n|---|---:|\n");
        for e in single {
            let _ = writeln!(out, "| `{}` | {} |", e.id, fmt_time(e.median_s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(id: &str, s: f64, bytes: Option<u64>) -> Estimate {
        Estimate {
            id: id.into(),
            median_s: s,
            bytes,
        }
    }

    #[test]
    fn series_pick_their_prefix_and_sort_by_size() {
        let e = [
            est("handoff/shared/64KiB", 2e-5, Some(65536)),
            est("handoff/shared/4KiB", 1e-5, None),
            est("handoff/shared_more/4KiB", 1.0, None),
            est("handoff/pipe/4KiB", 3e-5, Some(4096)),
        ];
        assert_eq!(
            series(&e, "handoff/shared"),
            vec![(4096, 1e-5), (65536, 2e-5)]
        );
        let spec = &CHARTS[0];
        let ls = lines(spec, &e);
        assert_eq!(ls.len(), 2);
        let svg = draw_svg(spec.title, &ls).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("64KiB"), "{svg}");
        assert!(draw_svg("empty", &[]).is_err());
        let table = markdown_table(&e);
        assert!(table.contains("| median time | 4KiB | 64KiB |"), "{table}");
        assert!(table.contains("| `handoff/pipe` | 30.0 µs | |"), "{table}");
        assert!(
            table.contains("| `handoff/shared` | 10.0 µs | 20.0 µs |"),
            "{table}"
        );
        let single = markdown_table(&[est("descriptor/parse", 1e-6, None)]);
        assert!(
            single.contains("| `descriptor/parse` | 1.00 µs |"),
            "{single}"
        );
    }

    #[test]
    fn reads_criterion_layout() {
        let dir = std::env::temp_dir().join(format!("bench-chart-test-{}", std::process::id()));
        let new = dir.join("handoff/shared/4KiB/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"full_id":"handoff/shared/4KiB","throughput":{"Bytes":4096}}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"median":{"point_estimate":1500.0}}"#,
        )
        .unwrap();
        let got = read_estimates(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            got.unwrap(),
            vec![est("handoff/shared/4KiB", 1.5e-6, Some(4096))]
        );
    }
}
