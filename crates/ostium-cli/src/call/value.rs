//! Values of primitive types, from the command line to the bytes an operation's encoding
//! carries, and from reply bytes back to text.
//!
//! All three of Idol's encodings carry the primitives alike, field after field with no
//! padding: integers and floats at their full width (Zerocopy in this machine's byte
//! order — the generated structs are `#[repr(C, packed)]` images — Hubpack and Ssmarshal
//! little-endian), `bool` as one byte, `[u8; N]` as its N bytes. `usize` and `isize` are 8
//! bytes (serde widens them to 64 bits; Zerocopy's image is 8 bytes on 64-bit Linux). Every
//! other type (enums, structs, `Option`, tuples, `char`) is refused with the reason.

use ostium_idl::{Encoding, Int, Recv, Shape, ValueType};

/// What travels for a value, as far as this module can encode it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carried {
    Unit,
    Bool,
    Int(Int),
    F32,
    F64,
    Bytes(usize),
}

impl Carried {
    /// What travels for `value` (the same under every encoding, for the types this module
    /// knows), or why it cannot be encoded here.
    pub(crate) fn of(value: &ValueType) -> Result<Carried, String> {
        let text = match &value.recv {
            Recv::FromPrimitive(int) => return Ok(Carried::Int(*int)),
            Recv::From { raw, .. } => raw.text.as_str(),
            Recv::FromBytes => value.ty.text.as_str(),
        };
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let shape = match &value.recv {
            Recv::From { raw, .. } => raw.shape,
            _ => value.ty.shape,
        };
        let unsupported = || format!("type `{text}` is not a primitive `ostium call` can encode");
        Ok(match shape {
            Shape::Unit => Carried::Unit,
            // Zerocopy carries it as a `u8`, the serde codecs as a one-byte bool: the same.
            Shape::Bool => Carried::Bool,
            Shape::Int(int) => Carried::Int(int),
            Shape::Float if text == "f32" => Carried::F32,
            Shape::Float => Carried::F64,
            Shape::Array => {
                let inner = text.strip_prefix("[u8;").and_then(|t| t.strip_suffix(']'));
                let len = inner.and_then(|n| n.parse().ok()).ok_or_else(unsupported)?;
                Carried::Bytes(len)
            }
            _ => return Err(unsupported()),
        })
    }

    /// The bytes of `text` as this type travels under `encoding`.
    pub(crate) fn encode(self, text: &str, encoding: Encoding) -> Result<Vec<u8>, String> {
        let bad = |what: &str| format!("`{text}` is not {what}");
        Ok(match self {
            Carried::Unit if text == "()" || text.is_empty() => Vec::new(),
            Carried::Unit => return Err(bad("`()`")),
            Carried::Bool => match text {
                "true" | "1" => vec![1],
                "false" | "0" => vec![0],
                _ => return Err(bad("a bool (true, false, 1, 0)")),
            },
            Carried::Int(int) => {
                let value = parse_int(text).ok_or_else(|| bad("an integer"))?;
                let le = int_bytes(int, value).ok_or_else(|| bad(&format!("a {}", int.name())))?;
                order(le, encoding)
            }
            Carried::F32 => {
                let value: f32 = text.parse().map_err(|_| bad("an f32"))?;
                order(value.to_le_bytes().to_vec(), encoding)
            }
            Carried::F64 => {
                let value: f64 = text.parse().map_err(|_| bad("an f64"))?;
                order(value.to_le_bytes().to_vec(), encoding)
            }
            Carried::Bytes(len) => {
                let bytes = crate::hex::parse([text])?;
                if bytes.len() != len {
                    return Err(format!("`{text}` is {} bytes; {len} expected", bytes.len()));
                }
                bytes
            }
        })
    }

    /// `bytes` (a whole reply) read back as this type, as text.
    pub(crate) fn decode(self, bytes: &[u8], encoding: Encoding) -> Result<String, String> {
        let wrong = || format!("the reply ({} bytes) is not a {self:?}", bytes.len());
        Ok(match self {
            Carried::Unit if bytes.is_empty() => "()".to_owned(),
            Carried::Bool if bytes.len() == 1 => (bytes[0] != 0).to_string(),
            Carried::Int(int) if bytes.len() == width(int) => {
                let le = order(bytes.to_vec(), encoding);
                int_text(int, &le)
            }
            Carried::F32 if bytes.len() == 4 => {
                let le = order(bytes.to_vec(), encoding);
                f32::from_le_bytes(le.try_into().map_err(|_| wrong())?).to_string()
            }
            Carried::F64 if bytes.len() == 8 => {
                let le = order(bytes.to_vec(), encoding);
                f64::from_le_bytes(le.try_into().map_err(|_| wrong())?).to_string()
            }
            Carried::Bytes(len) if bytes.len() == len => crate::hex::format(bytes),
            _ => return Err(wrong()),
        })
    }
}

/// An integer in decimal, `0x` hex or `0b` binary, with an optional `-`.
fn parse_int(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = digits.replace('_', "");
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        u128::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = digits.strip_prefix("0b") {
        u128::from_str_radix(bin, 2).ok()?
    } else {
        digits.parse::<u128>().ok()?
    };
    if negative {
        0_i128.checked_sub_unsigned(magnitude)
    } else {
        // u128 values above i128::MAX are kept as their bit pattern, for `u128` alone.
        Some(magnitude as i128)
    }
}

/// The width of `int` on the wire.
fn width(int: Int) -> usize {
    match int {
        Int::U8 | Int::I8 => 1,
        Int::U16 | Int::I16 => 2,
        Int::U32 | Int::I32 => 4,
        Int::U64 | Int::I64 | Int::Usize | Int::Isize => 8,
        Int::U128 | Int::I128 => 16,
    }
}

fn signed(int: Int) -> bool {
    matches!(int, Int::I8 | Int::I16 | Int::I32 | Int::I64 | Int::I128 | Int::Isize)
}

/// `value` as `int`'s little-endian bytes, if it is in range.
fn int_bytes(int: Int, value: i128) -> Option<Vec<u8>> {
    let bits = width(int) as u32 * 8;
    let fits = match (int, signed(int)) {
        (Int::U128, _) => true,
        (_, true) if bits < 128 => {
            (-(1_i128 << (bits - 1))..(1_i128 << (bits - 1))).contains(&value)
        }
        (_, true) => true,
        (_, false) => (0..(1_i128 << bits)).contains(&value),
    };
    fits.then(|| value.to_le_bytes()[..width(int)].to_vec())
}

/// Little-endian bytes of `int` as text.
fn int_text(int: Int, le: &[u8]) -> String {
    let mut wide = [0u8; 16];
    wide[..le.len()].copy_from_slice(le);
    let negative = signed(int) && le.last().is_some_and(|b| b & 0x80 != 0);
    if negative {
        wide[le.len()..].fill(0xff);
        return i128::from_le_bytes(wide).to_string();
    }
    u128::from_le_bytes(wide).to_string()
}

/// Little-endian bytes in the order `encoding` carries them (only Zerocopy, on a
/// big-endian machine, differs); the same function turns them back.
fn order(mut bytes: Vec<u8>, encoding: Encoding) -> Vec<u8> {
    if encoding == Encoding::Zerocopy && cfg!(target_endian = "big") {
        bytes.reverse();
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: Encoding = Encoding::Zerocopy;

    #[test]
    fn integers_check_their_range() {
        assert_eq!(Carried::Int(Int::U16).encode("0x0102", Z).unwrap(), [2, 1]);
        assert_eq!(Carried::Int(Int::I8).encode("-128", Z).unwrap(), [0x80]);
        assert!(Carried::Int(Int::I8).encode("128", Z).is_err());
        assert!(Carried::Int(Int::U8).encode("-1", Z).is_err());
        assert_eq!(Carried::Int(Int::U128).encode(&u128::MAX.to_string(), Z).unwrap(), [0xff; 16]);
        assert_eq!(Carried::Int(Int::I32).decode(&[0xff; 4], Z).unwrap(), "-1");
        assert_eq!(Carried::Int(Int::U32).decode(&[0xff; 4], Z).unwrap(), "4294967295");
        assert!(Carried::Int(Int::U32).decode(&[0xff; 3], Z).is_err());
    }

    #[test]
    fn bools_floats_and_byte_arrays() {
        assert_eq!(Carried::Bool.encode("true", Encoding::Hubpack).unwrap(), [1]);
        assert!(Carried::Bool.encode("yes", Z).is_err());
        assert_eq!(Carried::Bool.decode(&[2], Z).unwrap(), "true");
        let one = Carried::F32.encode("1.5", Encoding::Ssmarshal).unwrap();
        assert_eq!(Carried::F32.decode(&one, Encoding::Ssmarshal).unwrap(), "1.5");
        assert_eq!(Carried::Bytes(2).encode("0a0b", Z).unwrap(), [10, 11]);
        assert_eq!(Carried::Bytes(2).encode("0a", Z).unwrap_err(), "`0a` is 1 bytes; 2 expected");
        assert_eq!(Carried::Unit.decode(&[], Z).unwrap(), "()");
    }
}
