//! [`unlinked_file`]: a file on disk with no name, for data too large to keep in memory
//! (request bodies ostiumd spools while they arrive).

use std::fs::File;
use std::io;
use std::path::Path;

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

use crate::error::Named;

/// `open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)`: a new, empty file in the filesystem
/// of `dir` that no path names, readable and writable, gone when its last descriptor
/// closes. Where the filesystem or kernel lacks `O_TMPFILE`, a file with a random name is
/// created exclusively (`O_CREAT | O_EXCL`, mode 0600) and unlinked at once, which leaves
/// the same thing.
///
/// Its pages live in the page cache of that filesystem — on disk for a disk filesystem,
/// in memory for tmpfs: choose `dir` accordingly.
pub fn unlinked_file(dir: &Path) -> io::Result<File> {
    let flags = OFlags::RDWR | OFlags::CLOEXEC;
    let mode = Mode::from_raw_mode(0o600);
    match rustix::fs::open(dir, flags | OFlags::TMPFILE, mode) {
        Ok(fd) => return Ok(File::from(fd)),
        // The filesystem (EOPNOTSUPP) or the kernel (EISDIR) has no O_TMPFILE.
        Err(Errno::OPNOTSUPP | Errno::ISDIR) => {}
        Err(err) => return Err(err).named(|| format!("open({}, O_TMPFILE)", dir.display())),
    }
    loop {
        let mut random = [0u8; 8];
        crate::fill_random(&mut random)?;
        let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.join(format!(".ostium-{name}"));
        match rustix::fs::open(&path, flags | OFlags::CREATE | OFlags::EXCL, mode) {
            Ok(fd) => {
                rustix::fs::unlink(&path).named(|| format!("unlink({})", path.display()))?;
                return Ok(File::from(fd));
            }
            Err(Errno::EXIST) => continue,
            Err(err) => return Err(err).named(|| format!("open({})", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek, Write};

    use super::*;

    #[test]
    fn an_unlinked_file_holds_what_is_written_and_no_name_shows_it() {
        let dir = std::env::temp_dir().join(format!("ostium-sys-unlinked-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut file = unlinked_file(&dir).unwrap();
        file.write_all(b"a body").unwrap();
        file.rewind().unwrap();
        let mut back = String::new();
        file.read_to_string(&mut back).unwrap();
        assert_eq!(back, "a body");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no name in the directory");
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_an_error_that_names_it() {
        let err = unlinked_file(Path::new("/nonexistent/ostium")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ostium"), "{err}");
    }
}
