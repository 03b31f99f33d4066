//! Feeds arbitrary bytes to the configuration parser: it may not panic, it must give the
//! same answer twice, every error must be located inside the text and render, and every
//! accepted forward must hold what the grammar allows.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ostiumd::config::{Mode, Protocol, parse_bytes};

fuzz_target!(|input: &[u8]| {
    let result = parse_bytes("fuzz.conf", input);
    assert_eq!(result, parse_bytes("fuzz.conf", input), "deterministic");
    match result {
        Ok(config) => {
            for f in &config.forwards {
                assert_ne!(f.listen.port(), 0);
                assert!(!f.door.as_os_str().is_empty());
                match f.protocol {
                    Protocol::Http => assert_eq!(f.mode, Mode::Http),
                    Protocol::Udp => assert_eq!(f.mode, Mode::Bytes),
                    _ => {}
                }
                if let Some(exec) = &f.exec {
                    assert!(!exec.argv.is_empty() && exec.argv.iter().all(|a| !a.is_empty()));
                }
                let _ = f.to_string();
            }
        }
        Err(errors) => {
            assert!(!errors.0.is_empty());
            let lines = input.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            for e in &errors.0 {
                let l = &e.location;
                assert!(l.line >= 1 && l.line <= lines, "line {} of {lines}", l.line);
                assert!(l.column >= 1 && l.width >= 1);
                assert!(!l.text.contains('\n'));
            }
            let _ = errors.to_string();
        }
    }
});
