//! [`Body`]: a request body as it arrives — in memory up to a small buffer, then in an
//! unlinked file ([`Spool`]), so that a thousand large uploads cost ostiumd their files'
//! pages in the page cache of a disk, not its heap.
//!
//! The decoder appends the body's bytes as it decodes them, straight from the buffer it
//! was fed; writing them to the file is the only copy after the socket read.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;

/// Where and past what size bodies leave memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spool {
    /// The directory of the unlinked files (`body-spool`).
    pub dir: PathBuf,
    /// The most body bytes kept in memory (`body-buffer`).
    pub memory_max: usize,
}

/// A request body, de-chunked.
#[derive(Debug)]
pub enum Body {
    /// Small enough to keep in memory (or no spool was given).
    Memory(Vec<u8>),
    /// Spooled: `len` bytes written to `file`, which no path names.
    File {
        /// The file, open for reading and writing.
        file: File,
        /// The bytes written.
        len: u64,
    },
}

impl Default for Body {
    fn default() -> Body {
        Body::Memory(Vec::new())
    }
}

impl Body {
    /// The body's length so far.
    pub fn len(&self) -> u64 {
        match self {
            Body::Memory(bytes) => bytes.len() as u64,
            Body::File { len, .. } => *len,
        }
    }

    /// Whether no byte has arrived.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes, if the body is in memory.
    pub fn in_memory(&self) -> Option<&[u8]> {
        match self {
            Body::Memory(bytes) => Some(bytes),
            Body::File { .. } => None,
        }
    }

    /// The heap bytes the body holds.
    pub fn memory(&self) -> usize {
        match self {
            Body::Memory(bytes) => bytes.capacity(),
            Body::File { .. } => 0,
        }
    }

    /// Moves a body held in memory to a new unlinked file in `spool.dir` (whatever its
    /// size), giving its memory back: what the daemon asks of bodies being read once its
    /// budget for request memory is spent.
    pub fn spill(&mut self, spool: &Spool) -> io::Result<()> {
        let Body::Memory(held) = self else { return Ok(()) };
        let mut file = ostium_sys::unlinked_file(&spool.dir)?;
        file.write_all(held)?;
        *self = Body::File { file, len: held.len() as u64 };
        Ok(())
    }

    /// Appends `bytes`: in memory while the whole fits in `spool.memory_max` (or with no
    /// spool), else in a new unlinked file in `spool.dir`, the bytes held so far first.
    pub fn append(&mut self, bytes: &[u8], spool: Option<&Spool>) -> io::Result<()> {
        match self {
            Body::Memory(held) => match spool {
                Some(spool) if held.len() + bytes.len() > spool.memory_max => {
                    let mut file = ostium_sys::unlinked_file(&spool.dir)?;
                    file.write_all(held)?;
                    file.write_all(bytes)?;
                    let len = (held.len() + bytes.len()) as u64;
                    *self = Body::File { file, len };
                    Ok(())
                }
                _ => {
                    held.extend_from_slice(bytes);
                    Ok(())
                }
            },
            Body::File { file, len } => {
                file.write_all(bytes)?;
                *len += bytes.len() as u64;
                Ok(())
            }
        }
    }
}

/// Bodies compare by content where both are in memory; a spooled body equals nothing but
/// itself, which is enough for the decoder's tests and its fuzz target.
impl PartialEq for Body {
    fn eq(&self, other: &Body) -> bool {
        match (self, other) {
            (Body::Memory(a), Body::Memory(b)) => a == b,
            _ => std::ptr::eq(self, other),
        }
    }
}

impl Eq for Body {}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::FileExt;

    use super::*;

    fn spool(memory_max: usize) -> Spool {
        Spool { dir: std::env::temp_dir(), memory_max }
    }

    #[test]
    fn a_body_within_the_buffer_stays_in_memory() {
        let mut body = Body::default();
        body.append(b"0123", Some(&spool(8))).unwrap();
        body.append(b"4567", Some(&spool(8))).unwrap();
        assert_eq!(body.in_memory(), Some(&b"01234567"[..]));
    }

    #[test]
    fn a_body_past_the_buffer_goes_to_a_file_whole() {
        let mut body = Body::default();
        for piece in [&b"0123"[..], b"4567", b"89"] {
            body.append(piece, Some(&spool(6))).unwrap();
        }
        assert_eq!((body.in_memory(), body.len(), body.memory()), (None, 10, 0));
        let Body::File { file, .. } = body else { panic!("spooled") };
        let mut back = [0u8; 10];
        file.read_exact_at(&mut back, 0).unwrap();
        assert_eq!(&back, b"0123456789");
    }

    #[test]
    fn a_body_in_memory_can_be_spilled_to_a_file_and_goes_on_there() {
        let mut body = Body::default();
        body.append(b"abc", Some(&spool(100))).unwrap();
        body.spill(&spool(100)).unwrap();
        body.append(b"def", Some(&spool(100))).unwrap();
        assert_eq!((body.in_memory(), body.len(), body.memory()), (None, 6, 0));
    }

    #[test]
    fn an_unwritable_spool_is_an_error() {
        let mut body = Body::default();
        let nowhere = Spool { dir: PathBuf::from("/nonexistent/spool"), memory_max: 1 };
        assert!(body.append(b"too big", Some(&nowhere)).is_err());
    }
}
