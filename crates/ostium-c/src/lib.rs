//! `libdoor`: the illumos door API for C programs on Linux, over Ostium's doors.
//!
//! A door program written for illumos compiles here with no change to its source: it
//! includes `<door.h>`, serves a door with `door_create`, `fattach` and `door_return`, or
//! opens one with the libc `open` and calls it with `door_call`, talking the protocol of
//! `docs/door-protocol.md`, so that its peer may be a Rust [`ostium::Door`], another C
//! program, or ostiumd. The build makes `libdoor.so` and
//! `libdoor.a`; the headers are in `include/` and `docs/c.md` is the manual, with the
//! differences from illumos.
//!
//! How the pieces fit:
//! - [`open`](mod@open): `open(2)` and its variants are interposed. A path that is a door
//!   (a Unix `SOCK_SEQPACKET` socket that answers the protocol's `HELLO`) gives a
//!   descriptor connected to it, where the kernel's `open` would fail with `ENXIO`;
//!   everything else goes to the kernel unchanged. `close` is interposed too, to forget a
//!   door descriptor before its number is reused.
//! - [`handles`]: the door descriptors this process holds, each with the
//!   [`ostium::Client`] that makes its calls (its first connection is the descriptor's own
//!   socket; concurrent calls from several threads get connections of their own).
//! - [`call`](mod@call): `door_call`, the arguments and descriptors in, the results placed as
//!   door_call(3C) says.
//! - [`info`](mod@info): `door_info`.
//! - [`passing`]: a door descriptor passed through a door is a door in the receiver.
//! - [`local`]: serving doors — `door_create`, `fattach`, `fdetach`, `door_revoke`;
//!   [`serve`] runs each call through the door's C procedure and makes `door_return`
//!   not return (with the setjmp of `src/jump.c`); [`threads`] gives each door's pool its
//!   threads (`door_server_create`, `door_bind`); [`ucred`] tells the procedure who
//!   called; [`params`] keeps a door's limits on calls (`door_getparam`).
//! - [`http`](mod@http): a C API for ostiumd's `http` mode (`<ostium_http.h>`).
//! - [`abi`]: the C types as the headers lay them out, and [`errno`] the C convention for
//!   errors.
//!
//! Unsafe code is confined here to what the C boundary needs (raw pointers from C, errno,
//! the interposed symbols), each block with a `// SAFETY:` line.

pub mod abi;
pub mod call;
mod errno;
pub mod handles;
pub mod http;
pub mod info;
pub mod local;
pub mod open;
pub mod params;
pub mod passing;
pub mod serve;
pub mod threads;
pub mod ucred;
