//! JSON lines: one object per request, for log pipelines that parse fields by name:
//!
//! ```text
//! {"time":"2000-10-10T20:55:36.250Z","client":"192.0.2.1:56324","forward":"http 127.0.0.1:8080",
//!  "method":"GET","target":"/","version":"HTTP/1.1","status":200,"bytes":2326,"duration_ms":3.0}
//! ```
//! (on one line). Absent fields are `null`, so every line has the same keys; the
//! duration is in milliseconds with microsecond precision. Escaping is serde_json's,
//! which covers quotes, backslashes and every control character.

use serde::Serialize;

use super::record::AccessRecord;
use super::time::UtcTime;

/// The line's fields, in the order written.
#[derive(Serialize)]
struct Line<'a> {
    time: String,
    client: String,
    forward: &'a str,
    method: Option<&'a str>,
    target: Option<&'a str>,
    version: Option<&'a str>,
    status: Option<u16>,
    bytes: u64,
    duration_ms: f64,
}

/// `record` as a JSON object on one line, ending in `\n`.
pub(super) fn line(record: &AccessRecord<'_>) -> String {
    let t = UtcTime::new(record.time);
    let time = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.millisecond
    );
    let micros = u64::try_from(record.duration.as_micros()).unwrap_or(u64::MAX);
    let fields = Line {
        time,
        client: record.client.to_string(),
        forward: record.forward,
        method: record.request.map(|r| r.method),
        target: record.request.map(|r| r.target),
        version: record.request.map(|r| r.version),
        status: record.status,
        bytes: record.bytes,
        duration_ms: micros as f64 / 1000.0,
    };
    // Serializing strings and numbers into memory cannot fail (no map with non-string
    // keys, no I/O); a NaN cannot arise from a duration.
    let mut out = serde_json::to_string(&fields).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access_log::RequestLine;
    use crate::access_log::record::example;
    use serde_json::{Value, json};
    use std::time::Duration;

    fn record(request: Option<RequestLine<'_>>) -> AccessRecord<'_> {
        AccessRecord {
            client: "[2001:db8::1]:4000".parse().unwrap(),
            status: Some(503),
            bytes: 0,
            duration: Duration::from_micros(1_234),
            forward: "http [::]:80",
            ..example(request)
        }
    }

    #[test]
    fn a_request_as_one_json_line() {
        let get = RequestLine { method: "GET", target: "/a?b=c", version: "HTTP/1.1" };
        let text = line(&record(Some(get)));
        assert_eq!(
            text,
            "{\"time\":\"2000-10-10T20:55:36.250Z\",\"client\":\"[2001:db8::1]:4000\",\
             \"forward\":\"http [::]:80\",\"method\":\"GET\",\"target\":\"/a?b=c\",\
             \"version\":\"HTTP/1.1\",\"status\":503,\"bytes\":0,\"duration_ms\":1.234}\n"
        );
    }

    #[test]
    fn absent_fields_are_null_and_odd_text_round_trips() {
        let odd = "/\"q\"\\\r\n\t\u{1}é\u{2028}";
        let with_odd = RequestLine { method: "GET", target: odd, version: "HTTP/1.0" };
        let text = line(&record(Some(with_odd)));
        assert_eq!(text.matches('\n').count(), 1, "one line: {text}");
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["target"], json!(odd));

        let mut none = record(None);
        none.status = None;
        let value: Value = serde_json::from_str(&line(&none)).unwrap();
        assert_eq!(value["method"], Value::Null);
        assert_eq!(value["status"], Value::Null);
        assert_eq!(value.as_object().unwrap().len(), 9, "the same keys on every line");
    }
}
