//! Times, ratios and sizes as people read them: times and ratios with
//! three significant figures and a unit (`12.3 µs`, `4.56 ms`, `1231x`),
//! sizes with one decimal in a binary unit (`34.3 MiB`).

/// `v` with three significant figures (none after the point from 100 up),
/// then `suffix`. The thresholds sit just below 100 and 10, so 99.99 prints
/// as `100`, not `100.0`.
fn three_figures(v: f64, suffix: &str) -> String {
    if v >= 99.95 {
        format!("{v:.0}{suffix}")
    } else if v >= 9.995 {
        format!("{v:.1}{suffix}")
    } else {
        format!("{v:.2}{suffix}")
    }
}

/// A duration: `123 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn time(seconds: f64) -> String {
    let (v, unit) = if seconds >= 1.0 {
        (seconds, " s")
    } else if seconds >= 1e-3 {
        (seconds * 1e3, " ms")
    } else if seconds >= 1e-6 {
        (seconds * 1e6, " µs")
    } else {
        (seconds * 1e9, " ns")
    };
    three_figures(v, unit)
}

/// How many times one thing takes another: `1231x`, `63.4x`, `1.27x`, and
/// `-` for a ratio that is not a finite number.
pub fn ratio(x: f64) -> String {
    if x.is_finite() {
        three_figures(x, "x")
    } else {
        "-".into()
    }
}

/// A size in bytes, one decimal in the largest binary unit it reaches:
/// `34.3 MiB`, `16.0 KiB`, `512 B`.
pub fn bytes(n: usize) -> String {
    for (unit, scale) in [("GiB", 1usize << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n >= scale {
            return format!("{:.1} {unit}", n as f64 / scale as f64);
        }
    }
    format!("{n} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(bytes(36_000_000), "34.3 MiB");
        assert_eq!(bytes(16384), "16.0 KiB");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }

    #[test]
    fn times_read_well() {
        assert_eq!(time(1.5e-6), "1.50 µs");
        assert_eq!(time(0.000_123_4), "123 µs");
        assert_eq!(time(0.004_56), "4.56 ms");
        assert_eq!(time(0.1234), "123 ms");
        assert_eq!(time(1.353), "1.35 s");
        assert_eq!(time(2.0), "2.00 s");
        assert_eq!(time(76.3e-9), "76.3 ns");
        assert_eq!(time(99.999e-6), "100 µs");
        assert_eq!(time(9.9999e-3), "10.0 ms");
    }

    #[test]
    fn ratios_read_well() {
        assert_eq!(ratio(1231.2), "1231x");
        assert_eq!(ratio(63.43), "63.4x");
        assert_eq!(ratio(1.266), "1.27x");
        assert_eq!(ratio(f64::INFINITY), "-");
        assert_eq!(ratio(f64::NAN), "-");
    }
}
