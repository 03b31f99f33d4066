//! How an operation's arguments and reply travel: [`Encoding`].

use core::fmt;

/// The codec of an operation's arguments and reply (`encoding:`). Leases are never encoded:
/// they are memory, lent as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// Memory images of fixed-layout types (`zerocopy`), the default. `bool` travels as a
    /// byte; tuples and `Option` cannot travel (their layout is not fixed).
    #[default]
    Zerocopy,
    /// `hubpack`, a serde codec of bounded size: any type deriving its traits, and the only
    /// encoding that carries `Complex` errors.
    Hubpack,
    /// `ssmarshal`, the older serde codec Hubris still uses for a few operations.
    Ssmarshal,
}

impl Encoding {
    /// Every encoding, in the order of its variants.
    pub const ALL: [Encoding; 3] = [Encoding::Zerocopy, Encoding::Hubpack, Encoding::Ssmarshal];

    /// The variant's name as written in a `.idol` file.
    pub const fn name(self) -> &'static str {
        match self {
            Encoding::Zerocopy => "Zerocopy",
            Encoding::Hubpack => "Hubpack",
            Encoding::Ssmarshal => "Ssmarshal",
        }
    }

    /// The encoding written `name` in a `.idol` file.
    pub fn from_name(name: &str) -> Option<Encoding> {
        Encoding::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Whether values are serialized with serde (Hubpack, Ssmarshal) rather than copied as
    /// memory images (Zerocopy).
    pub const fn is_serde(self) -> bool {
        !matches!(self, Encoding::Zerocopy)
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
