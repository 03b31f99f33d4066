//! The reply of the reserved `DESCRIBE` operation (door protocol §4.4): the interface's
//! `.idol` text, its hash, and the counters of each operation, as UTF-8 text of lines:
//!
//! ```text
//! ostium-describe 1
//! interface Spi
//! hash 9c4d2f0b6e1a3d57
//! op 1 read calls=3 errors=0 total_ns=41000 max_ns=20000
//! …
//! idol
//! <the .idol file, to the end>
//! ```
//!
//! The hash is 64-bit FNV-1a of the `.idol` text: it tells whether two servers speak the same
//! file, not a secret.

use std::fmt::Write;

use super::counters::Counters;
use super::serve::Service;

/// The first line of every description: its format and version.
pub const MAGIC: &str = "ostium-describe 1";

/// 64-bit FNV-1a of `text`.
pub const fn hash(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The description of `service` with its `counters`.
pub fn describe(service: &Service, counters: &Counters) -> Vec<u8> {
    let mut text =
        format!("{MAGIC}\ninterface {}\nhash {:016x}\n", service.name, hash(service.idol));
    for (i, (name, stats)) in service.ops.iter().zip(counters.snapshot()).enumerate() {
        let _ = writeln!(
            text,
            "op {} {name} calls={} errors={} total_ns={} max_ns={}",
            i + 1,
            stats.calls,
            stats.errors,
            stats.total.as_nanos(),
            stats.max.as_nanos()
        );
    }
    text.push_str("idol\n");
    text.push_str(service.idol);
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_text_hash_and_counters() {
        static SERVICE: Service = Service {
            name: "Kv",
            idol: "Interface(name: \"Kv\")",
            ops: &["get"],
            restrictions: &[],
        };
        let counters = Counters::new(1);
        counters.record(1, false, std::time::Duration::from_nanos(10));
        let text = String::from_utf8(describe(&SERVICE, &counters)).unwrap();
        let expected = format!(
            "ostium-describe 1\ninterface Kv\nhash {:016x}\nop 1 get calls=1 errors=0 total_ns=10 \
             max_ns=10\nidol\nInterface(name: \"Kv\")",
            hash(SERVICE.idol)
        );
        assert_eq!(text, expected);
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
    }
}
