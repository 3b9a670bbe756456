use super::*;

/// Unlinks a name when dropped, so a failing test leaves nothing behind.
struct Guard(String);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = unlink(&self.0);
    }
}

fn fresh_name() -> String {
    name::generate().unwrap()
}

#[test]
fn a_write_through_one_mapping_is_seen_through_another() {
    let mut a = Segment::create_unique(64).unwrap();
    let b = Segment::attach(a.name()).unwrap();
    a.as_bytes_mut()[63] = 42;
    assert_eq!(b.as_bytes()[63], 42);
    assert!(!b.is_owner());
}

#[test]
fn created_segments_are_zeroed_and_sized() {
    let a = Segment::create_unique(100).unwrap();
    assert!(a.len() >= 100);
    if EXACT_SIZES {
        assert_eq!(a.len(), 100);
    }
    assert!(a.as_bytes().iter().all(|&b| b == 0));
}

#[cfg(unix)]
#[test]
fn unlink_then_attach_is_not_found() {
    let mut a = Segment::create_unique(8).unwrap();
    let name = a.name().to_owned();
    a.unlink().unwrap();
    assert!(!a.is_owner());
    assert!(matches!(
        Segment::attach(&name),
        Err(Error::NotFound { .. })
    ));
    // The mapping itself stays usable.
    a.as_bytes_mut()[0] = 1;
    assert_eq!(a.as_bytes()[0], 1);
}

#[cfg(windows)]
#[test]
fn unlink_is_a_no_op_while_any_handle_is_open() {
    const { assert!(!UNLINK_REMOVES_NAME) };
    let mut a = Segment::create_unique(8).unwrap();
    let name = a.name().to_owned();
    a.as_bytes_mut()[0] = 5;
    a.unlink().unwrap();
    assert!(!a.is_owner());
    // The name stays while a handle is open: attaching still works.
    let b = Segment::attach(&name).unwrap();
    assert_eq!(b.as_bytes()[0], 5);
    unlink(&name).unwrap();
    unlink(&name).unwrap();
    drop(a);
    // `b` alone keeps it alive; with the last handle the name is gone.
    assert_eq!(Segment::attach(&name).unwrap().as_bytes()[0], 5);
    drop(b);
    assert!(matches!(
        Segment::attach(&name),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(unlink(&name), Err(Error::NotFound { .. })));
}

#[cfg(windows)]
#[test]
fn sizes_are_page_rounded() {
    // x86_64 and aarch64 Windows use 4 KiB pages.
    let a = Segment::create_unique(200).unwrap();
    assert_eq!(a.len(), 4096);
    assert_eq!(Segment::attach(a.name()).unwrap().len(), 4096);
    let b = Segment::create_unique(4097).unwrap();
    assert_eq!(b.len(), 8192);
    assert!(b.as_bytes().iter().all(|&x| x == 0));
}

#[test]
fn double_unlink_is_not_found() {
    let name = Segment::create_unique(8).unwrap().name().to_owned();
    // The owner was dropped, which unlinked it once already.
    assert!(matches!(unlink(&name), Err(Error::NotFound { .. })));
    assert!(matches!(unlink(&name), Err(Error::NotFound { .. })));
}

#[test]
fn create_on_an_existing_name_fails_and_leaves_data_untouched() {
    let mut a = Segment::create_unique(16).unwrap();
    // Where sizes are page-rounded the segment is longer than 16 bytes.
    a.as_bytes_mut()[..16].copy_from_slice(&[7; 16]);
    let err = Segment::create(a.name(), 32).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    let b = Segment::attach(a.name()).unwrap();
    assert_eq!(b.as_bytes()[..16], [7; 16]);
    if EXACT_SIZES {
        assert_eq!(b.len(), 16);
    } else {
        // The second create did not resize it either.
        assert_eq!(b.len(), a.len());
    }
}

#[test]
fn size_zero_is_refused_and_creates_nothing() {
    let name = fresh_name();
    let _guard = Guard(name.clone());
    assert!(matches!(
        Segment::create(&name, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Segment::attach(&name),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn invalid_names_are_refused_before_the_os_sees_them() {
    for bad in ["a/b", "x\0y", "", &"n".repeat(31)] {
        assert!(
            matches!(Segment::create(bad, 8), Err(Error::InvalidName { .. })),
            "{bad:?}"
        );
        assert!(
            matches!(Segment::attach(bad), Err(Error::InvalidName { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn attaching_never_unlinks() {
    let a = Segment::create_unique(8).unwrap();
    drop(Segment::attach(a.name()).unwrap());
    assert!(Segment::attach(a.name()).is_ok());
}

#[cfg(unix)]
#[test]
fn disown_keeps_the_segment_and_adopt_takes_it_back() {
    let mut a = Segment::create_unique(8).unwrap();
    let name = a.name().to_owned();
    let _guard = Guard(name.clone());
    a.disown();
    drop(a);
    let mut b = Segment::attach(&name).unwrap();
    b.adopt();
    assert!(b.is_owner());
    drop(b);
    assert!(matches!(
        Segment::attach(&name),
        Err(Error::NotFound { .. })
    ));
}

#[cfg(windows)]
#[test]
fn a_disowned_segment_lives_only_while_a_handle_is_open() {
    let mut a = Segment::create_unique(8).unwrap();
    let name = a.name().to_owned();
    a.as_bytes_mut()[0] = 3;
    let held = Segment::attach(&name).unwrap();
    a.disown();
    drop(a);
    // Another handle keeps it: it can be adopted.
    let mut b = Segment::attach(&name).unwrap();
    b.adopt();
    assert!(b.is_owner());
    assert_eq!(b.as_bytes()[0], 3);
    drop(held);
    drop(b);
    assert!(matches!(
        Segment::attach(&name),
        Err(Error::NotFound { .. })
    ));
    // With no other handle, disowning cannot keep a segment alive.
    let mut c = Segment::create_unique(8).unwrap();
    let name = c.name().to_owned();
    c.disown();
    drop(c);
    assert!(matches!(
        Segment::attach(&name),
        Err(Error::NotFound { .. })
    ));
}

#[cfg(unix)]
#[test]
fn segments_are_private_to_their_user() {
    let a = Segment::create_unique(8).unwrap();
    assert_eq!(a.mode(), Some(0o600));
    assert_eq!(Segment::attach(a.name()).unwrap().mode(), Some(0o600));
}

#[cfg(windows)]
#[test]
fn windows_segments_have_no_mode_bits() {
    let a = Segment::create_unique(8).unwrap();
    assert_eq!(a.mode(), None);
    assert_eq!(Segment::attach(a.name()).unwrap().mode(), None);
}

#[test]
fn a_leading_slash_names_the_same_segment() {
    let mut a = Segment::create_unique(8).unwrap();
    a.as_bytes_mut()[0] = 9;
    let b = Segment::attach(&format!("/{}", a.name())).unwrap();
    assert_eq!(b.name(), a.name());
    assert_eq!(b.as_bytes()[0], 9);
}

#[test]
fn typed_ranges_are_checked() {
    let mut a = Segment::create_unique(16).unwrap();
    assert!(a.typed::<u32>(0, 4).is_ok());
    if EXACT_SIZES {
        assert!(matches!(
            a.typed::<u32>(4, 4),
            Err(Error::InvalidArgument(_))
        ));
    } else {
        // Page-rounded: the range must pass the real end of the mapping.
        let words = a.len() / 4;
        assert!(a.typed::<u32>(0, words).is_ok());
        assert!(matches!(
            a.typed::<u32>(4, words),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        a.typed::<u32>(2, 1),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        a.typed::<u64>(0, usize::MAX),
        Err(Error::InvalidArgument(_))
    ));
    a.as_bytes_mut()[3] = 2;
    assert!(matches!(a.typed::<bool>(0, 16), Err(Error::InvalidData(_))));
    assert!(a.typed::<bool>(0, 3).is_ok());
}
