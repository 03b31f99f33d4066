//! The registry's exact output for a small set of series, histogram arithmetic, the
//! lifetime of series, and the daemon's whole output read back by a strict parser.

use std::time::{Duration, SystemTime};

use super::exposition_check::parse;
use super::*;
use crate::http::Status;

#[test]
fn a_small_registry_renders_exactly() {
    let registry = Registry::new();
    let requests = registry.status_counters("req_total", "Requests.", &[("forward", "a")]);
    let open = registry.gauge("open", "Open now.", &[]);
    let latency = registry.histogram("lat_seconds", "Latency.", &[("forward", "a")]);
    requests.inc(Status::OK);
    requests.inc(Status::OK);
    requests.inc(Status::BAD_GATEWAY);
    open.add(3);
    open.dec();
    latency.observe(Duration::from_micros(300));
    latency.observe(Duration::from_millis(3));
    latency.observe(Duration::from_secs(11));
    let expected = r#"# HELP req_total Requests.
# TYPE req_total counter
req_total{forward="a",status="200"} 2
req_total{forward="a",status="502"} 1
# HELP open Open now.
# TYPE open gauge
open 2
# HELP lat_seconds Latency.
# TYPE lat_seconds histogram
lat_seconds_bucket{forward="a",le="0.0005"} 1
lat_seconds_bucket{forward="a",le="0.001"} 1
lat_seconds_bucket{forward="a",le="0.0025"} 1
lat_seconds_bucket{forward="a",le="0.005"} 2
lat_seconds_bucket{forward="a",le="0.01"} 2
lat_seconds_bucket{forward="a",le="0.025"} 2
lat_seconds_bucket{forward="a",le="0.05"} 2
lat_seconds_bucket{forward="a",le="0.1"} 2
lat_seconds_bucket{forward="a",le="0.25"} 2
lat_seconds_bucket{forward="a",le="0.5"} 2
lat_seconds_bucket{forward="a",le="1"} 2
lat_seconds_bucket{forward="a",le="2.5"} 2
lat_seconds_bucket{forward="a",le="5"} 2
lat_seconds_bucket{forward="a",le="10"} 2
lat_seconds_bucket{forward="a",le="+Inf"} 3
lat_seconds_sum{forward="a"} 11.0033
lat_seconds_count{forward="a"} 3
"#;
    assert_eq!(registry.render(), expected);
    parse(expected).unwrap();
}

#[test]
fn bounds_are_inclusive_and_each_observation_lands_in_one_bucket() {
    let registry = Registry::new();
    let h = registry.histogram("h", "h", &[]);
    // Exactly on a bound counts in that bound's bucket (`le` is "less or equal").
    for bound in LATENCY_BUCKETS {
        h.observe(bound);
        h.observe(bound + Duration::from_nanos(1));
    }
    h.observe(Duration::ZERO);
    let families = parse(&registry.render()).unwrap();
    let le = |v: &str| families[0].value("h_bucket", &[("le", v)]).unwrap();
    assert_eq!(le("0.0005"), 2.0, "zero and the first bound");
    assert_eq!(le("0.001"), 4.0, "just above 0.5 ms, and 1 ms");
    assert_eq!(le("10"), 28.0);
    assert_eq!(le("+Inf"), 29.0, "just above 10 s");
    assert_eq!(families[0].value("h_count", &[]), Some(29.0));
    let sum: Duration = LATENCY_BUCKETS.iter().map(|b| *b * 2).sum();
    assert_eq!(families[0].value("h_sum", &[]), Some(sum.as_secs_f64()));
}

#[test]
fn a_sum_rounds_to_the_microsecond_and_does_not_lose_short_calls() {
    let registry = Registry::new();
    let h = registry.histogram("h", "h", &[]);
    for _ in 0..1000 {
        h.observe(Duration::from_nanos(700));
    }
    let families = parse(&registry.render()).unwrap();
    assert_eq!(families[0].value("h_sum", &[]), Some(0.001));
}

#[test]
fn asking_again_shares_a_live_series_and_a_dead_one_leaves_the_output() {
    let registry = Registry::new();
    let a = registry.counter("c_total", "C.", &[("forward", "a")]);
    let again = registry.counter("c_total", "C.", &[("forward", "a")]);
    let b = registry.counter("c_total", "C.", &[("forward", "b")]);
    a.inc();
    again.add(2);
    b.inc();
    assert_eq!(a.get(), 3);
    assert!(registry.render().contains("c_total{forward=\"b\"} 1\n"));
    drop(b);
    let text = registry.render();
    assert!(text.contains("c_total{forward=\"a\"} 3\n") && !text.contains("forward=\"b\""));
    // A series asked for after its death starts again from zero.
    let b = registry.counter("c_total", "C.", &[("forward", "b")]);
    assert_eq!(b.get(), 0);
}

#[test]
#[should_panic(expected = "registered twice, differently")]
fn one_name_cannot_be_two_types() {
    let registry = Registry::new();
    let _counter = registry.counter("x", "X.", &[]);
    let _gauge = registry.gauge("x", "X.", &[]);
}

#[test]
#[should_panic(expected = "is not a label name")]
fn label_names_are_checked() {
    Registry::new().counter("x", "X.", &[("not-a-name", "v")]);
}

#[test]
fn counts_from_many_threads_add_up() {
    let metrics = DaemonMetrics::new(SystemTime::UNIX_EPOCH);
    let forward = metrics.forward("http 127.0.0.1:80");
    std::thread::scope(|s| {
        for _ in 0..4 {
            let forward = forward.clone();
            s.spawn(move || {
                for i in 0..10_000u64 {
                    forward.requests.inc(Status::OK);
                    forward.request_duration.observe(Duration::from_micros(i % 2000));
                }
            });
        }
    });
    let families = parse(&metrics.render()).unwrap();
    let family = |name: &str| families.iter().find(|f| f.name == name).unwrap();
    let requests =
        family("ostiumd_requests_total").value("ostiumd_requests_total", &[("status", "200")]);
    assert_eq!(requests, Some(40_000.0));
    let duration = family("ostiumd_request_duration_seconds");
    assert_eq!(duration.value("ostiumd_request_duration_seconds_count", &[]), Some(40_000.0));
}

#[test]
fn the_daemon_output_is_valid_exposition_format() {
    let metrics = DaemonMetrics::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let odd = metrics.forward("tcp [::1]:7 \"quoted\" \\ back\nslash");
    let http = metrics.forward("http 127.0.0.1:8080");
    http.requests.inc(Status::OK);
    http.requests.inc(Status::SERVICE_UNAVAILABLE);
    http.request_duration.observe(Duration::from_millis(7));
    http.connections.inc();
    http.connections_open.inc();
    http.refused(RefusalReason::PerSource).inc();
    http.door_error(DoorErrorKind::Timeout).add(2);
    odd.application_restarts.inc();
    odd.application_threads.set(4);
    metrics.reloads.inc();
    let text = metrics.render();
    let families = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let family = |name: &str| families.iter().find(|f| f.name == name).unwrap();

    assert_eq!(
        family("ostiumd_start_time_seconds").value("ostiumd_start_time_seconds", &[]),
        Some(1.7e9)
    );
    assert_eq!(family("ostiumd_reloads_total").kind, "counter");
    let refused = family("ostiumd_connections_refused_total");
    let http_label = ("forward", "http 127.0.0.1:8080");
    let per_source =
        refused.value("ostiumd_connections_refused_total", &[http_label, ("reason", "per_source")]);
    assert_eq!(per_source, Some(1.0));
    let timeouts = family("ostiumd_door_call_errors_total")
        .value("ostiumd_door_call_errors_total", &[http_label, ("kind", "timeout")]);
    assert_eq!(timeouts, Some(2.0));
    // The odd label value came back whole through the escaping.
    let restarts = family("ostiumd_application_restarts_total").value(
        "ostiumd_application_restarts_total",
        &[("forward", "tcp [::1]:7 \"quoted\" \\ back\nslash")],
    );
    assert_eq!(restarts, Some(1.0));
    assert_eq!(
        family("ostiumd_requests_total").help,
        "HTTP requests answered, by forward and status."
    );
}

#[test]
fn the_checker_refuses_what_prometheus_would() {
    let bad = [
        "x 1\n",
        "# HELP x X\n# TYPE x counter\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",
        "# HELP x X\n# TYPE x counter\nx{a=\"\\t\"} 1\n",
        "# HELP x X\n# TYPE x counter\n# HELP y Y\n# TYPE y gauge\nx 1\n",
        "# HELP h H\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n",
        "# HELP h H\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0\nh_count 1\n",
    ];
    for text in bad {
        assert!(parse(text).is_err(), "{text}");
    }
}
