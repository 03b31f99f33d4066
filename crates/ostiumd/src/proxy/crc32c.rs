//! CRC32C (Castagnoli), which a v2 header may carry over itself in a TLV of type `0x03`;
//! the spec requires a receiver that understands the TLV to verify it.
//!
//! Bit by bit rather than table-driven: headers are a few hundred bytes at most, once per
//! connection, and only when the balancer sends the TLV.

/// The reflected Castagnoli polynomial.
const POLY: u32 = 0x82F6_3B78;

/// The CRC32C of `bytes` with the `zeroed` range read as zeros (the checksum's own field,
/// which the sender zeroed before computing it).
pub(super) fn crc32c_zeroing(bytes: &[u8], zeroed: std::ops::Range<usize>) -> u32 {
    let mut crc = !0u32;
    for (i, &byte) in bytes.iter().enumerate() {
        crc ^= if zeroed.contains(&i) { 0 } else { u32::from(byte) };
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ POLY } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_check_value() {
        // The check value of every CRC catalogue: CRC32C("123456789").
        assert_eq!(crc32c_zeroing(b"123456789", 0..0), 0xE306_9283);
        // The zeroed range reads as zeros whatever it holds.
        let zeroed = crc32c_zeroing(b"12\xff\xff56789", 2..4);
        assert_eq!(zeroed, crc32c_zeroing(b"12\x00\x0056789", 0..0));
    }
}
