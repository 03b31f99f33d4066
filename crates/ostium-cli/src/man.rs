//! `ostium man DIR`: writes the manual pages ostium(1) and ostiumd(8), generated from the
//! clap definitions of the two commands, and ostiumd.conf(5), rendered from
//! `docs/configuration.md` (compiled in), so that no page can drift from what it documents.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;

/// The configuration reference, the source of ostiumd.conf(5).
const CONFIGURATION: &str = include_str!("../../../docs/configuration.md");

/// Writes the three pages into `dir` (created if needed).
pub(crate) fn write_pages(dir: &Path, ostium: clap::Command) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let ostiumd = ostiumd::cli::Args::command();
    let pages = [
        ("ostium.1", page(ostium, "1")?),
        ("ostiumd.8", page(ostiumd, "8")?),
        ("ostiumd.conf.5", configuration_page(CONFIGURATION)),
    ];
    for (name, text) in pages {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A command's page, in `section`.
fn page(command: clap::Command, section: &str) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command).section(section).render(&mut out)?;
    Ok(out)
}

/// ostiumd.conf(5) from the Markdown of `docs/configuration.md`: its headings become
/// sections and subsections, its code blocks literal text, its lists indented paragraphs.
pub(crate) fn configuration_page(markdown: &str) -> Vec<u8> {
    let mut out =
        String::from(".TH OSTIUMD.CONF 5\n.SH NAME\nostiumd.conf \\- ostiumd configuration file\n");
    let mut in_code = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            out.push_str(if in_code { ".fi\n" } else { ".PP\n.nf\n" });
            in_code = !in_code;
        } else if in_code {
            out.push_str(&escape(line));
            out.push('\n');
        } else if let Some(title) = line.strip_prefix("### ") {
            out.push_str(&format!(".SS {}\n", escape(&plain(title))));
        } else if let Some(title) = line.strip_prefix("## ") {
            out.push_str(&format!(".SH {}\n", escape(&plain(title)).to_uppercase()));
        } else if line.starts_with("# ") {
            out.push_str(".SH DESCRIPTION\n");
        } else if let Some(item) = line.strip_prefix("- ") {
            out.push_str(&format!(".IP \\(bu 2\n{}\n", escape(&plain(item))));
        } else if line.trim().is_empty() {
            out.push_str(".PP\n");
        } else {
            out.push_str(&escape(&plain(line.trim_start())));
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// Markdown's inline marks dropped: code spans, emphasis, and links to their text.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else { break };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else { break };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out.replace(['`'], "").replace("**", "").replace('*', "")
}

/// Text safe for roff: backslashes doubled, hyphens as minus signs, and a line that would
/// start with a control character guarded.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_page_has_every_key_and_no_markdown() {
        let page = String::from_utf8(configuration_page(CONFIGURATION)).unwrap();
        assert!(page.starts_with(".TH OSTIUMD.CONF 5"));
        for key in ["shutdown\\-timeout", "request\\-memory", "body\\-spool", "proxy\\-protocol"] {
            assert!(page.contains(&format!(".SS {key}")), "{key} missing");
        }
        assert!(!page.contains('`') && !page.contains("]("), "markdown left in the page");
        assert_eq!(page.matches(".nf").count(), page.matches(".fi").count());
    }

    #[test]
    fn escaping_guards_roff() {
        assert_eq!(escape(".hidden"), "\\&.hidden");
        assert_eq!(escape("a-b \\n"), "a\\-b \\\\n");
        assert_eq!(plain("see [the doc](x.md), `code` and **bold**"), "see the doc, code and bold");
    }
}
