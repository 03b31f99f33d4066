//! Receive conversions (Idol's `recv:` strategies) as the receiving side applies them.
//! A value that has no counterpart in the declared type is an error the caller is answered
//! for ([`Fault::BadMessage`] on the server; a bad reply on the client), never a panic.

use ostium::wire::Fault;

/// A `bool` as it travels under Zerocopy: one byte, any non-zero value `true`.
pub const fn bool_from_byte(byte: u8) -> bool {
    byte != 0
}

/// A `bool` as Zerocopy carries it.
pub const fn bool_to_byte(value: bool) -> u8 {
    value as u8
}

/// The converted value, or [`Fault::BadMessage`] when the conversion found none
/// (`FromPrimitive` of a value that is no variant, say).
pub fn required<T>(value: Option<T>) -> Result<T, Fault> {
    value.ok_or(Fault::BadMessage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_traits::FromPrimitive;

    #[derive(Debug, PartialEq)]
    enum Mode {
        Low = 1,
        High = 2,
    }

    impl FromPrimitive for Mode {
        fn from_i64(n: i64) -> Option<Mode> {
            Self::from_u64(u64::try_from(n).ok()?)
        }
        fn from_u64(n: u64) -> Option<Mode> {
            match n {
                1 => Some(Mode::Low),
                2 => Some(Mode::High),
                _ => None,
            }
        }
    }

    #[test]
    fn bad_values_are_bad_messages() {
        assert_eq!(required(Mode::from_u8(2)), Ok(Mode::High));
        assert_eq!(required(Mode::from_u8(3)), Err(Fault::BadMessage));
        assert!(bool_from_byte(7) && !bool_from_byte(0));
        assert_eq!(bool_to_byte(true), 1);
        assert_eq!(Mode::Low as u8, 1);
    }
}
