//! Other processes: signalling them, and children that do not outlive their parent.
//!
//! A supervisor (ostiumd's `exec`) starts applications with [`std::process::Command`]; it
//! needs two things the standard library lacks: sending a child `SIGTERM` (a polite stop,
//! where `Child::kill` only knows `SIGKILL`), and making sure a child dies with it if the
//! supervisor itself is killed, rather than living on unsupervised.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

use rustix::process::{Pid, Signal, getppid, kill_process, set_parent_process_death_signal};

use crate::error::Named;

/// A signal to send to a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcessSignal {
    /// `SIGTERM`: please stop.
    Terminate,
    /// `SIGINT`: as Ctrl-C.
    Interrupt,
    /// `SIGHUP`: conventionally, reload.
    Hangup,
    /// `SIGKILL`: stop now.
    Kill,
}

impl ProcessSignal {
    fn raw(self) -> Signal {
        match self {
            ProcessSignal::Terminate => Signal::TERM,
            ProcessSignal::Interrupt => Signal::INT,
            ProcessSignal::Hangup => Signal::HUP,
            ProcessSignal::Kill => Signal::KILL,
        }
    }
}

/// `kill(pid, signal)`: sends `signal` to process `pid`.
pub fn signal_process(pid: u32, signal: ProcessSignal) -> io::Result<()> {
    let raw = i32::try_from(pid).ok().and_then(Pid::from_raw).ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("kill: {pid} is not a pid"))
    })?;
    kill_process(raw, signal.raw()).named(|| format!("kill({pid}, {signal:?})"))
}

/// Makes the child that `command` starts receive `SIGKILL` when the thread that started
/// it ends (`prctl(PR_SET_PDEATHSIG)` in the child, before `exec`), so that a supervisor
/// killed without warning takes its children along. If the parent is already gone by the
/// time the child runs, the child is not started (the spawn fails).
///
/// The signal follows the *thread* that spawned the child: spawn from a thread that lives
/// as long as the child is wanted.
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    let parent = Pid::from_raw(std::process::id() as i32);
    let hook = move || {
        set_parent_process_death_signal(Some(Signal::KILL))?;
        // The parent may have died between fork and the prctl: then nobody would ever
        // send the signal.
        if getppid() != parent {
            return Err(io::Error::other("the parent died before the child started"));
        }
        Ok(())
    };
    // SAFETY: the hook runs in the forked child before exec, where only async-signal-safe
    // work is allowed: it makes two raw system calls (prctl, getppid) through rustix, takes
    // no lock and, on the success path, allocates nothing (the error path allocates only
    // when the parent is gone and the child is about to fail anyway).
    unsafe { command.pre_exec(hook) }
}

/// Makes the child that `command` starts receive `fds` as descriptors 3, 4, … in order
/// (not close-on-exec), as a service manager passes sockets (`LISTEN_FDS`). The parent's
/// descriptors are untouched.
pub fn pass_fds_from_3(command: &mut Command, fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    // Out of the way of 3, 4, …: a dup2 onto one of them must not close another source.
    let high: Vec<OwnedFd> = fds
        .iter()
        .map(|fd| rustix::io::fcntl_dupfd_cloexec(fd, 100).named(|| "fcntl(F_DUPFD_CLOEXEC)"))
        .collect::<io::Result<_>>()?;
    let raw: Vec<RawFd> = high.iter().map(AsRawFd::as_raw_fd).collect();
    let hook = move || {
        // The descriptors stay open in the parent until the command is dropped.
        let _keep = &high;
        for (to, &from) in (3..).zip(&raw) {
            // SAFETY: see the block below; dup2 on two valid descriptor numbers.
            if unsafe { libc::dup2(from, to) } < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    };
    // SAFETY: the hook runs in the forked child before exec and only calls dup2, which is
    // async-signal-safe; it allocates nothing and takes no lock (the vectors were built in
    // the parent). dup2's result is not close-on-exec, so the program receives them.
    unsafe { command.pre_exec(hook) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_child_is_terminated_politely() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        signal_process(child.id(), ProcessSignal::Terminate).unwrap();
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(15), "{status:?}");
    }

    #[test]
    fn a_child_dies_with_the_thread_that_started_it() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut command = Command::new("sleep");
            command.arg("30");
            let child = die_with_parent(&mut command).spawn().unwrap();
            tx.send(child.id()).unwrap();
            // The thread ends here, leaving the child unwaited.
            std::mem::forget(child);
        })
        .join()
        .unwrap();
        let pid = rx.recv().unwrap();
        let stat = format!("/proc/{pid}/stat");
        let deadline = Instant::now() + Duration::from_secs(5);
        // Killed, it becomes a zombie (state Z) until reaped; or is gone.
        loop {
            match std::fs::read_to_string(&stat) {
                Ok(text)
                    if text.rsplit(')').next().is_some_and(|s| s.trim_start().starts_with('Z')) =>
                {
                    break;
                }
                Err(_) => break,
                _ => {}
            }
            assert!(Instant::now() < deadline, "the child outlived its parent thread");
            std::thread::sleep(Duration::from_millis(10));
        }
        // Reap it.
        let _ = rustix::process::waitpid(
            Pid::from_raw(pid as i32),
            rustix::process::WaitOptions::NOHANG,
        );
    }

    #[test]
    fn nonsense_pids_are_refused() {
        assert!(signal_process(0, ProcessSignal::Terminate).is_err());
        assert!(signal_process(u32::MAX, ProcessSignal::Terminate).is_err());
    }
}
