//! Feeds arbitrary bytes to the PROXY header decoder: it may not panic, every prefix must
//! decode to `Incomplete` or to the whole input's result, and what it returns must stay
//! within the input and the decoder's bounds.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ostiumd::proxy::{Command, Decoded, MAX_HEADER_LEN, MAX_V2_BLOCK, Version, decode};

fuzz_target!(|input: &[u8]| {
    let whole = decode(input);
    for cut in 0..input.len() {
        let part = decode(&input[..cut]);
        assert!(part == Ok(Decoded::Incomplete) || part == whole, "prefix {cut}: {part:?}");
    }
    match &whole {
        Ok(Decoded::Incomplete) => assert!(input.len() < MAX_HEADER_LEN, "undecided too long"),
        Ok(Decoded::Done { header, consumed }) => {
            assert!(*consumed <= input.len() && *consumed <= MAX_HEADER_LEN);
            assert_eq!(decode(&input[..*consumed]), whole, "the header alone decodes the same");
            assert!(header.raw_tlvs.len() <= MAX_V2_BLOCK);
            assert_eq!(
                header.tlvs().map(|t| 3 + t.value.len()).sum::<usize>(),
                header.raw_tlvs.len()
            );
            assert_eq!(header.source.is_some(), header.destination.is_some());
            if header.version == Version::V1 {
                assert!(*consumed <= 107 && header.raw_tlvs.is_empty());
            }
            if header.command == Command::Local {
                assert!(header.source.is_none() && header.raw_tlvs.is_empty());
            }
        }
        Err(e) => assert!(e.offset <= input.len(), "{e:?} beyond {}", input.len()),
    }
});
