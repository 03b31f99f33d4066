//! Two interfaces of Hubris, generated unchanged from ostium-idl's corpus: the types they
//! name are defined here as Hubris's crates define them (in spirit: only what the
//! generated code needs).

/// `spi.idol`, the Idol README's example: `exchange` with a read lease and a write lease.
pub mod spi {
    /// Stands for Hubris's `drv_spi_api` crate, which the interface names.
    pub mod drv_spi_api {
        /// The errors of SPI operations, sent as their code alone (`CLike`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u32)]
        pub enum SpiError {
            /// No device has this index.
            BadDevice = 1,
            /// The transfer's sizes disagree.
            BadTransferSize = 2,
        }

        impl From<SpiError> for u32 {
            fn from(error: SpiError) -> u32 {
                error as u32
            }
        }

        impl TryFrom<u32> for SpiError {
            type Error = u32;

            fn try_from(code: u32) -> Result<SpiError, u32> {
                match code {
                    1 => Ok(SpiError::BadDevice),
                    2 => Ok(SpiError::BadTransferSize),
                    other => Err(other),
                }
            }
        }
    }

    /// The chip select's state while locked, sent as a `u8`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[repr(u8)]
    pub enum CsState {
        /// Chip select not asserted.
        NotAsserted = 0,
        /// Chip select asserted.
        Asserted = 1,
    }

    impl ostium_rpc::num_traits::FromPrimitive for CsState {
        fn from_i64(n: i64) -> Option<CsState> {
            u64::try_from(n).ok().and_then(Self::from_u64)
        }

        fn from_u64(n: u64) -> Option<CsState> {
            match n {
                0 => Some(CsState::NotAsserted),
                1 => Some(CsState::Asserted),
                _ => None,
            }
        }
    }

    include!(concat!(env!("OUT_DIR"), "/spi.rs"));
}

/// `user-leds.idol`: `CLike` errors and `usize` arguments.
pub mod user_leds {
    /// The error of LED operations.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum LedError {
        /// No LED has this index.
        NotPresent = 1,
    }

    impl From<LedError> for u32 {
        fn from(error: LedError) -> u32 {
            error as u32
        }
    }

    impl TryFrom<u32> for LedError {
        type Error = u32;

        fn try_from(code: u32) -> Result<LedError, u32> {
            if code == 1 { Ok(LedError::NotPresent) } else { Err(code) }
        }
    }

    include!(concat!(env!("OUT_DIR"), "/user_leds.rs"));
}
