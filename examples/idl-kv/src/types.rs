//! The application's types that `kv.idol` names, with the traits each encoding needs:
//! zerocopy for leases and Zerocopy messages, serde and hubpack for Hubpack messages,
//! `FromPrimitive` for `recv: FromPrimitive`, and `u32` conversions for a `CLike` error.

use hubpack::SerializedSize;
use ostium_rpc::num_traits::FromPrimitive;
use ostium_rpc::serde::{Deserialize, Serialize};
use ostium_rpc::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The errors of `get` and `put`, sent as their code alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum KvError {
    /// No value is stored under the key.
    NotFound = 1,
    /// The store is frozen.
    Frozen = 2,
}

impl From<KvError> for u32 {
    fn from(error: KvError) -> u32 {
        error as u32
    }
}

impl TryFrom<u32> for KvError {
    type Error = u32;

    fn try_from(code: u32) -> Result<KvError, u32> {
        match code {
            1 => Ok(KvError::NotFound),
            2 => Ok(KvError::Frozen),
            other => Err(other),
        }
    }
}

/// The store's mode, sent as a `u8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, SerializedSize)]
#[serde(crate = "ostium_rpc::serde")]
#[repr(u8)]
pub enum Mode {
    /// Values may be put.
    Open = 1,
    /// Puts are refused.
    Frozen = 2,
}

impl FromPrimitive for Mode {
    fn from_i64(n: i64) -> Option<Mode> {
        u64::try_from(n).ok().and_then(Mode::from_u64)
    }

    fn from_u64(n: u64) -> Option<Mode> {
        match n {
            1 => Some(Mode::Open),
            2 => Some(Mode::Frozen),
            _ => None,
        }
    }
}

/// The store's statistics, lent as a sized lease.
#[derive(
    Debug, Default, Clone, Copy, PartialEq, Eq, IntoBytes, FromBytes, Immutable, KnownLayout,
)]
#[zerocopy(crate = "ostium_rpc::zerocopy")]
#[repr(C)]
pub struct Stats {
    /// Keys stored.
    pub keys: u32,
    /// Bytes stored.
    pub bytes: u32,
    /// Calls served.
    pub calls: u64,
}

/// What `entry` says of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, SerializedSize)]
#[serde(crate = "ostium_rpc::serde")]
pub struct Entry {
    /// The value's length.
    pub len: u32,
    /// The store's mode.
    pub mode: Mode,
}

/// Why `entry` has nothing to say: a `Complex` error, encoded with Hubpack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, SerializedSize)]
#[serde(crate = "ostium_rpc::serde")]
pub enum KeyProblem {
    /// The key is absent.
    Missing {
        /// The key.
        key: u32,
    },
    /// The store's mode is not the one asked for.
    Filtered(Mode),
}
