//! The parser: statements from tokens, with recovery, so that one run reports every error
//! of a file (after an error it skips to the end of the statement or block line).
//!
//! ```text
//! file      = { statement | NEWLINE }
//! statement = "set" KEY VALUE NEWLINE
//!           | "forward" PROTO ADDR "to" DOOR [ "{" { option | NEWLINE } "}" ] NEWLINE
//! option    = KEY VALUE { VALUE } NEWLINE          (several values: exec only)
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;

use super::error::{ConfigError, ErrorKind, Location, line_of};
use super::model::{Protocol, Settings};
use super::options::{Entry, Key, OptionSet, single};
use super::token::{Span, Token, TokenKind, tokenize};
use super::value;

type Located<T> = Result<T, (ErrorKind, Span)>;

/// Every setting `set` takes besides the forward options (docs/configuration.md documents
/// each).
pub(crate) const SETTINGS: [&str; 12] = [
    "threads",
    "shutdown-timeout",
    "domain",
    "certificate",
    "key",
    "metrics",
    "user",
    "group",
    "control",
    "control-mode",
    "log-level",
    "request-memory",
];

/// A forward as written, before its options are checked and resolved.
pub(crate) struct RawForward {
    pub(crate) protocol: Protocol,
    pub(crate) listen: SocketAddr,
    pub(crate) listen_span: Span,
    pub(crate) door: PathBuf,
    pub(crate) options: OptionSet,
    pub(crate) line: u32,
}

/// What the parser read: settings, forward defaults from `set`, forwards, and errors.
pub(crate) struct Parsed {
    pub(crate) settings: Settings,
    pub(crate) defaults: OptionSet,
    pub(crate) forwards: Vec<RawForward>,
    pub(crate) errors: Vec<ConfigError>,
}

pub(crate) struct Parser<'a> {
    file: &'a str,
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    /// How many `{` are open at `pos`.
    depth: u32,
    settings: Settings,
    /// The `set` keys seen that are settings proper, with their lines.
    seen: Vec<(&'static str, u32)>,
    out: Parsed,
}

impl<'a> Parser<'a> {
    pub(crate) fn parse(file: &'a str, src: &'a str) -> Parsed {
        let mut out = Parsed {
            settings: Settings::default(),
            defaults: OptionSet::default(),
            forwards: Vec::new(),
            errors: Vec::new(),
        };
        let tokens = match tokenize(src) {
            Ok(tokens) => tokens,
            Err((kind, span)) => {
                out.errors.push(ConfigError { kind, location: Location::of(file, src, span) });
                return out;
            }
        };
        let mut p = Parser {
            file,
            src,
            tokens,
            pos: 0,
            depth: 0,
            settings: Settings::default(),
            seen: Vec::new(),
            out,
        };
        p.file();
        p.out.settings = p.settings;
        p.out
    }

    fn file(&mut self) {
        loop {
            let tok = self.peek().clone();
            let result = match (&tok.kind, tok.word()) {
                (TokenKind::Eof, _) => return,
                (TokenKind::Newline, _) => {
                    self.next();
                    continue;
                }
                (_, Some("forward")) => self.forward(),
                (_, Some("set")) => self.set(),
                (_, Some("exec")) => Err((ErrorKind::ExecOutsideForward, tok.span)),
                (_, Some(_)) => Err((ErrorKind::UnknownStatement, tok.span)),
                _ => Err((ErrorKind::Expected("a statement (`forward` or `set`)"), tok.span)),
            };
            if let Err(e) = result {
                self.error(e);
                self.recover(0);
            }
        }
    }

    /// `forward PROTO ADDR to DOOR [{ … }]`
    fn forward(&mut self) -> Located<()> {
        let keyword = self.next().span;
        let line = self.line(keyword);
        let proto = self.next();
        let protocol = match proto.word() {
            Some("tcp") => Protocol::Tcp,
            Some("udp") => Protocol::Udp,
            Some("http") => Protocol::Http,
            Some("tls" | "https") => {
                return Err((
                    ErrorKind::NotSupportedYet("TLS forwards (`tls`, `https`) are"),
                    proto.span,
                ));
            }
            Some(w) if w.parse::<SocketAddr>().is_ok() => {
                return Err((
                    ErrorKind::Expected("a protocol (`tcp`, `udp` or `http`) before the address"),
                    proto.span,
                ));
            }
            Some(_) => return Err((ErrorKind::UnknownProtocol, proto.span)),
            None => {
                return Err((
                    ErrorKind::Expected("a protocol (`tcp`, `udp` or `http`)"),
                    proto.span,
                ));
            }
        };
        let addr = self.next();
        let listen = address(&addr)?;
        let to = self.next();
        if to.word() != Some("to") {
            return Err((ErrorKind::Expected("`to`"), to.span));
        }
        let target = self.next();
        let door = match &target.kind {
            TokenKind::Open => {
                let what = "`map` blocks (routing by method and path) are";
                return Err((ErrorKind::NotSupportedYet(what), target.span));
            }
            TokenKind::Word(path) | TokenKind::Str(path) if !path.is_empty() => PathBuf::from(path),
            TokenKind::Str(_) => return Err((ErrorKind::Empty, target.span)),
            _ => return Err((ErrorKind::Expected("a door path"), target.span)),
        };
        let mut options = OptionSet::default();
        if self.peek().kind == TokenKind::Open {
            let open = self.next().span;
            self.block(&mut options, open)?;
        }
        self.end_of_statement()?;
        let listen_span = addr.span;
        self.out.forwards.push(RawForward { protocol, listen, listen_span, door, options, line });
        Ok(())
    }

    /// The options of a forward block, after its `{`, through its `}`. An error in one
    /// option is recorded and the next line read.
    fn block(&mut self, options: &mut OptionSet, open: Span) -> Located<()> {
        let depth = self.depth;
        loop {
            let tok = self.peek().clone();
            let result = match &tok.kind {
                TokenKind::Newline => {
                    self.next();
                    continue;
                }
                TokenKind::Close => {
                    self.next();
                    return Ok(());
                }
                TokenKind::Eof => return Err((ErrorKind::UnclosedBlock, open)),
                TokenKind::Word(name) => self.option(options, name),
                _ => Err((ErrorKind::Expected("an option name"), tok.span)),
            };
            if let Err(e) = result {
                self.error(e);
                self.recover(depth);
            }
        }
    }

    fn option(&mut self, options: &mut OptionSet, name: &str) -> Located<()> {
        let key_tok = self.next();
        let key = Key::parse(name).ok_or((ErrorKind::UnknownOption, key_tok.span))?;
        let values = self.values()?;
        let value = key.value(&key_tok, &values)?;
        let line = self.line(key_tok.span);
        options.insert(Entry { key, value, span: key_tok.span, line })
    }

    /// `set KEY VALUE`: a setting, or a default for every forward's option.
    fn set(&mut self) -> Located<()> {
        self.next();
        let key_tok = self.next();
        let name = key_tok.word().ok_or((ErrorKind::Expected("a setting name"), key_tok.span))?;
        let values = self.values()?;
        let line = self.line(key_tok.span);
        match Key::parse(name) {
            Some(key) if key.is_global() => {
                let value = key.value(&key_tok, &values)?;
                self.out.defaults.insert(Entry { key, value, span: key_tok.span, line })?;
            }
            _ => self.setting(&key_tok, name, &values)?,
        }
        self.end_of_statement()
    }

    fn setting(&mut self, key_tok: &Token, name: &str, values: &[Token]) -> Located<()> {
        let Some(&key) = SETTINGS.iter().find(|&&known| known == name) else {
            return Err((ErrorKind::UnknownSetting, key_tok.span));
        };
        let line = self.line(key_tok.span);
        if let Some(&(_, first_line)) = self.seen.iter().find(|(k, _)| *k == key) {
            return Err((ErrorKind::Duplicate { first_line }, key_tok.span));
        }
        let tok = single(key_tok, values)?;
        let text = tok.text().unwrap_or_default();
        let located = |kind| (kind, tok.span);
        if text.is_empty() {
            return Err(located(ErrorKind::Empty));
        }
        let s = &mut self.settings;
        match key {
            "threads" => {
                let n = value::number(text, 1024, "from 1 to 1024").map_err(located)?;
                s.threads = usize::try_from(n).ok().and_then(std::num::NonZeroUsize::new);
            }
            "shutdown-timeout" => s.shutdown_timeout = value::duration(text).map_err(located)?,
            "domain" => s.domain = Some(text.to_owned()),
            "certificate" => s.certificate = Some(PathBuf::from(text)),
            "metrics" => s.metrics = Some(address(tok)?),
            "user" => s.user = Some(text.to_owned()),
            "group" => s.group = Some(text.to_owned()),
            "control" => s.control = Some(PathBuf::from(text)),
            "control-mode" => s.control_mode = value::file_mode(text).map_err(located)?,
            "request-memory" => {
                s.request_memory = value::size(text, 1 << 40, "from 1 to 1024G").map_err(located)?
            }
            "log-level" => {
                if tracing_subscriber::EnvFilter::try_new(text).is_err() {
                    return Err(located(ErrorKind::Expected(
                        "a log level (error, warn, info, debug, trace)",
                    )));
                }
                s.log_level = Some(text.to_owned());
            }
            _ => s.key = Some(PathBuf::from(text)),
        }
        self.seen.push((key, line));
        Ok(())
    }

    /// The words and strings up to the end of the line or block.
    fn values(&mut self) -> Located<Vec<Token>> {
        let mut values = Vec::new();
        loop {
            let tok = self.peek();
            match tok.kind {
                TokenKind::Word(_) | TokenKind::Str(_) => values.push(self.next()),
                TokenKind::Newline | TokenKind::Close | TokenKind::Eof => return Ok(values),
                TokenKind::Open => return Err((ErrorKind::Expected("a value"), tok.span)),
            }
        }
    }

    fn end_of_statement(&mut self) -> Located<()> {
        let tok = self.peek();
        match tok.kind {
            TokenKind::Newline => {
                self.next();
                Ok(())
            }
            TokenKind::Eof => Ok(()),
            _ => Err((ErrorKind::Expected("the end of the line"), tok.span)),
        }
    }

    /// Skips to the next line at `depth` (consuming its newline), or to the `}` that
    /// closes that depth (not consuming it), or to the end.
    fn recover(&mut self, depth: u32) {
        loop {
            match self.peek().kind {
                TokenKind::Eof => return,
                TokenKind::Close if self.depth == depth && depth > 0 => return,
                TokenKind::Newline if self.depth <= depth => {
                    self.next();
                    return;
                }
                _ => {
                    self.next();
                }
            }
        }
    }

    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    /// The next token; past the end, the end again.
    fn next(&mut self) -> Token {
        let tok = self.tokens[self.pos].clone();
        match tok.kind {
            TokenKind::Eof => return tok,
            TokenKind::Open => self.depth += 1,
            TokenKind::Close => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.pos += 1;
        tok
    }

    fn line(&self, span: Span) -> u32 {
        line_of(self.src, span.start)
    }

    fn error(&mut self, (kind, span): (ErrorKind, Span)) {
        let location = Location::of(self.file, self.src, span);
        self.out.errors.push(ConfigError { kind, location });
    }
}

/// `IP:PORT`. Port 0 lets the system choose a free port, which every loop of the forward
/// then shares and ostiumd prints when it starts (what tests use).
fn address(tok: &Token) -> Located<SocketAddr> {
    tok.word().and_then(|w| w.parse().ok()).ok_or((ErrorKind::BadAddress, tok.span))
}
