//! What this system is and does, as cases and manifests speak of it: the
//! OS's name, whether segments report exact sizes, and whether an
//! `os = [...]` list includes this system.

/// The OS's name as `os = [...]` lists write it: `linux`, `macos`,
/// `windows`. A build for the macOS emulation (`--cfg shm_emulate_macos`,
/// run under `ci/xnu`'s libc preload) reports itself as macOS, so the
/// catalogue's macOS steps run there.
pub fn os_name() -> &'static str {
    if cfg!(shm_emulate_macos) {
        "macos"
    } else {
        std::env::consts::OS
    }
}

/// Whether segments report the size asked for (Linux) rather than one
/// rounded up to whole pages (macOS, Windows).
pub fn exact_sizes() -> bool {
    shm_core::segment::EXACT_SIZES
}

/// Whether an `os = [...]` list includes this system: an OS name
/// (`linux`, `macos`, `windows`), `unix`, or what the system does that
/// cases depend on: `exact-sizes` where segments report the size asked for
/// (Linux), `page-rounded` where they report it rounded up to whole pages
/// (macOS, Windows). No list means every system.
pub fn os_matches(list: Option<&[String]>) -> bool {
    list.is_none_or(|l| {
        l.iter().any(|o| match o.as_str() {
            "unix" => cfg!(unix),
            "exact-sizes" => exact_sizes(),
            "page-rounded" => !exact_sizes(),
            os => os == os_name(),
        })
    })
}

/// Why something limited to `os` does not apply here, if it does not.
pub fn not_here(os: Option<&[String]>) -> Option<String> {
    (!os_matches(os)).then(|| {
        format!(
            "applies to {} only",
            os.map(|l| l.join(", ")).unwrap_or_default()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_lists_name_systems_or_what_they_do_with_sizes() {
        let owned = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (os, unix, exact_l, page, none) = (
            owned(&[os_name()]),
            owned(&["unix"]),
            owned(&["exact-sizes"]),
            owned(&["page-rounded"]),
            owned(&["no-such-os"]),
        );
        assert!(os_matches(None));
        assert!(os_matches(Some(&os)));
        assert_eq!(os_matches(Some(&unix)), cfg!(unix));
        let exact = shm_core::segment::EXACT_SIZES;
        assert_eq!(os_matches(Some(&exact_l)), exact);
        assert_eq!(os_matches(Some(&page)), !exact);
        assert!(!os_matches(Some(&none)));
    }
}
