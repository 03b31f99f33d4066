//! `ostiumd-bench`'s command line.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use super::peers::Peer;

/// Explains the columns, after the options in `--help`.
const AFTER_HELP: &str = "\
Columns: req/s, p50 and p99 latency and errors (socket errors + non-2xx/3xx responses) as wrk \
printed them; front µs: CPU time (user + system, from /proc) per request of the process facing \
the network (ostiumd; nginx's master and workers); back µs: of the application (hello; \
http-backend); srv µs: both; srv CPU, wrk CPU: their CPU time over the run, in percent of one \
CPU; back thr: the most threads the application had during the run.";

/// Runs ostiumd + the hello application, nginx proxying to a minimal HTTP backend on a Unix
/// socket, and nginx answering by itself, under the same wrk load, and prints the ratios.
#[derive(Parser, Debug)]
#[command(name = "ostiumd-bench", version, after_help = AFTER_HELP)]
pub struct Args {
    /// wrk's connections (`-c`), one request in flight on each; a comma-separated list runs
    /// each.
    #[arg(long, value_delimiter = ',', default_value = "1,50", value_parser = clap::value_parser!(u16).range(1..=10000))]
    pub connections: Vec<u16>,
    /// Seconds measured per run (wrk's `-d`).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub seconds: u64,
    /// Seconds of load before each measured run, not counted (0: none).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub warmup: u64,
    /// Runs of each server per load; the ratios compare the medians. Odd rounds run the
    /// servers in the reverse order.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub rounds: u16,
    /// The servers measured.
    #[arg(long, value_delimiter = ',', default_value = "ostiumd,nginx-proxy,nginx-static")]
    pub peers: Vec<Peer>,
    /// ostiumd's loops and nginx's workers [default: the servers' CPUs].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub loops: Option<u16>,
    /// The body every server answers with (letters, digits, `-`, `.`, `_`, `~`).
    #[arg(long, default_value = "hello-ostium", value_parser = body)]
    pub body: String,
    /// wrk's connections for counting the application's door threads, a fresh ostiumd +
    /// hello for each (0 leaves the count out).
    #[arg(long, value_delimiter = ',', default_value = "1,8,50", value_parser = clap::value_parser!(u16).range(0..=10000))]
    pub thread_connections: Vec<u16>,
    /// Seconds of each door-thread count's load.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub thread_seconds: u64,
    /// Idle keep-alive connections whose memory is measured (0 leaves it out).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=15_000))]
    pub idle_connections: u32,
    /// Seconds over which idle wakeups are counted.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub idle_seconds: u64,
    /// Do not pin the servers and wrk to separate CPUs.
    #[arg(long)]
    pub no_pin: bool,
    /// ostiumd [default: next to this program].
    #[arg(long, value_name = "PATH")]
    pub ostiumd: Option<PathBuf>,
    /// The hello application [default: next to this program].
    #[arg(long, value_name = "PATH")]
    pub hello: Option<PathBuf>,
    /// http-backend [default: next to this program].
    #[arg(long, value_name = "PATH")]
    pub backend: Option<PathBuf>,
    /// nginx [default: on PATH, or in /usr/sbin].
    #[arg(long, value_name = "PATH")]
    pub nginx: Option<PathBuf>,
    /// wrk [default: on PATH].
    #[arg(long, value_name = "PATH")]
    pub wrk: Option<PathBuf>,
}

impl Args {
    /// The measured loads: every number of connections, peer and round.
    pub fn loads(&self) -> usize {
        self.connections.len() * self.peers.len() * usize::from(self.rounds)
    }

    /// About how long the run takes, servers' starts aside.
    pub fn estimate(&self) -> Duration {
        let load = Duration::from_secs(self.warmup + self.seconds);
        let threads = self.thread_connections.iter().filter(|&&c| c > 0).count() as u32;
        let idle = if self.idle_connections > 0 { 2 } else { 1 };
        load * self.loads() as u32
            + Duration::from_secs(self.thread_seconds) * threads
            + Duration::from_secs(2 * self.idle_seconds + 2) * idle
    }
}

/// A body that needs no escaping in a URL's query, nor in nginx's configuration.
fn body(text: &str) -> Result<String, String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~".contains(c);
    if text.is_empty() || text.len() > 1024 || !text.chars().all(allowed) {
        return Err("1 to 1024 letters, digits, `-`, `.`, `_` or `~`".into());
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("ostiumd-bench").chain(args.iter().copied()))
    }

    #[test]
    fn the_defaults_are_the_documented_run() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.connections, [1, 50]);
        assert_eq!((args.seconds, args.warmup, args.rounds), (10, 1, 2));
        assert_eq!(args.peers, Peer::ALL);
        assert_eq!(args.loops, None);
        assert_eq!(args.body, "hello-ostium");
        assert_eq!(args.thread_connections, [1, 8, 50]);
        assert_eq!((args.idle_connections, args.idle_seconds), (10_000, 3));
        assert_eq!(args.loads(), 12);
        // 12 × 11 s of loads, 3 × 3 s of door threads, 2 × 8 s idle.
        assert_eq!(args.estimate(), Duration::from_secs(132 + 9 + 16));
    }

    #[test]
    fn lists_are_read() {
        let args = parse(&[
            "--connections",
            "8",
            "--peers",
            "nginx-static,ostiumd",
            "--rounds",
            "1",
            "--thread-connections",
            "0",
            "--idle-connections",
            "0",
        ])
        .unwrap();
        assert_eq!(args.connections, [8]);
        assert_eq!(args.peers, [Peer::NginxStatic, Peer::Ostiumd]);
        assert_eq!(args.estimate(), Duration::from_secs(2 * 11 + 8));
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            &["--connections", "0"][..],
            &["--seconds", "0"],
            &["--rounds", "0"],
            &["--peers", "haproxy"],
            &["--body", "a b"],
            &["--body", "\"$x"],
            &["--body", ""],
            &["--idle-connections", "100000"],
            &["--loops", "0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
