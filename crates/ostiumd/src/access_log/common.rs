//! The common log format (NCSA, Apache's `%h %l %u %t "%r" %>s %b`):
//! `host ident user [day/Mon/year:hh:mm:ss +0000] "request line" status bytes`.
//!
//! The request line is quoted, so a quote, a backslash or a control character in it is
//! escaped (`\"`, `\\`, `\xhh`), as is every non-ASCII byte: a line can then neither be
//! split nor forged by what a client sends, and stays plain ASCII for the tools that read
//! it. `ident` and `user` are always `-`; so are an absent status, an absent request
//! line and a zero byte count, as in Apache's `%b`.

use std::fmt::Write;

use super::record::AccessRecord;
use super::time::{MONTHS, UtcTime};

/// `record` in the common log format, ending in `\n`.
pub(super) fn line(record: &AccessRecord<'_>) -> String {
    let mut out = String::with_capacity(128);
    let t = UtcTime::new(record.time);
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{} - - [{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000] ",
        record.client.ip(),
        t.day,
        MONTHS[usize::from(t.month) - 1],
        t.year,
        t.hour,
        t.minute,
        t.second,
    );
    match &record.request {
        Some(request) => {
            out.push('"');
            escape(&mut out, request.method);
            out.push(' ');
            escape(&mut out, request.target);
            out.push(' ');
            escape(&mut out, request.version);
            out.push('"');
        }
        None => out.push_str("\"-\""),
    }
    match record.status {
        Some(status) => {
            let _ = write!(out, " {status}");
        }
        None => out.push_str(" -"),
    }
    match record.bytes {
        0 => out.push_str(" -\n"),
        n => {
            let _ = writeln!(out, " {n}");
        }
    }
    out
}

/// Appends `text` with `"` and `\` backslash-escaped and every byte outside printable
/// ASCII as `\xhh`.
fn escape(out: &mut String, text: &str) {
    for &byte in text.as_bytes() {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            b' '..=b'~' => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access_log::RequestLine;
    use crate::access_log::record::example as record;
    use std::time::SystemTime;

    fn get(target: &str) -> Option<RequestLine<'_>> {
        Some(RequestLine { method: "GET", target, version: "HTTP/1.1" })
    }

    #[test]
    fn a_request_in_the_common_log_format() {
        assert_eq!(
            line(&record(get("/apache_pb.gif"))),
            "192.0.2.1 - - [10/Oct/2000:20:55:36 +0000] \"GET /apache_pb.gif HTTP/1.1\" 200 2326\n"
        );
    }

    #[test]
    fn absent_fields_are_dashes() {
        let mut r = record(None);
        r.status = None;
        r.bytes = 0;
        r.client = "[2001:db8::1]:80".parse().unwrap();
        r.time = SystemTime::UNIX_EPOCH;
        assert_eq!(line(&r), "2001:db8::1 - - [01/Jan/1970:00:00:00 +0000] \"-\" - -\n");
    }

    #[test]
    fn quotes_backslashes_controls_and_non_ascii_are_escaped() {
        let r = record(get("/a\"b\\c\r\n\x1b[31m\u{7f}é"));
        assert_eq!(
            line(&r),
            "192.0.2.1 - - [10/Oct/2000:20:55:36 +0000] \
             \"GET /a\\\"b\\\\c\\x0d\\x0a\\x1b[31m\\x7f\\xc3\\xa9 HTTP/1.1\" 200 2326\n"
        );
        let forged =
            record(Some(RequestLine { method: "GET", target: "/\" 200 1\n", version: "x" }));
        assert_eq!(line(&forged).matches('\n').count(), 1, "one line, whatever the target");
    }
}
