//! Futexes on words in memory shared between processes: wait until a word changes, and
//! wake the waiters. The doors' shared-memory reply slots use them (protocol §3.3).
//!
//! Process-shared futexes (not `FUTEX_PRIVATE_FLAG`): the kernel keys them by the page
//! and offset of the word, so a waiter and a waker in different processes, each with its
//! own mapping of the same memfd, meet.

use std::io;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use rustix::io::Errno;
use rustix::thread::futex;

/// Sleeps while `word` holds `expected`, for at most `timeout` (none: no limit). Returns
/// `true` when woken or when the word no longer held `expected`, `false` when the timeout
/// passed; a signal is a spurious wake (`true`). The caller loads the word again either
/// way: waking does not say why.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> io::Result<bool> {
    let timeout = timeout.map(|t| rustix::fs::Timespec {
        tv_sec: i64::try_from(t.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(t.subsec_nanos()),
    });
    match futex::wait(word, futex::Flags::empty(), expected, timeout.as_ref()) {
        Ok(()) | Err(Errno::AGAIN) | Err(Errno::INTR) => Ok(true),
        Err(Errno::TIMEDOUT) => Ok(false),
        Err(err) => Err(io::Error::from(err)),
    }
}

/// Wakes up to `waiters` threads sleeping in [`futex_wait`] on `word`, in any process;
/// returns how many were woken.
pub fn futex_wake(word: &AtomicU32, waiters: u32) -> io::Result<usize> {
    futex::wake(word, futex::Flags::empty(), waiters).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Memfd;
    use crate::memfd::Seals;
    use std::sync::atomic::Ordering;
    use std::time::Instant;

    #[test]
    fn a_wait_times_out_returns_at_once_on_a_changed_word_and_is_woken() {
        let word = AtomicU32::new(5);
        let started = Instant::now();
        assert!(!futex_wait(&word, 5, Some(Duration::from_millis(20))).unwrap());
        assert!(started.elapsed() >= Duration::from_millis(20), "not before the timeout");
        assert!(futex_wait(&word, 4, None).unwrap(), "the word is not 4: no sleep");
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while word.load(Ordering::SeqCst) == 5 {
                    futex_wait(&word, 5, Some(Duration::from_secs(10))).unwrap();
                }
            });
            std::thread::sleep(Duration::from_millis(20));
            word.store(6, Ordering::SeqCst);
            futex_wake(&word, 1).unwrap();
        });
    }

    #[test]
    fn two_mappings_of_one_memfd_share_a_word_and_its_futex() {
        let memfd = Memfd::create("futex", 4096).unwrap();
        memfd.seal(Seals::SHRINK).unwrap();
        let (a, b) = (memfd.map_shared().unwrap(), memfd.map_shared().unwrap());
        let (wa, wb) = (a.word(8).unwrap(), b.word(8).unwrap());
        assert!(a.word(2).is_err() && a.word(4096).is_err() && a.word(4094).is_err());
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while wb.load(Ordering::SeqCst) == 0 {
                    futex_wait(wb, 0, Some(Duration::from_secs(10))).unwrap();
                }
            });
            std::thread::sleep(Duration::from_millis(20));
            wa.store(1, Ordering::SeqCst);
            futex_wake(wa, 1).unwrap();
        });
        assert_eq!(wb.load(Ordering::SeqCst), 1);
    }
}
