//! The configuration file: portunusd's grammar, so that its files load as they are, and
//! Ostium's per-forward blocks.
//!
//! ```text
//! # portunusd's statements
//! set domain example.org
//! forward udp 0.0.0.0:53 to /var/run/dns.door
//! forward tcp 0.0.0.0:7 to /var/run/echo.door
//!
//! # Ostium's blocks, defaults for every forward, and exec
//! set max-body 4M
//! forward http 127.0.0.1:8080 to /run/hello.door {
//!     max-connections 1000
//!     header-timeout 5s
//!     exec "/usr/local/bin/hello --door /run/hello.door"
//! }
//! ```
//!
//! portunusd's `tls` and `https` forwards and its `forward … to { map METHOD /prefix to
//! /door … }` routing blocks are recognised and refused as "not supported yet". An older
//! portunusd form without the protocol (`forward 0.0.0.0:80 to …`) is refused with a
//! message asking for one.
//!
//! [`docs/configuration.md`](../../../docs/configuration.md) is the reference for users
//! (a test checks that it documents every setting and option, and nothing else).
//!
//! Options of a forward block (each once), and their defaults ([`Limits::DEFAULT`],
//! [`Timeouts::DEFAULT`]):
//!
//! | option | value | default | modes |
//! | --- | --- | --- | --- |
//! | `mode` | `http`, `bytes`, `handoff` | `http` for `http`, `bytes` for `tcp` and `udp` | `tcp`: all; `http`: http; `udp`: bytes |
//! | `max-connections` | 1–1000000 | 10000 | not udp |
//! | `per-source` | 1–1000000 | no limit | not udp |
//! | `rate` | 1–1000000 per second per source | no limit | all |
//! | `max-header-bytes` | size, up to 1M | 8K | http |
//! | `max-headers` | 1–10000 | 100 | http |
//! | `max-body` | size, up to 1024G | 1M | http, bytes |
//! | `body-buffer` | size, up to 1M: a body's part kept in memory, the rest spooled | 16K | http |
//! | `body-spool` | a directory for spooled bodies (unlinked files) | `/var/tmp` | http |
//! | `header-timeout` | duration, also to a new connection's first byte | 10s | http |
//! | `body-timeout` | duration, between body bytes | 30s | http, tcp bytes |
//! | `idle-timeout` | duration, keep-alive | 60s | http |
//! | `reply-timeout` | duration | 30s | http, bytes |
//! | `request-timeout` | duration, whole request | 5m | http, tcp bytes |
//! | `access-log` | `off`, `stderr` or a path | off | all |
//! | `proxy-protocol` | `on`, `off` | off | not udp |
//! | `exec` | `"command args"`, or `"prog" "arg" …` | none | all |
//!
//! Sizes are bytes with an optional `K`, `M` or `G` (binary multiples); durations take
//! `ms`, `s`, `m` or `h`, from 1ms to 24h. `set` accepts every option but `mode` and `exec`
//! as the default for all forwards, and the settings of [`Settings`]. Unknown names,
//! anything given twice, and two forwards on the same transport, address and port are
//! errors (`tcp` and `udp` on one port are fine, as in portunusd's examples).

mod error;
mod model;
mod options;
mod parse;
mod token;
mod value;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use error::{ConfigError, ConfigErrors, ErrorKind, Location};
pub use model::{AccessLog, Config, Exec, Forward, Limits, Mode, Protocol, Settings, Timeouts};
pub use token::Span;

use options::{Key, OptionSet, Value, resolve};
use parse::{Parser, RawForward};

/// Parses a configuration read from the file called `file` (used in messages only).
pub fn parse(file: &str, src: &str) -> Result<Config, ConfigErrors> {
    let parsed = Parser::parse(file, src);
    let mut errors = parsed.errors;
    let mut forwards = Vec::with_capacity(parsed.forwards.len());
    let mut listening = HashMap::new();
    for raw in &parsed.forwards {
        let mut error =
            |kind, span| errors.push(ConfigError { kind, location: Location::of(file, src, span) });
        // Port 0 is a new port for each forward: never a duplicate.
        let key = (raw.protocol.is_udp(), raw.listen);
        match listening.get(&key) {
            Some(&first_line) if raw.listen.port() != 0 => {
                error(ErrorKind::DuplicateListen { first_line }, raw.listen_span);
            }
            _ => {
                listening.insert(key, raw.line);
            }
        }
        match check(raw) {
            Ok(forward) => forwards.push(build(forward, raw, &parsed.defaults)),
            Err(found) => found.into_iter().for_each(|(kind, span)| error(kind, span)),
        }
    }
    if errors.is_empty() {
        return Ok(Config { settings: parsed.settings, forwards });
    }
    errors.sort_by_key(|e| (e.location.line, e.location.column));
    Err(ConfigErrors(errors))
}

/// Parses a configuration from raw bytes, which must be UTF-8 (the error points at the
/// first byte that is not).
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<Config, ConfigErrors> {
    match std::str::from_utf8(bytes) {
        Ok(src) => parse(file, src),
        Err(e) => {
            let valid = e.valid_up_to();
            // The valid prefix is text: locate the bad byte at the end of it.
            let src = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let location = Location::of(file, src, Span::new(valid, valid));
            Err(ConfigErrors(vec![ConfigError { kind: ErrorKind::InvalidUtf8, location }]))
        }
    }
}

/// The forward's mode, after checking that its protocol can carry it and that each of
/// its options applies.
fn check(raw: &RawForward) -> Result<Mode, Vec<(ErrorKind, Span)>> {
    let given = raw.options.entries.iter().find(|e| e.key == Key::Mode);
    let mode = match (raw.protocol, given.map(|e| &e.value)) {
        (Protocol::Tcp, Some(Value::Mode(mode))) => *mode,
        (Protocol::Tcp, _) => Mode::Bytes,
        (Protocol::Http, None | Some(Value::Mode(Mode::Http))) => Mode::Http,
        (Protocol::Udp, None | Some(Value::Mode(Mode::Bytes))) => Mode::Bytes,
        (Protocol::Http, Some(_)) => {
            let why = "`forward http` is mode http; use `forward tcp` for bytes or handoff";
            return Err(vec![(
                ErrorKind::ModeMismatch(why),
                given.map_or(raw.listen_span, |e| e.span),
            )]);
        }
        (Protocol::Udp, Some(_)) => {
            let why = "udp forwards carry datagrams, in mode bytes";
            return Err(vec![(
                ErrorKind::ModeMismatch(why),
                given.map_or(raw.listen_span, |e| e.span),
            )]);
        }
    };
    let misplaced: Vec<_> = (raw.options.entries.iter())
        .filter_map(|e| {
            e.key.not_for(raw.protocol, mode).map(|why| (ErrorKind::NotForMode(why), e.span))
        })
        .collect();
    if misplaced.is_empty() { Ok(mode) } else { Err(misplaced) }
}

fn build(mode: Mode, raw: &RawForward, defaults: &OptionSet) -> Forward {
    let r = resolve(&raw.options, defaults);
    Forward {
        protocol: raw.protocol,
        listen: raw.listen,
        door: raw.door.clone(),
        mode,
        limits: r.limits,
        timeouts: r.timeouts,
        access_log: r.access_log,
        access_log_json: r.access_log_json,
        proxy_protocol: r.proxy_protocol,
        body_spool: r.body_spool,
        exec: r.exec,
        line: raw.line,
    }
}
