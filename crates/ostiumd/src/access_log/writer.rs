//! The access log writer: a thread of its own per log, fed through a bounded queue, so
//! that an event loop never waits for a disk.
//!
//! [`spawn`] opens the destination (so a bad path fails at start-up, not at the first
//! request) and starts the thread. The loops hold [`AccessLog`] handles, whose
//! [`write`](AccessLog::write) queues a line or — when [`DEFAULT_CAPACITY`] lines are
//! already waiting — drops it and counts it: a full queue means the disk cannot keep up,
//! and waiting would pass the stall on to every client. The thread writes through a
//! buffer, flushed whenever the queue runs empty, so lines reach the file within one
//! write of their turn and bursts cost few system calls.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::thread::JoinHandle;

use crate::metrics::Counter;

/// Lines that may wait for the writer before new ones are dropped: a few seconds of a
/// busy forward's traffic, a few hundred kilobytes of memory at most.
pub const DEFAULT_CAPACITY: usize = 4096;

/// Where lines go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// ostiumd's standard error, line by line (unbuffered, so that lines do not
    /// interleave with other messages mid-line).
    Stderr,
    /// A file, created if missing (mode 0640), appended to.
    File(PathBuf),
}

/// A handle for queueing lines; clone one per loop.
#[derive(Clone, Debug)]
pub struct AccessLog {
    sender: SyncSender<Message>,
    shared: Arc<Shared>,
    dropped: Counter,
}

/// The writer thread, for waiting until every line is written.
#[derive(Debug)]
pub struct AccessLogThread {
    thread: JoinHandle<()>,
}

#[derive(Debug)]
enum Message {
    Line(String),
    /// Reopen the file: the lines queued before go to the old one.
    Reopen,
}

#[derive(Debug, Default)]
struct Shared {
    /// Set by [`AccessLog::reopen`] when the queue is full; the thread then reopens the
    /// file before its next line.
    reopen: AtomicBool,
}

/// Opens `destination`, starts its writer thread with a queue of `capacity` lines, and
/// returns the handle to queue lines and the thread. Dropped lines are added to
/// `dropped` (the forward's `access_log_dropped`).
///
/// Fails if the file cannot be opened for appending or the thread cannot start.
pub fn spawn(
    destination: Destination,
    capacity: usize,
    dropped: Counter,
) -> io::Result<(AccessLog, AccessLogThread)> {
    let output = Output::open(destination)?;
    spawn_with(output, capacity, dropped)
}

fn spawn_with(
    output: Output,
    capacity: usize,
    dropped: Counter,
) -> io::Result<(AccessLog, AccessLogThread)> {
    let (sender, receiver) = sync_channel(capacity);
    let shared = Arc::new(Shared::default());
    let thread_shared = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("access-log".into())
        .spawn(move || run(receiver, output, &thread_shared))?;
    Ok((AccessLog { sender, shared, dropped }, AccessLogThread { thread }))
}

impl AccessLog {
    /// Queues `line` (which ends in `\n`) without blocking. Returns `false` if it was
    /// dropped — the queue is full, or the thread is gone — and counted.
    pub fn write(&self, line: String) -> bool {
        match self.sender.try_send(Message::Line(line)) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.inc();
                false
            }
        }
    }

    /// Asks the thread to close and reopen the file, for log rotation (the engine calls
    /// it on `SIGHUP`): lines queued before go to the old file, lines after to the new.
    /// When the queue is full, the reopening happens before the next line the thread
    /// takes instead, so a few queued lines may land in the new file. Does nothing for
    /// standard error.
    pub fn reopen(&self) {
        if self.sender.try_send(Message::Reopen).is_err() {
            self.shared.reopen.store(true, Ordering::Release);
        }
    }
}

impl AccessLogThread {
    /// Waits until every [`AccessLog`] handle is dropped and every queued line written.
    pub fn join(self) {
        // The thread catches nothing that could panic but a bug; it has logged it.
        let _ = self.thread.join();
    }
}

/// The thread's end of the destination.
struct Output {
    destination: Destination,
    writer: Box<dyn Write + Send>,
}

impl Output {
    fn open(destination: Destination) -> io::Result<Output> {
        let writer: Box<dyn Write + Send> = match &destination {
            Destination::Stderr => Box::new(io::stderr()),
            Destination::File(path) => Box::new(BufWriter::new(open_append(path)?)),
        };
        Ok(Output { destination, writer })
    }

    /// Flushes, then opens the path again (the old file may have been renamed away).
    fn reopen(&mut self) -> io::Result<()> {
        self.writer.flush()?;
        if let Destination::File(path) = &self.destination {
            self.writer = Box::new(BufWriter::new(open_append(path)?));
        }
        Ok(())
    }
}

fn open_append(path: &PathBuf) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o640)
        .open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("access log {}: {e}", path.display())))
}

/// The thread: writes lines as they come, flushes when none are waiting, ends when every
/// handle is gone.
fn run(receiver: Receiver<Message>, mut output: Output, shared: &Shared) {
    let mut failing = false;
    loop {
        let message = match receiver.try_recv() {
            Ok(message) => message,
            Err(TryRecvError::Empty) => {
                report(&mut failing, output.writer.flush());
                match receiver.recv() {
                    Ok(message) => message,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        let flagged = shared.reopen.swap(false, Ordering::Acquire);
        if flagged || matches!(message, Message::Reopen) {
            report(&mut failing, output.reopen());
        }
        if let Message::Line(line) = message {
            report(&mut failing, output.writer.write_all(line.as_bytes()));
        }
    }
    report(&mut failing, output.writer.flush());
}

/// Logs the first failure of a run of failures (a full disk fails every line) and the
/// recovery, not each line.
fn report(failing: &mut bool, result: io::Result<()>) {
    match (result, *failing) {
        (Err(err), false) => {
            tracing::warn!(%err, "access log: cannot write; lines are lost until it recovers");
            *failing = true;
        }
        (Ok(()), true) => {
            tracing::info!("access log: writing again");
            *failing = false;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Registry;
    use std::sync::mpsc::{Sender, channel};

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ostiumd-access-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn counter() -> Counter {
        Registry::new().counter("dropped_total", "Dropped.", &[])
    }

    #[test]
    fn lines_are_appended_in_order_and_all_written_by_join() {
        let dir = temp_dir("order");
        let path = dir.join("access.log");
        std::fs::write(&path, "old\n").unwrap();
        let (log, thread) = spawn(Destination::File(path.clone()), 16, counter()).unwrap();
        let clone = log.clone();
        for i in 0..10 {
            // The queue is larger than a burst only if the thread keeps up; a slow test
            // machine may drop, which `write` reports.
            while !log.write(format!("line {i}\n")) {
                std::thread::yield_now();
            }
        }
        drop((log, clone));
        thread.join();
        let expected: String = (0..10).map(|i| format!("line {i}\n")).collect();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("old\n{expected}"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn reopen_follows_a_rotation() {
        let dir = temp_dir("rotate");
        let path = dir.join("access.log");
        let (log, thread) = spawn(Destination::File(path.clone()), 16, counter()).unwrap();
        assert!(log.write("before\n".into()));
        std::fs::rename(&path, dir.join("access.log.1")).unwrap();
        log.reopen();
        assert!(log.write("after\n".into()));
        drop(log);
        thread.join();
        assert_eq!(std::fs::read_to_string(dir.join("access.log.1")).unwrap(), "before\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "after\n");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_bad_path_fails_at_spawn() {
        let missing = temp_dir("missing").join("no/such/dir/access.log");
        let err = spawn(Destination::File(missing), 4, counter()).unwrap_err();
        assert!(err.to_string().contains("no/such/dir"), "{err}");
    }

    /// A sink that reports each write and then blocks until released: a stuck disk.
    struct Stuck {
        started: Sender<()>,
        release: Receiver<()>,
    }

    impl Write for Stuck {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let _ = self.started.send(());
            let _ = self.release.recv();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_blocking() {
        let (started, writing) = channel();
        let (release, released) = channel();
        let output = Output {
            destination: Destination::Stderr,
            writer: Box::new(Stuck { started, release: released }),
        };
        let dropped = counter();
        let (log, thread) = spawn_with(output, 2, dropped.clone()).unwrap();
        assert!(log.write("1\n".into()));
        writing.recv().unwrap(); // the thread holds line 1, stuck in write
        assert!(log.write("2\n".into()));
        assert!(log.write("3\n".into()));
        assert!(!log.write("4\n".into()), "the queue of 2 is full");
        assert!(!log.write("5\n".into()));
        assert_eq!(dropped.get(), 2);
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        drop(log);
        thread.join();
    }
}
