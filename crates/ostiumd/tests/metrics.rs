//! The admin address (`set metrics`): `/metrics` scraped and parsed after real traffic, and
//! `/healthz` following the application down and up.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use common::{Ostiumd, TempDir, exchange, exec_app, get, wait_ready};

/// `GET path` on the admin address.
fn admin(addr: SocketAddr, path: &str) -> common::Response {
    exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: admin\r\n\r\n").as_bytes())
}

/// The samples of a Prometheus text exposition: `name{labels}` → value. Comments must be
/// `# HELP` or `# TYPE`, every other line a sample.
fn parse(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(comment.starts_with("HELP ") || comment.starts_with("TYPE "), "{line}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("a value: {line}"));
        samples.insert(series.to_owned(), value);
    }
    samples
}

#[test]
fn metrics_count_the_traffic_and_health_follows_the_application() {
    let dir = TempDir::new("metrics");
    let door = dir.path().join("app.door");
    let config = format!(
        "set metrics 127.0.0.1:0\nforward http 127.0.0.1:0 to {} {{\n  {}\n}}\n",
        door.display(),
        exec_app()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    let metrics_addr: SocketAddr = ostiumd
        .next_line("ostiumd: metrics and health on http://")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    wait_ready(ostiumd.addr);
    assert_eq!(admin(metrics_addr, "/healthz").status, 200);
    for _ in 0..5 {
        assert_eq!(get(ostiumd.addr, "/").status, 200);
    }
    assert_eq!(get(ostiumd.addr, "/nothing").status, 404);
    let scrape = admin(metrics_addr, "/metrics");
    assert_eq!(scrape.status, 200);
    assert!(scrape.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(scrape.body).unwrap();
    let samples = parse(&text);
    let forward = format!("http {}", "127.0.0.1:0");
    let find = |prefix: &str| -> f64 {
        samples
            .iter()
            .find(|(k, _)| k.starts_with(prefix) && k.contains(&forward))
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {prefix} for {forward} in:\n{text}"))
    };
    assert!(
        samples.keys().any(|k| k.starts_with("ostiumd_requests_total") && k.contains("\"200\"")),
        "{text}"
    );
    let ok: f64 = samples
        .iter()
        .filter(|(k, _)| k.starts_with("ostiumd_requests_total") && k.contains("\"200\""))
        .map(|(_, v)| v)
        .sum();
    assert!(ok >= 6.0, "at least the 6 answered 200 (with wait_ready's): {ok}\n{text}");
    assert!(find("ostiumd_request_duration_seconds_count") >= 7.0);
    assert!(find("ostiumd_connections_total") >= 7.0);
    assert!(find("ostiumd_application_pool_threads") >= 1.0, "{text}");
    assert_eq!(admin(metrics_addr, "/nope").status, 404);

    // The application killed: unhealthy until exec has it back.
    let pid: u32 = String::from_utf8(get(ostiumd.addr, "/pid").body).unwrap().parse().unwrap();
    ostium_sys::signal_process(pid, ostium_sys::ProcessSignal::Kill).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut saw_down = false;
    loop {
        let health = admin(metrics_addr, "/healthz");
        if health.status == 503 {
            saw_down = true;
            assert!(String::from_utf8_lossy(&health.body).contains("down: http"));
        } else if saw_down && health.status == 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "health never went down and up again");
        std::thread::sleep(Duration::from_millis(5));
    }
    let samples = parse(&String::from_utf8(admin(metrics_addr, "/metrics").body).unwrap());
    let restarts: f64 = samples
        .iter()
        .filter(|(k, _)| k.starts_with("ostiumd_application_restarts_total"))
        .map(|(_, v)| v)
        .sum();
    assert!(restarts >= 1.0, "the restart is counted");
    assert_eq!(ostiumd.terminate().code(), Some(0));
}
