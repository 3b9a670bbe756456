//! Portable segment names: validation and generation.
//!
//! A name is what Python's `SharedMemory.name` holds: no leading slash. On
//! POSIX the object opened is `/` + name. Portable names are 1 to
//! [`MAX_LEN`] characters of `[A-Za-z0-9_.-]`, which fits macOS's limit of 31
//! bytes including the slash (`PSHMNAMLEN`) and every other system's.

use crate::error::{Error, Result};

/// The longest portable name, in bytes, without the leading slash.
pub const MAX_LEN: usize = 30;

/// The prefix of every generated name.
pub const GENERATED_PREFIX: &str = "shmc_";

/// Checks a segment name against the portable rules and returns it without a
/// leading slash.
///
/// One leading `/` is accepted and dropped (`"/abc"` is `"abc"`). Refused with
/// [`Error::InvalidName`]: the empty name, `.` and `..`, names over
/// [`MAX_LEN`] bytes, and any character outside `[A-Za-z0-9_.-]` (so `/`
/// inside a name and NUL are refused).
///
/// ```
/// assert_eq!(shm_core::name::validate("/psm_1a2b").unwrap(), "psm_1a2b");
/// assert!(shm_core::name::validate("a/b").is_err());
/// ```
pub fn validate(name: &str) -> Result<&str> {
    let bare = name.strip_prefix('/').unwrap_or(name);
    let invalid = |reason: String| Error::InvalidName {
        name: name.to_owned(),
        reason,
    };
    if bare.is_empty() {
        return Err(invalid("the name is empty".into()));
    }
    if bare.len() > MAX_LEN {
        return Err(invalid(format!(
            "{} bytes, the portable limit is {MAX_LEN} (macOS allows 31 including the leading slash)",
            bare.len()
        )));
    }
    if let Some(c) = bare
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(invalid(format!(
            "character {c:?} is not allowed (only A-Z a-z 0-9 _ . -)"
        )));
    }
    if bare == "." || bare == ".." {
        return Err(invalid("'.' and '..' are not names".into()));
    }
    Ok(bare)
}

/// Generates a fresh name: [`GENERATED_PREFIX`] and 16 lowercase hex digits
/// from the operating system's random source.
///
/// Uniqueness is not promised here: creation uses an exclusive open and draws
/// again on a collision.
pub fn generate() -> Result<String> {
    let mut bytes = [0u8; 8];
    random_bytes(&mut bytes)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{GENERATED_PREFIX}{hex}"))
}

/// Fills `buf` from the operating system's random source.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| Error::Os {
        call: "getrandom",
        code: e.raw_os_error().unwrap_or(0),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_slash_is_dropped() {
        assert_eq!(validate("/abc").unwrap(), "abc");
        assert_eq!(validate("abc").unwrap(), "abc");
    }

    #[test]
    fn longest_portable_name_is_accepted_and_one_more_refused() {
        let ok = "a".repeat(MAX_LEN);
        assert_eq!(validate(&ok).unwrap(), ok);
        let err = validate(&"a".repeat(MAX_LEN + 1)).unwrap_err();
        assert!(matches!(err, Error::InvalidName { .. }), "{err}");
        assert!(err.to_string().contains("31 bytes"), "{err}");
    }

    #[test]
    fn slash_nul_and_empty_are_refused() {
        for bad in ["", "/", "a/b", "//a", "a\0b", ".", "..", "sp ace", "é"] {
            assert!(
                matches!(validate(bad), Err(Error::InvalidName { .. })),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn generated_names_are_valid_and_distinct() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        for n in [&a, &b] {
            assert_eq!(validate(n).unwrap(), n);
            let hex = n.strip_prefix(GENERATED_PREFIX).unwrap();
            assert_eq!(hex.len(), 16);
            assert!(
                hex.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            );
        }
    }
}
