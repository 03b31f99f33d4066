//! The printed results of the loads: one row per run, the medians over rounds, and the
//! ratios against the targets of issue 5 (ostiumd + application ≥ 1.5× nginx → backend and
//! ≥ 0.7× nginx static in req/s; ostiumd's own CPU ≤ 5 µs per forwarded request).

use super::measure::Sample;
use super::peers::Peer;
use crate::report::middle;

/// The targets.
pub const TARGET_VS_PROXY: f64 = 1.5;
/// req/s of ostiumd + hello over nginx static, at least.
pub const TARGET_VS_STATIC: f64 = 0.7;
/// µs of ostiumd's own CPU per request, at most.
pub const TARGET_OSTIUMD_US: f64 = 5.0;

/// One run, in the units it is printed in.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Which server.
    pub peer: Peer,
    /// wrk's connections.
    pub connections: usize,
    /// Requests per second.
    pub rps: f64,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
    /// Socket errors and non-2xx/3xx responses.
    pub errors: f64,
    /// The front's CPU time per request, µs.
    pub front_us: f64,
    /// The back's CPU time per request, µs.
    pub back_us: f64,
    /// Both, per request, µs.
    pub server_us: f64,
    /// Both, in percent of one CPU over the window.
    pub server_pct: f64,
    /// wrk's CPU time, in percent of one CPU over the window.
    pub wrk_pct: f64,
    /// The most threads the back had.
    pub back_threads: f64,
}

impl Row {
    /// The row of `sample`.
    pub fn new(sample: &Sample) -> Row {
        let report = &sample.report;
        let requests = report.requests.max(1) as f64;
        let per_request = |cpu: std::time::Duration| cpu.as_secs_f64() * 1e6 / requests;
        let percent = |cpu: std::time::Duration| 100.0 * cpu.as_secs_f64() / report.seconds;
        let server = sample.front_cpu.total() + sample.back_cpu.total();
        Row {
            peer: sample.peer,
            connections: sample.connections,
            rps: report.requests_per_sec,
            p50_us: report.p50_us,
            p99_us: report.p99_us,
            errors: report.errors() as f64,
            front_us: per_request(sample.front_cpu.total()),
            back_us: per_request(sample.back_cpu.total()),
            server_us: per_request(server),
            server_pct: percent(server),
            wrk_pct: percent(sample.wrk_cpu.total()),
            back_threads: sample.back_threads as f64,
        }
    }

    /// The column titles, aligned with [`line`](Row::line).
    pub fn header() -> String {
        format!(
            "{:<12} {:>5} {:>9} {:>8} {:>8} {:>6} {:>9} {:>9} {:>9} {:>7} {:>7} {:>8}",
            "server",
            "conns",
            "req/s",
            "p50 µs",
            "p99 µs",
            "errors",
            "front µs",
            "back µs",
            "srv µs",
            "srv CPU",
            "wrk CPU",
            "back thr"
        )
    }

    /// The row as a line of the table.
    pub fn line(&self) -> String {
        let back = if self.peer == Peer::NginxStatic {
            format!("{:>9}", "-")
        } else {
            format!("{:>9.2}", self.back_us)
        };
        format!(
            "{:<12} {:>5} {:>9.0} {:>8.0} {:>8.0} {:>6.0} {:>9.2} {back} {:>9.2} {:>6.0}% {:>6.0}% \
             {:>8.0}",
            self.peer.name(),
            self.connections,
            self.rps,
            self.p50_us,
            self.p99_us,
            self.errors,
            self.front_us,
            self.server_us,
            self.server_pct,
            self.wrk_pct,
            self.back_threads
        )
    }
}

/// The median of several runs of one server under one load, field by field (of an even
/// number of runs, the mean of the middle two).
pub fn median(rows: &[Row]) -> Row {
    assert!(!rows.is_empty(), "the median of no runs");
    let of = |field: fn(&Row) -> f64| middle(rows.iter().map(field).collect());
    Row {
        peer: rows[0].peer,
        connections: rows[0].connections,
        rps: of(|r| r.rps),
        p50_us: of(|r| r.p50_us),
        p99_us: of(|r| r.p99_us),
        errors: of(|r| r.errors),
        front_us: of(|r| r.front_us),
        back_us: of(|r| r.back_us),
        server_us: of(|r| r.server_us),
        server_pct: of(|r| r.server_pct),
        wrk_pct: of(|r| r.wrk_pct),
        back_threads: of(|r| r.back_threads),
    }
}

/// The lines comparing ostiumd with the peers measured at one number of connections
/// (`medians` holds each peer's median row, those not measured left out).
pub fn ratios(connections: usize, medians: &[Row]) -> Vec<String> {
    let find = |peer| medians.iter().find(|row| row.peer == peer);
    let mut lines = vec![format!("-c{connections}:")];
    let Some(ostiumd) = find(Peer::Ostiumd) else {
        lines.push("  ostiumd was not measured: no ratios".into());
        return lines;
    };
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    for (peer, target) in
        [(Peer::NginxProxy, TARGET_VS_PROXY), (Peer::NginxStatic, TARGET_VS_STATIC)]
    {
        let Some(other) = find(peer) else { continue };
        let ratio = ostiumd.rps / other.rps;
        lines.push(format!(
            "  req/s   ostiumd+hello / {:<12} {ratio:>5.2}×  (target ≥ {target}×: {}); p50 {:.0} vs \
             {:.0} µs, p99 {:.0} vs {:.0} µs",
            peer.name(),
            verdict(ratio >= target),
            ostiumd.p50_us,
            other.p50_us,
            ostiumd.p99_us,
            other.p99_us
        ));
    }
    lines.push(format!(
        "  CPU     ostiumd's own {:.2} µs per forwarded request (target ≤ {TARGET_OSTIUMD_US} µs: \
         {}); hello {:.2} µs",
        ostiumd.front_us,
        verdict(ostiumd.front_us <= TARGET_OSTIUMD_US),
        ostiumd.back_us
    ));
    if let Some(proxy) = find(Peer::NginxProxy) {
        lines.push(format!(
            "          nginx's own {:.2} µs per proxied request, http-backend {:.2} µs",
            proxy.front_us, proxy.back_us
        ));
    }
    if let Some(fixed) = find(Peer::NginxStatic) {
        // nginx static's whole cost is reading a request and writing a response on TCP:
        // what a front spends beyond it is what forwarding costs it.
        let mut line = format!(
            "  CPU     beyond nginx static's {:.2} µs (TCP in and out, parsing): ostiumd {:+.2} µs",
            fixed.front_us,
            ostiumd.front_us - fixed.front_us
        );
        if let Some(proxy) = find(Peer::NginxProxy) {
            line += &format!(", nginx proxying {:+.2} µs", proxy.front_us - fixed.front_us);
        }
        lines.push(line);
    }
    let totals: Vec<String> =
        medians.iter().map(|row| format!("{} {:.2}", row.peer.name(), row.server_us)).collect();
    lines.push(format!("  CPU     all server processes, µs per request: {}", totals.join(", ")));
    if medians.iter().any(|row| row.errors > 0.0) {
        lines.push(
            "  note: some runs had errors (socket errors or non-2xx responses): see the rows"
                .into(),
        );
    }
    if medians.iter().any(|row| row.wrk_pct >= 90.0) {
        lines.push(
            "  note: wrk used ≥ 90% of its CPU in some runs, so their req/s may be wrk's limit, \
             not the server's; µs per request compares the servers regardless"
                .into(),
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(peer: Peer, rps: f64, front_us: f64) -> Row {
        Row {
            peer,
            connections: 50,
            rps,
            p50_us: 300.0,
            p99_us: 900.0,
            errors: 0.0,
            front_us,
            back_us: 4.0,
            server_us: front_us + 4.0,
            server_pct: 99.0,
            wrk_pct: 60.0,
            back_threads: 51.0,
        }
    }

    #[test]
    fn the_median_is_taken_field_by_field() {
        let rows = [row(Peer::Ostiumd, 100.0, 9.0), row(Peer::Ostiumd, 300.0, 1.0)];
        let median = median(&rows);
        assert_eq!((median.rps, median.front_us), (200.0, 5.0));
        let three = [rows[0].clone(), rows[1].clone(), row(Peer::Ostiumd, 150.0, 3.0)];
        assert_eq!(super::median(&three).rps, 150.0);
    }

    #[test]
    fn ratios_say_whether_each_target_is_met() {
        let medians = [
            row(Peer::Ostiumd, 90_000.0, 6.0),
            row(Peer::NginxProxy, 50_000.0, 11.0),
            row(Peer::NginxStatic, 160_000.0, 5.0),
        ];
        let text = ratios(50, &medians).join("\n");
        assert!(text.contains("nginx-proxy   1.80×  (target ≥ 1.5×: met)"), "{text}");
        assert!(text.contains("nginx-static  0.56×  (target ≥ 0.7×: NOT met)"), "{text}");
        assert!(text.contains("6.00 µs per forwarded request (target ≤ 5 µs: NOT met)"), "{text}");
        assert!(
            text.contains(
                "static's 5.00 µs (TCP in and out, parsing): ostiumd +1.00 µs, nginx \
                               proxying +6.00 µs"
            ),
            "{text}"
        );
        assert!(!text.contains("note"), "{text}");
    }

    #[test]
    fn without_ostiumd_or_a_peer_the_ratios_say_so() {
        let text = ratios(1, &[row(Peer::NginxStatic, 1.0, 1.0)]).join("\n");
        assert!(text.contains("not measured"), "{text}");
        let text = ratios(1, &[row(Peer::Ostiumd, 1.0, 1.0)]).join("\n");
        assert!(!text.contains("nginx-proxy") && text.contains("µs per forwarded"), "{text}");
    }

    #[test]
    fn lines_line_up_with_the_header() {
        let line = row(Peer::NginxStatic, 160_000.0, 5.0).line();
        assert_eq!(line.chars().count(), Row::header().chars().count(), "{line}");
    }
}
