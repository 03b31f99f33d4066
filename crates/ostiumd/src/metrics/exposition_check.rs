//! A small, strict reader of the text exposition format (0.0.4), for tests: it parses
//! what [`Registry::render`](super::Registry::render) writes back into families and
//! samples, and refuses anything a Prometheus server would refuse or misread — a sample
//! before its `# TYPE`, a family split in two, a repeated series, a bad escape, histogram
//! buckets that are not cumulative or whose `+Inf` is not `_count`.
//!
//! Written here rather than taken from a crate: the format's grammar is a few lines, and
//! the checks that matter (histogram consistency, family contiguity) are ones a parser
//! crate would not make.

use std::collections::HashSet;

/// One family: its `# HELP` text (unescaped), `# TYPE` and samples in order.
#[derive(Debug)]
pub(super) struct Family {
    pub(super) name: String,
    pub(super) help: String,
    pub(super) kind: String,
    pub(super) samples: Vec<Sample>,
}

/// One sample line.
#[derive(Debug, PartialEq)]
pub(super) struct Sample {
    pub(super) name: String,
    pub(super) labels: Vec<(String, String)>,
    pub(super) value: f64,
}

impl Family {
    /// The value of the sample `name` whose labels include all of `labels`.
    pub(super) fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let has = |s: &&Sample| {
            labels.iter().all(|(k, v)| s.labels.iter().any(|(k2, v2)| k2 == k && v2 == v))
        };
        self.samples.iter().filter(|s| s.name == name).find(has).map(|s| s.value)
    }
}

/// Parses `text`, or says which line is wrong and why.
pub(super) fn parse(text: &str) -> Result<Vec<Family>, String> {
    let mut families: Vec<Family> = Vec::new();
    let mut seen_series = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let fail = |why: &str| format!("line {}: {why}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').ok_or_else(|| fail("HELP without text"))?;
            if families.iter().any(|f| f.name == name) {
                return Err(fail("second HELP"));
            }
            let help = unescape(help, false).ok_or_else(|| fail("bad escape in HELP"))?;
            families.push(Family {
                name: name.into(),
                help,
                kind: String::new(),
                samples: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').ok_or_else(|| fail("TYPE without type"))?;
            let family = families.last_mut().filter(|f| f.name == name && f.kind.is_empty());
            let family = family.ok_or_else(|| fail("TYPE not right after its HELP"))?;
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                return Err(fail("unknown type"));
            }
            family.kind = kind.into();
        } else if line.starts_with('#') || line.is_empty() {
            return Err(fail("ostiumd writes no other comments or blank lines"));
        } else {
            let sample = parse_sample(line).ok_or_else(|| fail("malformed sample"))?;
            let family = families.last_mut().ok_or_else(|| fail("sample before any TYPE"))?;
            let suffixes: &[&str] =
                if family.kind == "histogram" { &["_bucket", "_sum", "_count"] } else { &[""] };
            let belongs = suffixes.iter().any(|s| sample.name == format!("{}{s}", family.name));
            if !belongs || family.kind.is_empty() {
                return Err(fail("sample outside its family"));
            }
            if !seen_series.insert((sample.name.clone(), format!("{:?}", sample.labels))) {
                return Err(fail("repeated series"));
            }
            family.samples.push(sample);
        }
    }
    for family in families.iter().filter(|f| f.kind == "histogram") {
        check_histogram(family)?;
    }
    Ok(families)
}

/// `name{k="v",…} value`, nothing after the value (ostiumd writes no timestamps).
fn parse_sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = &line[..name_end];
    if !super::text::is_metric_name(name) {
        return None;
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(mut inside) = rest.strip_prefix('{') {
        loop {
            let (key, after) = inside.split_once("=\"")?;
            if !super::text::is_label_name(key) || labels.iter().any(|(k, _)| k == key) {
                return None;
            }
            let (value, after) = quoted(after)?;
            labels.push((key.to_owned(), unescape(value, true)?));
            match after.as_bytes().first()? {
                b',' => inside = &after[1..],
                b'}' => {
                    rest = &after[1..];
                    break;
                }
                _ => return None,
            }
        }
    }
    let value = rest.strip_prefix(' ')?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().ok()?,
    };
    Some(Sample { name: name.to_owned(), labels, value })
}

/// The escaped text up to the closing quote, and what follows the quote.
fn quoted(text: &str) -> Option<(&str, &str)> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (escaped, c) {
            (false, '\\') => escaped = true,
            (false, '"') => return Some((&text[..i], &text[i + 1..])),
            _ => escaped = false,
        }
    }
    None
}

/// Undoes the format's escapes: `\\` and `\n` everywhere, `\"` in label values only.
fn unescape(text: &str, quotes: bool) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\n' || (quotes && c == '"') {
            return None;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            '"' if quotes => out.push('"'),
            _ => return None,
        }
    }
    Some(out)
}

/// Per label set: `le` bounds ascending and ending in `+Inf`, counts non-decreasing, `+Inf`
/// equal to `_count`, and a `_sum`.
fn check_histogram(family: &Family) -> Result<(), String> {
    let name = &family.name;
    let without_le = |s: &Sample| -> Vec<(String, String)> {
        s.labels.iter().filter(|(k, _)| k != "le").cloned().collect()
    };
    let mut sets: Vec<Vec<(String, String)>> = Vec::new();
    for s in &family.samples {
        let set = without_le(s);
        if !sets.contains(&set) {
            sets.push(set);
        }
    }
    for set in sets {
        let of = |suffix: &str| -> Vec<&Sample> {
            let full = format!("{name}{suffix}");
            family.samples.iter().filter(|s| s.name == full && without_le(s) == set).collect()
        };
        let mut last = (f64::NEG_INFINITY, 0.0);
        for bucket in of("_bucket") {
            let le = bucket
                .labels
                .iter()
                .find(|(k, _)| k == "le")
                .ok_or(format!("{name}: bucket without le"))?;
            let le: f64 = if le.1 == "+Inf" {
                f64::INFINITY
            } else {
                le.1.parse().map_err(|_| format!("{name}: le {le:?}"))?
            };
            if le <= last.0 || bucket.value < last.1 {
                return Err(format!("{name}: buckets not ascending and cumulative at le={le}"));
            }
            last = (le, bucket.value);
        }
        let count = of("_count").first().ok_or(format!("{name}: no _count"))?.value;
        if last.0 != f64::INFINITY || last.1 != count {
            return Err(format!("{name}: +Inf bucket {last:?} is not _count {count}"));
        }
        of("_sum").first().ok_or(format!("{name}: no _sum"))?;
    }
    Ok(())
}
