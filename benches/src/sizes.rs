//! The sizes benchmarked, their labels in benchmark ids, and an optional cap.

/// One KiB.
pub const KIB: usize = 1 << 10;
/// One MiB.
pub const MIB: usize = 1 << 20;
/// One GiB.
pub const GIB: usize = 1 << 30;

/// Sizes of the hand-off, end-to-end and floor benches: 4 KiB to 256 MiB.
pub const TRANSFER: [usize; 6] = [4 * KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB, 256 * MIB];

/// Sizes of the `attach` bench: the transfer sizes and 1 GiB.
pub const ATTACH: [usize; 7] = [4 * KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB, 256 * MIB, GIB];

/// The environment variable that caps the sizes run (for example `16MiB`),
/// for quick runs on small machines. Unset: every size.
pub const MAX_SIZE_VAR: &str = "SHM_BENCH_MAX_SIZE";

/// The label of a size in benchmark ids: `4KiB`, `16MiB`, `1GiB`.
pub fn label(bytes: usize) -> String {
    for (unit, scale) in [("GiB", GIB), ("MiB", MIB), ("KiB", KIB)] {
        if bytes >= scale && bytes.is_multiple_of(scale) {
            return format!("{}{unit}", bytes / scale);
        }
    }
    format!("{bytes}B")
}

/// Parses a label made by [`label`] (or a plain byte count) back to bytes.
pub fn parse(text: &str) -> Option<usize> {
    let text = text.trim();
    for (unit, scale) in [("GiB", GIB), ("MiB", MIB), ("KiB", KIB), ("B", 1)] {
        if let Some(n) = text.strip_suffix(unit) {
            return n.trim().parse::<usize>().ok()?.checked_mul(scale);
        }
    }
    text.parse().ok()
}

/// The sizes of `all` not above the cap in [`MAX_SIZE_VAR`].
///
/// # Panics
///
/// When the variable is set to something that is not a size.
pub fn capped(all: &[usize]) -> Vec<usize> {
    let cap = match std::env::var(MAX_SIZE_VAR) {
        Ok(v) => parse(&v).unwrap_or_else(|| panic!("{MAX_SIZE_VAR}={v:?} is not a size")),
        Err(_) => usize::MAX,
    };
    all.iter().copied().filter(|&s| s <= cap).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for &s in ATTACH.iter().chain(&[64, 3 * KIB + 1]) {
            assert_eq!(parse(&label(s)), Some(s), "{}", label(s));
        }
        assert_eq!(label(4 * KIB), "4KiB");
        assert_eq!(label(256 * MIB), "256MiB");
        assert_eq!(label(GIB), "1GiB");
        assert_eq!(parse("nonsense"), None);
    }
}
