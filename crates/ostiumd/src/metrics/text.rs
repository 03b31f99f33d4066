//! The Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` lines,
//! then one `name{label="value",…} number` line per sample. Only the writing and the
//! escaping live here; what to write is the registry's business.

use std::fmt::{self, Write};

/// What a `# TYPE` line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Writes a family's `# HELP` and `# TYPE` lines.
pub(super) fn write_header(out: &mut String, name: &str, help: &str, kind: Kind) {
    out.push_str("# HELP ");
    out.push_str(name);
    out.push(' ');
    // In HELP text only backslash and newline are escaped (quotes are not).
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push_str("\n# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(kind.name());
    out.push('\n');
}

/// Writes one sample line: `name` + `suffix`, the `labels` then the `extra` label if any,
/// and `value`.
pub(super) fn write_sample(
    out: &mut String,
    (name, suffix): (&str, &str),
    labels: &[(&str, String)],
    extra: Option<(&str, &str)>,
    value: impl fmt::Display,
) {
    out.push_str(name);
    out.push_str(suffix);
    let all = labels.iter().map(|(k, v)| (*k, v.as_str())).chain(extra);
    for (i, (key, value)) in all.enumerate() {
        out.push(if i == 0 { '{' } else { ',' });
        out.push_str(key);
        out.push_str("=\"");
        escape_label_value(out, value);
        out.push('"');
    }
    if !labels.is_empty() || extra.is_some() {
        out.push('}');
    }
    // Writing to a String cannot fail.
    let _ = writeln!(out, " {value}");
}

/// A label value between its quotes: backslash, double quote and newline escaped.
fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Seconds as the format's float: Rust prints the shortest text that reads back as the
/// same `f64`, never with an exponent, which Prometheus parses.
pub(super) fn seconds(micros: u64) -> f64 {
    micros as f64 / 1e6
}

/// A metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(super) fn is_metric_name(name: &str) -> bool {
    is_name(name, |c| c == '_' || c == ':')
}

/// A label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved).
pub(super) fn is_label_name(name: &str) -> bool {
    is_name(name, |c| c == '_') && !name.starts_with("__")
}

fn is_name(name: &str, extra: impl Fn(char) -> bool) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || extra(c));
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || extra(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_and_help_are_escaped_as_the_format_says() {
        let mut out = String::new();
        write_header(&mut out, "m", "a \\ b\nc \"q\"", Kind::Gauge);
        let labels = [("path", "C:\\x \"y\"\nz".to_string())];
        write_sample(&mut out, ("m", ""), &labels, None, 1);
        let expected = "# HELP m a \\\\ b\\nc \"q\"\n# TYPE m gauge\n\
                        m{path=\"C:\\\\x \\\"y\\\"\\nz\"} 1\n";
        assert_eq!(out, expected);
    }

    #[test]
    fn names_are_checked() {
        assert!(is_metric_name("ostiumd_requests_total") && is_metric_name("a:b"));
        assert!(!is_metric_name("1a") && !is_metric_name("a-b") && !is_metric_name(""));
        assert!(is_label_name("forward") && is_label_name("_x"));
        assert!(!is_label_name("a:b") && !is_label_name("__name__") && !is_label_name("é"));
    }

    #[test]
    fn seconds_print_as_plain_floats() {
        assert_eq!(seconds(500).to_string(), "0.0005");
        assert_eq!(seconds(2_500_000).to_string(), "2.5");
        assert_eq!(seconds(10_000_000).to_string(), "10");
        assert_eq!(seconds(1).to_string(), "0.000001");
    }
}
