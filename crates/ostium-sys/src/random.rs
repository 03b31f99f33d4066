//! Random bytes from the kernel.

use std::io;

use rustix::rand::{GetRandomFlags, getrandom};

use crate::error::{Named, retry_on_intr};

/// `getrandom(buf, 0)`: fills `buf` with bytes from the kernel's cryptographic random
/// generator (blocking only until it is seeded, early at boot).
pub fn fill_random(buf: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = retry_on_intr(|| getrandom(&mut buf[filled..], GetRandomFlags::empty()))
            .named(|| "getrandom")?;
        filled += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_draws_differ() {
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        fill_random(&mut a).unwrap();
        fill_random(&mut b).unwrap();
        assert_ne!(a, b, "16 random bytes repeated");
    }
}
