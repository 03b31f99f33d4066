//! Forward options: their names ([`Key`]), where each applies, how its value is read, the
//! set given in one block or as global defaults ([`OptionSet`]), and their resolution
//! into [`Limits`], [`Timeouts`] and the rest of a [`Forward`](super::Forward).

use std::path::PathBuf;
use std::time::Duration;

use super::error::ErrorKind;
use super::model::{AccessLog, Exec, Limits, Mode, Protocol, Timeouts};
use super::token::{Span, Token};
use super::value;

/// Where request bodies past `body-buffer` are written unless `body-spool` says: a
/// directory on disk on Debian and most systems (`/tmp` may be tmpfs, which is memory).
pub(crate) const DEFAULT_BODY_SPOOL: &str = "/var/tmp";

/// A forward option's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Mode,
    Exec,
    MaxConnections,
    PerSource,
    Rate,
    MaxHeaderBytes,
    MaxHeaders,
    MaxBody,
    BodyBuffer,
    BodySpool,
    HeaderTimeout,
    BodyTimeout,
    IdleTimeout,
    ReplyTimeout,
    RequestTimeout,
    AccessLog,
    AccessLogFormat,
    ProxyProtocol,
}

impl Key {
    /// Every option, with its name in the file (docs/configuration.md documents each).
    pub(crate) const NAMES: [(Key, &'static str); 18] = [
        (Key::Mode, "mode"),
        (Key::Exec, "exec"),
        (Key::MaxConnections, "max-connections"),
        (Key::PerSource, "per-source"),
        (Key::Rate, "rate"),
        (Key::MaxHeaderBytes, "max-header-bytes"),
        (Key::MaxHeaders, "max-headers"),
        (Key::MaxBody, "max-body"),
        (Key::BodyBuffer, "body-buffer"),
        (Key::BodySpool, "body-spool"),
        (Key::HeaderTimeout, "header-timeout"),
        (Key::BodyTimeout, "body-timeout"),
        (Key::IdleTimeout, "idle-timeout"),
        (Key::ReplyTimeout, "reply-timeout"),
        (Key::RequestTimeout, "request-timeout"),
        (Key::AccessLog, "access-log"),
        (Key::AccessLogFormat, "access-log-format"),
        (Key::ProxyProtocol, "proxy-protocol"),
    ];

    pub(crate) fn parse(name: &str) -> Option<Key> {
        Key::NAMES.iter().find(|(_, n)| *n == name).map(|(key, _)| *key)
    }

    /// Whether `set` may give this option as a default for every forward (all but the
    /// two that say what one forward is).
    pub(crate) fn is_global(self) -> bool {
        !matches!(self, Key::Mode | Key::Exec)
    }

    /// Why this option cannot be given to a forward of this protocol and mode, if so.
    pub(crate) fn not_for(self, protocol: Protocol, mode: Mode) -> Option<&'static str> {
        match self {
            Key::MaxHeaderBytes
            | Key::MaxHeaders
            | Key::HeaderTimeout
            | Key::IdleTimeout
            | Key::BodyBuffer
            | Key::BodySpool
                if mode != Mode::Http =>
            {
                Some("only mode http reads headers and keeps connections alive")
            }
            Key::MaxConnections | Key::PerSource | Key::ProxyProtocol if protocol.is_udp() => {
                Some("udp forwards have no connections")
            }
            Key::BodyTimeout | Key::RequestTimeout if protocol.is_udp() => {
                Some("a datagram arrives whole")
            }
            Key::MaxBody | Key::BodyTimeout | Key::RequestTimeout | Key::ReplyTimeout
                if mode == Mode::Handoff =>
            {
                Some("in mode handoff the application reads the connection itself")
            }
            _ => None,
        }
    }

    /// Reads this option's value from the tokens after its name (`key` is the name's
    /// token, for errors about a missing value).
    pub(crate) fn value(self, key: &Token, values: &[Token]) -> Result<Value, (ErrorKind, Span)> {
        if self == Key::Exec {
            return exec(key, values).map(Value::Exec);
        }
        let token = single(key, values)?;
        let text = token.text().unwrap_or_default();
        let located = |kind| (kind, token.span);
        let count = |max, range| value::number(text, max, range).map_err(located);
        let size = |max, range| value::size(text, max, range).map_err(located);
        Ok(match self {
            Key::Mode => Value::Mode(value::mode(text).map_err(located)?),
            Key::MaxConnections | Key::PerSource | Key::Rate => {
                Value::Number(count(1_000_000, "from 1 to 1000000")?)
            }
            Key::MaxHeaders => Value::Number(count(10_000, "from 1 to 10000")?),
            Key::MaxHeaderBytes => Value::Number(size(1 << 20, "from 1 to 1M")?),
            Key::MaxBody => Value::Number(size(1 << 40, "from 1 to 1024G")?),
            Key::BodyBuffer => Value::Number(size(1 << 20, "from 1 to 1M")?),
            Key::BodySpool => match text {
                "" => return Err(located(ErrorKind::Empty)),
                dir => Value::Path(PathBuf::from(dir)),
            },
            Key::HeaderTimeout
            | Key::BodyTimeout
            | Key::IdleTimeout
            | Key::ReplyTimeout
            | Key::RequestTimeout => Value::Duration(value::duration(text).map_err(located)?),
            Key::AccessLog => Value::Log(match text {
                "" => return Err(located(ErrorKind::Empty)),
                "off" => AccessLog::Off,
                "stderr" => AccessLog::Stderr,
                path => AccessLog::File(PathBuf::from(path)),
            }),
            Key::AccessLogFormat => Value::Switch(match text {
                "common" => false,
                "json" => true,
                _ => return Err(located(ErrorKind::Expected("`common` or `json`"))),
            }),
            Key::ProxyProtocol => Value::Switch(value::switch(text).map_err(located)?),
            Key::Exec => unreachable!("handled above"),
        })
    }
}

/// The one value token of a single-valued option or setting.
pub(crate) fn single<'t>(key: &Token, values: &'t [Token]) -> Result<&'t Token, (ErrorKind, Span)> {
    match values {
        [one] => Ok(one),
        [] => Err((ErrorKind::Expected("a value"), Span::new(key.span.end, key.span.end))),
        [_, extra, ..] => Err((ErrorKind::Expected("the end of the line"), extra.span)),
    }
}

/// `exec "command args"` splits its one string at blanks; `exec "prog" "an arg" …` takes
/// each string or word as one argument, for arguments that hold blanks.
fn exec(key: &Token, values: &[Token]) -> Result<Exec, (ErrorKind, Span)> {
    let text = |t: &Token| t.text().unwrap_or_default().to_owned();
    let argv: Vec<String> = match values {
        [] => {
            return Err((ErrorKind::Expected("a command"), Span::new(key.span.end, key.span.end)));
        }
        [one] => text(one).split_whitespace().map(str::to_owned).collect(),
        many => many.iter().map(text).collect(),
    };
    match argv.iter().position(String::is_empty) {
        _ if argv.is_empty() => Err((ErrorKind::Empty, values[0].span)),
        Some(at) => Err((ErrorKind::Empty, values[at].span)),
        None => Ok(Exec { argv }),
    }
}

/// An option's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Mode(Mode),
    Exec(Exec),
    Number(u64),
    Duration(Duration),
    Log(AccessLog),
    Path(PathBuf),
    Switch(bool),
}

/// One option as given.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) key: Key,
    pub(crate) value: Value,
    /// The name's span.
    pub(crate) span: Span,
    pub(crate) line: u32,
}

/// The options of one block, or the forward defaults given with `set`.
#[derive(Clone, Debug, Default)]
pub(crate) struct OptionSet {
    pub(crate) entries: Vec<Entry>,
}

impl OptionSet {
    /// Adds an option; giving one twice is an error at the second.
    pub(crate) fn insert(&mut self, entry: Entry) -> Result<(), (ErrorKind, Span)> {
        if let Some(first) = self.entries.iter().find(|e| e.key == entry.key) {
            return Err((ErrorKind::Duplicate { first_line: first.line }, entry.span));
        }
        self.entries.push(entry);
        Ok(())
    }

    pub(crate) fn get(&self, key: Key) -> Option<&Value> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }
}

/// Everything of a forward the options decide, once resolved.
pub(crate) struct Resolved {
    pub(crate) limits: Limits,
    pub(crate) timeouts: Timeouts,
    pub(crate) access_log: AccessLog,
    pub(crate) access_log_json: bool,
    pub(crate) proxy_protocol: bool,
    pub(crate) body_spool: PathBuf,
    pub(crate) exec: Option<Exec>,
}

/// Each option from the block if given there, else from `set`, else its default.
pub(crate) fn resolve(block: &OptionSet, global: &OptionSet) -> Resolved {
    let get = |key| block.get(key).or_else(|| global.get(key));
    let number = |key, default: u64| match get(key) {
        Some(Value::Number(n)) => *n,
        _ => default,
    };
    let small =
        |key, default: usize| usize::try_from(number(key, default as u64)).unwrap_or(usize::MAX);
    let count = |key| match get(key) {
        Some(Value::Number(n)) => Some(u32::try_from(*n).unwrap_or(u32::MAX)),
        _ => None,
    };
    let duration = |key, default| match get(key) {
        Some(Value::Duration(d)) => *d,
        _ => default,
    };
    let (l, t) = (Limits::DEFAULT, Timeouts::DEFAULT);
    Resolved {
        limits: Limits {
            max_connections: count(Key::MaxConnections).unwrap_or(l.max_connections),
            per_source: count(Key::PerSource),
            rate: count(Key::Rate),
            max_header_bytes: small(Key::MaxHeaderBytes, l.max_header_bytes),
            max_headers: small(Key::MaxHeaders, l.max_headers),
            max_body: number(Key::MaxBody, l.max_body),
            body_buffer: small(Key::BodyBuffer, l.body_buffer),
        },
        timeouts: Timeouts {
            header: duration(Key::HeaderTimeout, t.header),
            body: duration(Key::BodyTimeout, t.body),
            idle: duration(Key::IdleTimeout, t.idle),
            reply: duration(Key::ReplyTimeout, t.reply),
            request: duration(Key::RequestTimeout, t.request),
        },
        access_log: match get(Key::AccessLog) {
            Some(Value::Log(log)) => log.clone(),
            _ => AccessLog::Off,
        },
        access_log_json: matches!(get(Key::AccessLogFormat), Some(Value::Switch(true))),
        proxy_protocol: matches!(get(Key::ProxyProtocol), Some(Value::Switch(true))),
        body_spool: match get(Key::BodySpool) {
            Some(Value::Path(dir)) => dir.clone(),
            _ => PathBuf::from(DEFAULT_BODY_SPOOL),
        },
        exec: match block.get(Key::Exec) {
            Some(Value::Exec(exec)) => Some(exec.clone()),
            _ => None,
        },
    }
}
