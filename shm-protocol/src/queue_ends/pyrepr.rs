//! Python's `repr` of a float and of a complex number, digit for digit:
//! what `print(float(x))` and `print(complex(z))` show, so that a line a
//! Rust peer prints compares equal to the one a Python peer prints.
//!
//! Python prints the shortest digits that round-trip (as Rust does) but
//! switches to exponent notation when the decimal point falls before the
//! fourth place after it or after the sixteenth digit (`1e-05`, `1e+16`),
//! with at least two exponent digits; a complex number's parts lose an
//! integral `.0` and a positive-zero real part is left out (`(12+0j)`,
//! `2j`), as CPython's `float_repr` and `complex_repr` do.

/// `repr(float(x))`.
pub(crate) fn float(x: f64) -> String {
    repr(x, true)
}

/// `repr(complex(re, im))`.
pub(crate) fn complex(re: f64, im: f64) -> String {
    let imag = repr(im, false);
    let sign = if imag.starts_with('-') { "" } else { "+" };
    if re == 0.0 && re.is_sign_positive() {
        format!("{imag}j")
    } else {
        format!("({}{sign}{imag}j)", repr(re, false))
    }
}

fn repr(x: f64, add_dot_0: bool) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    // `{:e}` gives the shortest round-trip digits: "1.25e3", "5e-7", "0e0".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').expect("{:e} has an exponent");
    let exponent: i32 = exponent.parse().expect("{:e}'s exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let decpt = exponent + 1;
    let body = if !(-4 < decpt && decpt <= 16) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{dot}e{esign}{:02}", exponent.abs())
    } else if decpt <= 0 {
        format!("0.{}{digits}", "0".repeat(decpt.unsigned_abs() as usize))
    } else {
        let decpt = decpt as usize;
        if decpt >= digits.len() {
            let zeros = "0".repeat(decpt - digits.len());
            let tail = if add_dot_0 { ".0" } else { "" };
            format!("{digits}{zeros}{tail}")
        } else {
            format!("{}.{}", &digits[..decpt], &digits[decpt..])
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_prints_them() {
        // Each pair checked against CPython 3.11's repr.
        for (x, text) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (16.0, "16.0"),
            (0.1, "0.1"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (1e300, "1e+300"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (-2.5, "-2.5"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(float(x), text, "{x:e}");
        }
    }

    #[test]
    fn complex_numbers_print_as_python_prints_them() {
        for ((re, im), text) in [
            ((12.0, 0.0), "(12+0j)"),
            ((0.0, 0.0), "0j"),
            ((0.0, 2.0), "2j"),
            ((-0.0, 2.0), "(-0+2j)"),
            ((1.5, -2.0), "(1.5-2j)"),
            ((1e16, 0.0), "(1e+16+0j)"),
            ((1.0, f64::NAN), "(1+nanj)"),
            ((1.0, f64::NEG_INFINITY), "(1-infj)"),
        ] {
            assert_eq!(complex(re, im), text);
        }
    }
}
