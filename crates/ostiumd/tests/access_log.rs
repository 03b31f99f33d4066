//! `access-log FILE` (and `access-log-format json`): one line per request, written before
//! ostiumd exits.

mod common;

use common::{Ostiumd, TempDir, exec_app, get, wait_ready};

fn run(name: &str, format: &str) -> Vec<String> {
    let dir = TempDir::new(name);
    let door = dir.path().join("app.door");
    let log = dir.path().join("access.log");
    let config = format!(
        "forward http 127.0.0.1:0 to {} {{\n  {}\n  access-log {}\n  access-log-format {format}\n}}\n",
        door.display(),
        exec_app(),
        log.display()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    wait_ready(ostiumd.addr);
    assert_eq!(get(ostiumd.addr, "/?logged").status, 200);
    assert_eq!(get(ostiumd.addr, "/nothing").status, 404);
    assert_eq!(ostiumd.terminate().code(), Some(0));
    std::fs::read_to_string(&log).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn common_format_lines() {
    let lines = run("clf", "common");
    let hello = lines.iter().find(|l| l.contains("/?logged")).expect("the request");
    assert!(hello.starts_with("127.0.0.1 - - ["), "{hello}");
    // `hello\n`: 6 bytes of body.
    assert!(hello.contains("+0000] \"GET /?logged HTTP/1.1\" 200 6"), "{hello}");
    assert!(lines.iter().any(|l| l.contains("\"GET /nothing HTTP/1.1\" 404")), "{lines:?}");
}

#[test]
fn json_format_lines() {
    let lines = run("json", "json");
    let echo = lines.iter().find(|l| l.contains("/?logged")).expect("the request");
    assert!(echo.starts_with('{') && echo.ends_with('}'), "{echo}");
    for field in ["\"status\":200", "\"method\":\"GET\"", "\"forward\":\"http 127.0.0.1:0\""] {
        assert!(echo.contains(field), "{field} in {echo}");
    }
}
