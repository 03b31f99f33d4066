//! `door-bench`'s command line: the measuring run (the default: the round trips, then the
//! lease throughput) and the hidden `serve` subcommand by which the harness starts each
//! peer's server in a child process.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use super::lease;
use super::peer::Peer;

/// Measures door call round trips against a raw SEQPACKET ping-pong and gRPC (tonic), client
/// and server in separate processes.
#[derive(Parser, Debug)]
#[command(name = "door-bench", version, args_conflicts_with_subcommands = true)]
pub struct Args {
    /// Seconds measured per load (after the warm-up).
    #[arg(long, default_value = "3", value_parser = seconds)]
    pub seconds: Duration,
    /// Seconds of calls before measuring, not counted.
    #[arg(long, default_value = "0.5", value_parser = seconds_or_zero)]
    pub warmup: Duration,
    /// Bytes of arguments per call, echoed back (a comma-separated list runs each).
    #[arg(long, value_delimiter = ',', default_value = "8,4096", value_parser = clap::value_parser!(u32).range(1..=32768))]
    pub sizes: Vec<u32>,
    /// Concurrent callers, threads of this process (a comma-separated list runs each).
    #[arg(long, value_delimiter = ',', default_value = "1,2,8", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub callers: Vec<u16>,
    /// The peers measured, in this order (a comma-separated list).
    #[arg(long, value_delimiter = ',', default_value = "door,raw,raw-lanes,tonic")]
    pub peers: Vec<Peer>,
    /// Lease throughput against memcpy, after the round trips: on, off, or only (no round
    /// trips).
    #[arg(long, value_enum, default_value = "on")]
    pub leases: LeaseRun,
    /// Seconds measured per lease load, and per memcpy (after 0.1 s of warm-up).
    #[arg(long, default_value = "0.3", value_parser = seconds)]
    pub lease_seconds: Duration,
    /// Bytes per lease, each lent for reading and then for writing (a comma-separated list).
    #[arg(long, value_delimiter = ',', default_value = "4096,16384,65536,1048576", value_parser = clap::value_parser!(u32).range(1..=MAX_LEASE))]
    pub lease_sizes: Vec<u32>,
    /// How leases are sent, each measured in turn at every size: `auto` (as the client
    /// chooses), `inline` (in the message, where it can hold them) or `memfd`.
    #[arg(long, value_delimiter = ',', default_value = "inline,memfd")]
    pub lease_transports: Vec<lease::Choice>,
    /// Internal: serve one peer at a path (how the harness starts its servers).
    #[command(subcommand)]
    pub serve: Option<Serve>,
}

/// The largest lease `--lease-sizes` takes: 16 MiB.
const MAX_LEASE: i64 = 16 * 1024 * 1024;

/// Whether the lease throughput is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LeaseRun {
    /// After the round trips.
    On,
    /// Not at all.
    Off,
    /// Instead of the round trips.
    Only,
}

/// The server side, run by the harness in a child process.
#[derive(Subcommand, Debug, PartialEq, Eq)]
pub enum Serve {
    /// Serves `peer` at `path`, prints `ready` once it accepts connections, and exits when
    /// its standard input closes.
    #[command(hide = true)]
    Serve {
        /// Which server.
        peer: Peer,
        /// The socket's path.
        path: PathBuf,
    },
}

impl Args {
    /// Parses `argv` (its first item is the program's name).
    pub fn parse_from_args<I, T>(argv: I) -> Result<Args, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Args::try_parse_from(argv)
    }

    /// How many round-trip loads the run makes: every size, peer and number of callers
    /// (none with `--leases only`).
    pub fn loads(&self) -> usize {
        match self.leases {
            LeaseRun::Only => 0,
            LeaseRun::On | LeaseRun::Off => {
                self.sizes.len() * self.peers.len() * self.callers.len()
            }
        }
    }

    /// How many lease loads the run makes: a read and a write per lease size (none with
    /// `--leases off`). Each size also has its memcpy, as long.
    pub fn lease_loads(&self) -> usize {
        match self.leases {
            LeaseRun::Off => 0,
            LeaseRun::On | LeaseRun::Only => {
                self.lease_sizes.len() * lease::Direction::BOTH.len() * self.lease_transports.len()
            }
        }
    }

    /// How long one lease load (or memcpy) takes: its warm-up and its window.
    pub fn lease_load(&self) -> Duration {
        lease::WARMUP + self.lease_seconds
    }

    /// About how long the run takes, servers' starts aside.
    pub fn estimate(&self) -> Duration {
        let memcpys = if self.lease_loads() == 0 { 0 } else { self.lease_sizes.len() };
        (self.warmup + self.seconds) * self.loads() as u32
            + self.lease_load() * (self.lease_loads() + memcpys) as u32
    }
}

/// A positive, finite number of seconds.
fn seconds(text: &str) -> Result<Duration, String> {
    let duration = seconds_or_zero(text)?;
    if duration.is_zero() {
        return Err("must be more than 0".into());
    }
    Ok(duration)
}

/// A duration up to an hour, zero included: `500ms`, `2m`, or seconds (`0.25`).
fn seconds_or_zero(text: &str) -> Result<Duration, String> {
    let duration = ostium_sys::parse_duration(text).map_err(|err| err.to_string())?;
    if duration > Duration::from_secs(3600) {
        return Err(format!("{duration:?} is more than an hour"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::parse_from_args(std::iter::once("door-bench").chain(args.iter().copied()))
    }

    #[test]
    fn the_defaults_are_the_documented_run() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.seconds, Duration::from_secs(3));
        assert_eq!(args.warmup, Duration::from_millis(500));
        assert_eq!(args.sizes, [8, 4096]);
        assert_eq!(args.callers, [1, 2, 8]);
        assert_eq!(args.peers, Peer::DEFAULT);
        assert_eq!(args.serve, None);
        assert_eq!(args.loads(), 24);
        assert_eq!(args.leases, LeaseRun::On);
        assert_eq!(args.lease_seconds, Duration::from_millis(300));
        assert_eq!(args.lease_sizes, [4096, 16384, 65536, 1 << 20]);
        assert_eq!(args.lease_loads(), 16);
        // 24 × 3.5 s of round trips, 16 lease loads and 4 memcpys of 0.4 s.
        assert_eq!(args.estimate(), Duration::from_millis(84_000 + 20 * 400));
        assert!(args.estimate() < Duration::from_secs(120), "about a minute and a half");
    }

    #[test]
    fn lists_and_fractions_of_seconds_are_read() {
        let args = parse(&[
            "--seconds",
            "0.25",
            "--warmup",
            "0",
            "--sizes",
            "1,64",
            "--callers",
            "4",
            "--peers",
            "raw,door",
        ])
        .unwrap();
        assert_eq!(args.seconds, Duration::from_millis(250));
        assert_eq!(args.warmup, Duration::ZERO);
        assert_eq!(args.sizes, [1, 64]);
        assert_eq!(args.callers, [4]);
        assert_eq!(args.peers, [Peer::Raw, Peer::Door]);
        // 4 sizes × 2 directions × 2 transports of leases, and 4 memcpys.
        assert_eq!(args.estimate(), Duration::from_millis(250) * 2 * 2 + args.lease_load() * 20);
    }

    #[test]
    fn leases_can_be_left_out_or_measured_alone() {
        let off = parse(&["--leases", "off", "--sizes", "8", "--callers", "1"]).unwrap();
        assert_eq!((off.loads(), off.lease_loads()), (4, 0), "a load per default peer");
        assert_eq!(off.estimate(), Duration::from_millis(3500) * 4);
        let only =
            parse(&["--leases=only", "--lease-sizes", "4096,1048576", "--lease-seconds", "1"])
                .unwrap();
        assert_eq!((only.loads(), only.lease_loads()), (0, 8));
        assert_eq!(only.lease_sizes, [4096, 1 << 20]);
        assert_eq!(only.lease_load(), Duration::from_millis(1100));
        assert_eq!(only.estimate(), Duration::from_millis(1100) * 10);
        let auto = parse(&["--leases=only", "--lease-transports", "auto"]).unwrap();
        assert_eq!(auto.lease_transports, [lease::Choice::Auto]);
        assert_eq!(auto.lease_loads(), 8);
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            &["--seconds", "0"][..],
            &["--seconds", "-1"],
            &["--seconds", "nan"],
            &["--seconds", "inf"],
            &["--seconds", "soon"],
            &["--warmup", "-0.5"],
            &["--sizes", "0"],
            &["--sizes", "65536"],
            &["--callers", "0"],
            &["--peers", "grpc"],
            &["--leases", "maybe"],
            &["--lease-seconds", "0"],
            &["--lease-sizes", "0"],
            &["--lease-sizes", "16777217"],
            &["serve", "door"],
            &["--seconds", "1", "serve", "door", "/tmp/x"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn the_serve_subcommand_names_a_peer_and_a_path() {
        let args = parse(&["serve", "tonic", "/tmp/x.sock"]).unwrap();
        assert_eq!(
            args.serve,
            Some(Serve::Serve { peer: Peer::Tonic, path: PathBuf::from("/tmp/x.sock") })
        );
    }
}
