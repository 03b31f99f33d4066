//! The OS boundary of Ostium.
//!
//! Every system call that Ostium makes goes through this crate, and almost all of them
//! through [rustix]: there is no hand-written FFI. What it offers is a small, curated, safe
//! subset of Linux:
//!
//! - [`Socket`]: an owned socket descriptor, closed on drop, with the stream operations the
//!   reactor needs; [`tcp_listen`], [`tcp_listen_reuseport`] and [`tcp_connect`].
//! - [`unix`]: `AF_UNIX` `SOCK_SEQPACKET` sockets at a path, messages carrying descriptors
//!   (`SCM_RIGHTS`) and credentials, peer credentials.
//! - [`Poller`] (epoll), [`Interest`], [`Token`], [`Events`]: readiness notification.
//! - [`Waker`] (eventfd): wakes a blocked [`Poller::wait`] from another thread.
//! - [`TimerFd`] and [`Memfd`]: timers as descriptors, and sealed anonymous memory;
//!   [`futex_wait`] and [`futex_wake`] on words of it shared with another process.
//! - [`UdpSocket`] ([`udp_bind`], [`udp_bind_reuseport`]): non-blocking datagrams, IPv4 or
//!   IPv6; [`duplicate_fd`]: a second owned number for an open file.
//! - [`signal_process`] and [`die_with_parent`]: what a supervisor needs of its children.
//! - [`Signal`], [`block_signals`] and [`SignalFd`]: signals read from a descriptor;
//!   [`ProcessFd`] (pidfd): a process's exit as a readable descriptor.
//! - [`unlinked_file`]: a file on disk that no path names (`O_TMPFILE`).
//! - [`release_free_memory`] (`malloc_trim`): freed memory back to the system.
//! - [`parse_duration`]: `500ms`, `2m` or bare seconds, as every command line and the
//!   configuration take durations.
//! - [`Throttle`]: one log line per interval from one place, with a count of those held
//!   back, for every warning a peer can cause.
//! - [`notify`] (`sd_notify`) and [`activation`] (`sd_listen_fds`): the service manager's
//!   side of a daemon's life — readiness and status, and sockets passed at start.
//!
//! # Principles
//!
//! - Every descriptor this crate creates or receives is close-on-exec and owned: it is
//!   closed when its owner drops it.
//! - `EINTR` is handled here, never by callers.
//! - Errors are [`std::io::Error`] values whose message names the call that failed and,
//!   where there is one, the address or path it was given.
//!
//! # Safety
//!
//! `unsafe` is confined to the few places rustix cannot cover, each calling through the
//! `libc` crate's declarations (never hand-written ones): memory mappings and the atomic
//! words inside them ([`memfd`]),
//! receiving credentials and `SO_PEERPIDFD` ([`unix`], whose docs say why rustix cannot be
//! used there), the child-side hook of [`die_with_parent`] (`Command::pre_exec`),
//! [`drop_privileges`] (glibc's process-wide `setres[ug]id`), and
//! `malloc_trim` ([`release_free_memory`]), `epoll_wait` where `epoll_pwait2` is missing ([`Poller::wait`]), signal masks and
//! `signalfd` ([`Signal`], [`SignalFd`]), and in [`activation`], owning the descriptors
//! the service manager passed by number and unsetting its variables. Each
//! block carries a `// SAFETY:` comment saying why it is sound, and clippy denies one
//! without it.

pub mod activation;
mod dup;
mod duration;
mod error;
mod futex;
mod interest;
pub mod memfd;
pub mod notify;
mod pidfd;
mod poller;
mod privileges;
mod process;
mod random;
mod rlimit;
mod sched;
mod signal;
mod signalfd;
mod socket;
mod tcp;
mod tempfile;
mod throttle;
mod timerfd;
mod token;
mod trim;
mod udp;
pub mod unix;
mod waker;

pub use dup::{duplicate_fd, is_nonblocking};
pub use duration::{DurationError, parse_duration};
pub use error::is_out_of_resources;
pub use futex::{futex_wait, futex_wake};
pub use interest::Interest;
pub use memfd::Memfd;
pub use pidfd::ProcessFd;
pub use poller::{Event, Events, Poller};
pub use privileges::{drop_privileges, effective_uid};
pub use process::{ProcessSignal, die_with_parent, pass_fds_from_3, signal_process};
pub use random::fill_random;
pub use rlimit::{fd_limit, raise_fd_limit};
pub use sched::{
    allowed_cpus, current_cpu, pin_current_thread, pin_process, set_current_thread_cpus,
};
pub use signal::{Signal, block_signals, is_blocked};
pub use signalfd::SignalFd;
pub use socket::Socket;
pub use tcp::{tcp_connect, tcp_listen, tcp_listen_reuseport};
pub use tempfile::unlinked_file;
pub use throttle::Throttle;
pub use timerfd::TimerFd;
pub use token::Token;
pub use trim::release_free_memory;
pub use udp::{UdpSocket, udp_bind, udp_bind_reuseport};
pub use waker::Waker;
