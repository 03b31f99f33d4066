//! Tests of whole configurations: portunusd's files load unchanged, Ostium's blocks
//! resolve with their defaults, and each error is reported where it is.

use std::path::PathBuf;
use std::time::Duration;

use super::*;

fn ok(src: &str) -> Config {
    parse("t.conf", src).unwrap_or_else(|e| panic!("{e}"))
}

/// An error as (kind, line, column, width).
type Located = (ErrorKind, u32, u32, u32);

/// The errors of `src`.
fn errors(src: &str) -> Vec<Located> {
    let e = parse("t.conf", src).expect_err("an error");
    e.0.iter().map(|e| (e.kind, e.location.line, e.location.column, e.location.width)).collect()
}

fn one_error(src: &str) -> Located {
    let all = errors(src);
    assert_eq!(all.len(), 1, "{all:?}");
    all[0]
}

#[test]
fn portunusd_example_file_loads_unchanged() {
    let c = ok("forward tcp 0.0.0.0:80 to /var/run/file_opener.portunusd\n\
                forward tcp 0.0.0.0:8080 to /var/run/hello_web.portunusd\n\
                forward tcp 0.0.0.0:8081 to /var/run/go_away.portunusd\n\
                forward udp 0.0.0.0:7 to /var/run/echo.portunusd\n");
    assert_eq!(c.forwards.len(), 4);
    assert_eq!(c.forwards[3].protocol, Protocol::Udp);
    assert_eq!(c.forwards[3].mode, Mode::Bytes);
    assert_eq!(c.forwards[0].door, PathBuf::from("/var/run/file_opener.portunusd"));
    assert_eq!(c.forwards[1].listen, "0.0.0.0:8080".parse().unwrap());
}

#[test]
fn portunusd_settings_comments_and_same_port_tcp_and_udp() {
    let c = ok("# Cool comment\n\
                set domain example.org\n\
                set certificate /opt/local/etc/certificates/example.org.pem\n\
                set key /opt/local/etc/certificates/example.org.key\n\
                \n\
                # DNS\n\
                forward udp 0.0.0.0:53 to /var/run/dns.door\n\
                forward tcp 0.0.0.0:53 to /var/run/dns.door\n\
                forward http 127.0.0.1:8080 to /run/hello.door");
    assert_eq!(c.settings.domain.as_deref(), Some("example.org"));
    assert_eq!(c.settings.key, Some(PathBuf::from("/opt/local/etc/certificates/example.org.key")));
    assert_eq!(c.forwards.len(), 3);
    let http = &c.forwards[2];
    assert_eq!((http.mode, http.line), (Mode::Http, 9));
    assert_eq!(http.limits, Limits::DEFAULT);
    assert_eq!(http.timeouts, Timeouts::DEFAULT);
    assert_eq!(
        (http.access_log.clone(), http.proxy_protocol, http.exec.clone()),
        (AccessLog::Off, false, None)
    );
}

#[test]
fn defaults_are_the_documented_ones() {
    assert_eq!(Limits::DEFAULT.max_header_bytes, 8192);
    assert_eq!(Limits::DEFAULT.max_headers, 100);
    assert_eq!(Limits::DEFAULT.max_body, 1 << 20);
    assert_eq!(Timeouts::DEFAULT.header, Duration::from_secs(10));
    assert_eq!(Timeouts::DEFAULT.idle, Duration::from_secs(60));
    assert_eq!(Timeouts::DEFAULT.reply, Duration::from_secs(30));
    let s = Settings::default();
    assert_eq!((s.threads, s.shutdown_timeout), (None, Duration::from_secs(30)));
}

#[test]
fn blocks_set_every_option() {
    let c = ok(r#"
forward tcp [::1]:8080 to "/run/my door" {
    mode http
    max-connections 500
    per-source 20
    rate 100
    max-header-bytes 16K
    max-headers 50
    max-body 10M
    header-timeout 5s
    body-timeout 250ms
    idle-timeout 2m
    reply-timeout 1h
    request-timeout 90s
    access-log /var/log/ostiumd.log
    proxy-protocol on
    exec "/usr/bin/hello --door /run/door"
}
forward tcp 0.0.0.0:7 to /run/echo.door { mode handoff
  exec "/usr/bin/echo" "an arg" x }
"#);
    let f = &c.forwards[0];
    assert_eq!(f.door, PathBuf::from("/run/my door"));
    assert_eq!(f.mode, Mode::Http);
    assert_eq!(
        f.limits,
        Limits {
            max_connections: 500,
            per_source: Some(20),
            rate: Some(100),
            max_header_bytes: 16 * 1024,
            max_headers: 50,
            max_body: 10 << 20,
            body_buffer: 16 * 1024,
        }
    );
    assert_eq!(
        f.timeouts,
        Timeouts {
            header: Duration::from_secs(5),
            body: Duration::from_millis(250),
            idle: Duration::from_secs(120),
            reply: Duration::from_secs(3600),
            request: Duration::from_secs(90),
        }
    );
    assert_eq!(f.access_log, AccessLog::File("/var/log/ostiumd.log".into()));
    assert!(f.proxy_protocol);
    assert_eq!(f.exec.as_ref().unwrap().argv, ["/usr/bin/hello", "--door", "/run/door"]);
    let g = &c.forwards[1];
    assert_eq!(g.mode, Mode::Handoff);
    assert_eq!(g.exec.as_ref().unwrap().argv, ["/usr/bin/echo", "an arg", "x"]);
}

#[test]
fn set_gives_defaults_that_blocks_override() {
    let c = ok("forward http 0.0.0.0:80 to /a { max-body 2K }\n\
                set max-body 4M\n\
                set idle-timeout 5s\n\
                set threads 2\n\
                set shutdown-timeout 1m\n\
                forward tcp 0.0.0.0:81 to /b\n");
    assert_eq!(c.forwards[0].limits.max_body, 2048);
    assert_eq!(c.forwards[0].timeouts.idle, Duration::from_secs(5));
    assert_eq!(c.forwards[1].limits.max_body, 4 << 20);
    assert_eq!(c.settings.threads.map(|n| n.get()), Some(2));
    assert_eq!(c.settings.shutdown_timeout, Duration::from_secs(60));
}

#[test]
fn tls_and_map_blocks_are_refused_not_skipped() {
    let src = "forward https 0.0.0.0:443 to {\n    map GET / to /var/run/blog.door\n}\n\
               forward http 0.0.0.0:80 to {\n\tmap GET / to /var/run/acme.door\n}\n\
               forward tls 0.0.0.0:7777 to /var/run/echo.door\n";
    let all = errors(src);
    let tls = ErrorKind::NotSupportedYet("TLS forwards (`tls`, `https`) are");
    let map = ErrorKind::NotSupportedYet("`map` blocks (routing by method and path) are");
    assert_eq!(all, [(tls, 1, 9, 5), (map, 4, 28, 1), (tls, 7, 9, 3)]);
    let text = parse("t.conf", src).unwrap_err().to_string();
    assert!(text.contains("not supported yet"), "{text}");
}

#[test]
fn every_error_is_located() {
    use ErrorKind::*;
    let cases: &[(&str, Located)] = &[
        ("forward tcp 0.0.0.0:7 to \"/a\n", (UnterminatedString, 1, 26, 3)),
        ("set domain \"a\\qb\"", (UnknownEscape, 1, 14, 2)),
        ("listen 0.0.0.0:80", (UnknownStatement, 1, 1, 6)),
        ("\n  exec \"x\"", (ExecOutsideForward, 2, 3, 4)),
        ("{ }", (Expected("a statement (`forward` or `set`)"), 1, 1, 1)),
        ("forward sctp 0.0.0.0:7 to /a", (UnknownProtocol, 1, 9, 4)),
        (
            "forward 0.0.0.0:80 to /a",
            (Expected("a protocol (`tcp`, `udp` or `http`) before the address"), 1, 9, 10),
        ),
        ("forward", (Expected("a protocol (`tcp`, `udp` or `http`)"), 1, 8, 1)),
        ("forward tcp localhost:7 to /a", (BadAddress, 1, 13, 11)),
        ("forward tcp 0.0.0.0 to /a", (BadAddress, 1, 13, 7)),
        ("forward tcp 0.0.0.0:99999 to /a", (BadAddress, 1, 13, 13)),
        ("forward tcp 0.0.0.0:7 at /a", (Expected("`to`"), 1, 23, 2)),
        ("forward tcp 0.0.0.0:7 to\n", (Expected("a door path"), 1, 25, 1)),
        ("forward tcp 0.0.0.0:7 to \"\"", (Empty, 1, 26, 2)),
        ("forward tcp 0.0.0.0:7 to /a extra", (Expected("the end of the line"), 1, 29, 5)),
        ("forward tcp 0.0.0.0:7 to /a {\n mode bytes\n", (UnclosedBlock, 1, 29, 1)),
        ("forward tcp 0.0.0.0:7 to /a {\n max-bdy 1M\n}", (UnknownOption, 2, 2, 7)),
        (
            "forward tcp 0.0.0.0:7 to /a {\n \"mode\" bytes\n}",
            (Expected("an option name"), 2, 2, 6),
        ),
        ("forward tcp 0.0.0.0:7 to /a {\n rate\n}", (Expected("a value"), 2, 6, 1)),
        ("forward tcp 0.0.0.0:7 to /a {\n rate 1 2\n}", (Expected("the end of the line"), 2, 9, 1)),
        ("forward tcp 0.0.0.0:7 to /a {\n rate { }\n}", (Expected("a value"), 2, 7, 1)),
        (
            "forward tcp 0.0.0.0:7 to /a {\n rate 1\n rate 2\n}",
            (Duplicate { first_line: 2 }, 3, 2, 4),
        ),
        ("forward tcp 0.0.0.0:7 to /a {\n rate many\n}", (BadNumber, 2, 7, 4)),
        ("forward tcp 0.0.0.0:7 to /a {\n rate 0\n}", (OutOfRange("from 1 to 1000000"), 2, 7, 1)),
        ("forward http 0.0.0.0:7 to /a {\n max-body 1T\n}", (BadSize, 2, 11, 2)),
        (
            "forward http 0.0.0.0:7 to /a {\n max-headers 10001\n}",
            (OutOfRange("from 1 to 10000"), 2, 14, 5),
        ),
        ("forward http 0.0.0.0:7 to /a {\n header-timeout 5sec\n}", (BadDuration, 2, 17, 4)),
        ("forward http 0.0.0.0:7 to /a {\n proxy-protocol yes\n}", (BadSwitch, 2, 17, 3)),
        ("forward tcp 0.0.0.0:7 to /a {\n mode fast\n}", (BadMode, 2, 7, 4)),
        ("forward tcp 0.0.0.0:7 to /a {\n exec\n}", (Expected("a command"), 2, 6, 1)),
        ("forward tcp 0.0.0.0:7 to /a {\n exec \"  \"\n}", (Empty, 2, 7, 4)),
        ("forward tcp 0.0.0.0:7 to /a {\n exec a \"\"\n}", (Empty, 2, 9, 2)),
        ("forward tcp 0.0.0.0:7 to /a {\n access-log \"\"\n}", (Empty, 2, 13, 2)),
        ("set colour blue", (UnknownSetting, 1, 5, 6)),
        ("set mode http", (UnknownSetting, 1, 5, 4)),
        ("set", (Expected("a setting name"), 1, 4, 1)),
        ("set threads", (Expected("a value"), 1, 12, 1)),
        ("set threads 0", (OutOfRange("from 1 to 1024"), 1, 13, 1)),
        ("set domain \"\"", (Empty, 1, 12, 2)),
        ("set domain a\nset domain b", (Duplicate { first_line: 1 }, 2, 5, 6)),
        ("set rate 5\nset rate 6", (Duplicate { first_line: 1 }, 2, 5, 4)),
        ("set shutdown-timeout 30x", (BadDuration, 1, 22, 3)),
    ];
    for (src, expected) in cases {
        assert_eq!(one_error(src), *expected, "{src:?}");
    }
}

#[test]
fn modes_and_options_must_fit_the_protocol() {
    use ErrorKind::*;
    let http_only = NotForMode("only mode http reads headers and keeps connections alive");
    let handoff = NotForMode("in mode handoff the application reads the connection itself");
    let cases: &[(&str, Located)] = &[
        (
            "forward http 0.0.0.0:7 to /a {\n mode bytes\n}",
            (
                ModeMismatch("`forward http` is mode http; use `forward tcp` for bytes or handoff"),
                2,
                2,
                4,
            ),
        ),
        (
            "forward udp 0.0.0.0:7 to /a {\n mode handoff\n}",
            (ModeMismatch("udp forwards carry datagrams, in mode bytes"), 2, 2, 4),
        ),
        ("forward tcp 0.0.0.0:7 to /a {\n max-headers 5\n}", (http_only, 2, 2, 11)),
        (
            "forward udp 0.0.0.0:7 to /a {\n per-source 5\n}",
            (NotForMode("udp forwards have no connections"), 2, 2, 10),
        ),
        (
            "forward udp 0.0.0.0:7 to /a {\n body-timeout 5s\n}",
            (NotForMode("a datagram arrives whole"), 2, 2, 12),
        ),
        ("forward tcp 0.0.0.0:7 to /a {\n max-body 5\n mode handoff\n}", (handoff, 2, 2, 8)),
    ];
    for (src, expected) in cases {
        assert_eq!(one_error(src), *expected, "{src:?}");
    }
    // Defaults given with `set` apply where they can and are ignored elsewhere.
    ok("set max-headers 5\nforward udp 0.0.0.0:7 to /a\nforward tcp 0.0.0.0:7 to /a { mode http }");
}

#[test]
fn duplicate_listen_addresses() {
    let src = "forward tcp 0.0.0.0:80 to /a\nforward udp 0.0.0.0:80 to /a\n\
               forward http 0.0.0.0:80 to /b\nforward tcp 127.0.0.1:80 to /c\n";
    assert_eq!(one_error(src), (ErrorKind::DuplicateListen { first_line: 1 }, 3, 14, 10));
}

#[test]
fn every_error_of_a_file_is_reported_in_order() {
    let src = "set colour blue\nforward tcp 0.0.0.0:7 to /a {\n  bogus 1\n  rate x\n}\nnonsense\n";
    let kinds: Vec<_> = errors(src).into_iter().map(|(k, line, ..)| (k, line)).collect();
    assert_eq!(
        kinds,
        [
            (ErrorKind::UnknownSetting, 1),
            (ErrorKind::UnknownOption, 3),
            (ErrorKind::BadNumber, 4),
            (ErrorKind::UnknownStatement, 6)
        ]
    );
}

#[test]
fn errors_render_like_rustc() {
    let e =
        parse("ostiumd.conf", "# x\nforward tcp 0.0.0.0:7 to /a {\n\tmax-bdy 1M\n}\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "error: unknown option\n --> ostiumd.conf:3:2\n  |\n3 | \tmax-bdy 1M\n  | \t^^^^^^^"
    );
}

#[test]
fn invalid_utf8_is_located() {
    let e = parse_bytes("t.conf", b"set domain a\nset key \xff\n").unwrap_err();
    let l = &e.0[0].location;
    assert_eq!((e.0[0].kind, l.line, l.column), (ErrorKind::InvalidUtf8, 2, 9));
}

#[test]
fn errors_at_a_crlf_line_end() {
    let e = parse_bytes("t.conf", b"set\r\xff").unwrap_err();
    assert_eq!((e.0[0].location.line, e.0[0].location.column), (1, 5));
    assert_eq!(one_error("set threads\r\n"), (ErrorKind::Expected("a value"), 1, 12, 1));
}

#[test]
fn non_ascii_columns_count_characters() {
    let (kind, line, column, width) = one_error("set domain é\nset wrong «x»");
    assert_eq!((kind, line, column, width), (ErrorKind::UnknownSetting, 2, 5, 5));
    let (_, _, column, width) = one_error("forward tcp 0.0.0.0:7 to /é {\n  é 1\n}");
    assert_eq!((column, width), (3, 1));
}

#[test]
fn daemon_settings_of_issue_six() {
    let c = parse(
        "t",
        "set metrics 127.0.0.1:9100\nset user nobody\nset group nogroup\n\
         set control /run/o.door\nset log-level debug\n",
    )
    .unwrap();
    let s = &c.settings;
    assert_eq!(s.metrics, Some("127.0.0.1:9100".parse().unwrap()));
    assert_eq!((s.user.as_deref(), s.group.as_deref()), (Some("nobody"), Some("nogroup")));
    assert_eq!(s.control.as_deref(), Some(std::path::Path::new("/run/o.door")));
    assert_eq!(s.log_level.as_deref(), Some("debug"));
    let err = parse("t", "set log-level [nonsense\n").unwrap_err();
    assert!(err.to_string().contains("log level"), "{err}");
    let err = parse("t", "set metrics nowhere\n").unwrap_err();
    assert!(err.to_string().contains("1:13"), "located: {err}");
}

#[test]
fn control_mode_and_the_settings_only_a_restart_applies() {
    let running = ok("set control /run/o.door\nforward http 127.0.0.1:80 to /d\n");
    assert_eq!(running.settings.control_mode, 0o666, "the default");
    let same = ok("forward http 127.0.0.1:81 to /e\nset control /run/o.door\n");
    assert!(same.settings.restart_only_changes(&running.settings).is_empty(), "forwards reload");
    let changed = ok("set control /run/p.door\nset control-mode 0600\nset threads 4\n\
                      set shutdown-timeout 5s\nforward http 127.0.0.1:80 to /d\n");
    assert_eq!(changed.settings.control_mode, 0o600);
    assert_eq!(
        changed.settings.restart_only_changes(&running.settings),
        ["threads", "control", "control-mode"],
        "shutdown-timeout reloads"
    );
    assert_eq!(one_error("set control-mode 0800\n"), (ErrorKind::BadFileMode, 1, 18, 4));
}

#[test]
fn bodies_spool_past_their_buffer_to_the_spool_directory_and_request_memory_is_global() {
    let c = ok("forward http 127.0.0.1:80 to /d\n");
    assert_eq!(c.forwards[0].limits.body_buffer, 16 * 1024);
    assert_eq!(c.forwards[0].body_spool, PathBuf::from("/var/tmp"));
    assert_eq!(c.settings.request_memory, 64 << 20);
    let c = ok("set request-memory 8M\nset body-spool /srv/spool\n\
                forward http 127.0.0.1:80 to /d {\n  body-buffer 4K\n}\n");
    assert_eq!(c.forwards[0].limits.body_buffer, 4096);
    assert_eq!(c.forwards[0].body_spool, PathBuf::from("/srv/spool"));
    assert_eq!(c.settings.request_memory, 8 << 20);
    let (kind, line, ..) = one_error("forward tcp 127.0.0.1:7 to /d {\n  body-spool /x\n}\n");
    assert_eq!(line, 2, "{kind:?}");
}

#[test]
fn every_setting_and_option_is_documented_and_nothing_else_is() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let documented: Vec<&str> =
        doc.lines().filter_map(|line| line.strip_prefix("### `")?.strip_suffix('`')).collect();
    let known: Vec<&str> = parse::SETTINGS
        .iter()
        .copied()
        .chain(options::Key::NAMES.iter().map(|(_, n)| *n))
        .collect();
    for name in &known {
        assert!(documented.contains(name), "`{name}` is not in docs/configuration.md");
    }
    for name in &documented {
        assert!(known.contains(name), "docs/configuration.md documents `{name}`, which is no key");
    }
}
