//! The reply of `DESCRIBE` (format in `ostium_rpc::describe`), read back: sans I/O, so
//! that a malformed description is an error with the line at fault, never a panic.

use std::time::Duration;

use ostium_rpc::describe::{MAGIC, hash};

/// A door's description of itself.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Description {
    pub(crate) interface: String,
    pub(crate) hash: u64,
    pub(crate) ops: Vec<OpLine>,
    pub(crate) idol: String,
}

/// One operation's counters.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OpLine {
    pub(crate) number: u32,
    pub(crate) name: String,
    pub(crate) calls: u64,
    pub(crate) errors: u64,
    pub(crate) total: Duration,
    pub(crate) max: Duration,
}

impl Description {
    /// Reads a description.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Description, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "the description is not UTF-8")?;
        let (head, idol) = match text.split_once("\nidol\n") {
            Some((head, idol)) => (head, idol),
            None => return Err("the description has no `idol` section".into()),
        };
        let mut lines = head.lines();
        if lines.next() != Some(MAGIC) {
            return Err(format!("the description does not start with `{MAGIC}`"));
        }
        let field = |line: Option<&str>, key: &str| {
            line.and_then(|l| l.strip_prefix(key))
                .map(str::to_owned)
                .ok_or(format!("no `{key}` line"))
        };
        let interface = field(lines.next(), "interface ")?;
        let hash_text = field(lines.next(), "hash ")?;
        let hash =
            u64::from_str_radix(&hash_text, 16).map_err(|_| format!("bad hash `{hash_text}`"))?;
        let ops = lines.map(OpLine::parse).collect::<Result<_, _>>()?;
        Ok(Description { interface, hash, ops, idol: idol.to_owned() })
    }

    /// Whether the hash is the hash of the text (a mismatch means a damaged reply or a
    /// server that computes it otherwise).
    pub(crate) fn hash_matches(&self) -> bool {
        hash(&self.idol) == self.hash
    }
}

impl OpLine {
    /// `op 1 get calls=3 errors=0 total_ns=41000 max_ns=20000`.
    fn parse(line: &str) -> Result<OpLine, String> {
        let bad = || format!("bad operation line `{line}`");
        let mut words = line.split(' ');
        if words.next() != Some("op") {
            return Err(bad());
        }
        let number = words.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let name = words.next().ok_or_else(bad)?.to_owned();
        let mut count = |key: &str| {
            words
                .next()
                .and_then(|w| w.strip_prefix(key))
                .and_then(|w| w.strip_prefix('='))
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(bad)
        };
        let (calls, errors) = (count("calls")?, count("errors")?);
        let (total, max) =
            (Duration::from_nanos(count("total_ns")?), Duration::from_nanos(count("max_ns")?));
        Ok(OpLine { number, name, calls, errors, total, max })
    }

    /// The mean time of a call, if there was one.
    pub(crate) fn mean(&self) -> Option<Duration> {
        let calls = u32::try_from(self.calls).ok().filter(|c| *c > 0)?;
        Some(self.total / calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_describe_writes() {
        let idol = "Interface(name: \"Kv\", ops: {})\n";
        let text = format!(
            "{MAGIC}\ninterface Kv\nhash {:016x}\nop 1 get calls=2 errors=1 total_ns=3000 \
             max_ns=2000\nidol\n{idol}",
            hash(idol)
        );
        let d = Description::parse(text.as_bytes()).unwrap();
        assert_eq!((d.interface.as_str(), d.idol.as_str()), ("Kv", idol));
        assert!(d.hash_matches());
        assert_eq!((d.ops[0].number, d.ops[0].name.as_str(), d.ops[0].calls), (1, "get", 2));
        assert_eq!(d.ops[0].mean(), Some(Duration::from_nanos(1500)));
    }

    #[test]
    fn malformed_descriptions_are_errors() {
        assert!(Description::parse(b"hello").is_err());
        assert!(Description::parse(format!("{MAGIC}\nidol\n").as_bytes()).is_err());
        let bad_op = format!("{MAGIC}\ninterface K\nhash 00\nop x\nidol\n");
        assert_eq!(Description::parse(bad_op.as_bytes()).unwrap_err(), "bad operation line `op x`");
        assert!(Description::parse(&[0xff, 0xfe]).is_err());
    }
}
