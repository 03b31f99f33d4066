//! `wrk`, the load generator: one run (`wrk -t1 -cN -dS --latency URL`) and what it printed.
//!
//! wrk keeps N connections busy, each with one request in flight, from one thread
//! (`-t1`), for S seconds, and prints its latency percentiles (`--latency`), the requests
//! it completed, and the errors it saw: socket errors (connect, read, write, timeout) and
//! responses whose status was not 2xx or 3xx. The harness counts both as errors, so that a
//! server answering fast with `503` cannot pass for a fast server.
//!
//! Its CPU time is read from this process's reaped children's (`cutime` + `cstime`) around
//! its run, with [`CpuClock::reaped_children`]: whether the generator, rather than the
//! server, was the limit.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cputime::{CpuClock, CpuTime, TickRate};

/// How long past its duration wrk may run before it is killed.
const OVERRUN: Duration = Duration::from_secs(15);

/// One wrk run's parameters.
#[derive(Clone, Debug)]
pub struct Load {
    /// Connections, each with one request in flight.
    pub connections: usize,
    /// How long.
    pub duration: Duration,
    /// What is requested.
    pub url: String,
}

/// What a wrk run saw.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Requests completed.
    pub requests: u64,
    /// Over how long, as wrk measured it.
    pub seconds: f64,
    /// Requests per second, as wrk printed it.
    pub requests_per_sec: f64,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
    /// Socket errors (connect, read, write, timeout).
    pub socket_errors: u64,
    /// Responses whose status was not 2xx or 3xx.
    pub bad_status: u64,
}

impl Report {
    /// Errors of any kind.
    pub fn errors(&self) -> u64 {
        self.socket_errors + self.bad_status
    }
}

/// The command line for `load`.
fn command(wrk: &std::path::Path, load: &Load) -> Command {
    let mut command = Command::new(wrk);
    command
        .arg("-t1")
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .arg("--latency")
        .arg(&load.url);
    command
}

/// Runs `wrk` with `load` and returns its report and its CPU time. wrk runs on the CPUs of
/// the calling thread (which should live as long as wrk: see `child`).
pub fn run(wrk: &std::path::Path, load: &Load, rate: TickRate) -> Result<(Report, CpuTime)> {
    let mut command = command(wrk, load);
    ostium_sys::die_with_parent(&mut command);
    let clock = CpuClock::reaped_children(rate);
    let before = clock.read()?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting wrk")?;
    let deadline = Instant::now() + load.duration + OVERRUN;
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("wrk ran {OVERRUN:?} past its {:?}: killed", load.duration);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().context("reading wrk's output")?;
    let cpu = clock.read()?.since(&before);
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {}{}",
            output.status,
            text,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report = parse(&text).with_context(|| format!("reading wrk's output:\n{text}"))?;
    Ok((report, cpu))
}

/// Reads wrk's output.
pub fn parse(text: &str) -> Result<Report> {
    let mut p50 = None;
    let mut p99 = None;
    let mut completed = None;
    let mut rate = None;
    let mut socket_errors = 0;
    let mut bad_status = 0;
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_ascii_whitespace().collect();
        match words[..] {
            ["50%", value] => p50 = Some(micros(value)?),
            ["99%", value] => p99 = Some(micros(value)?),
            [requests, "requests", "in", seconds, ..] => {
                let seconds = seconds.trim_end_matches(',');
                let seconds = micros(seconds)? / 1e6;
                completed = Some((requests.parse::<u64>()?, seconds));
            }
            ["Requests/sec:", value] => rate = Some(value.parse::<f64>()?),
            ["Socket", "errors:", ref counts @ ..] => {
                // connect 0, read 0, write 0, timeout 0
                for pair in counts.chunks(2) {
                    if let [_, count] = pair {
                        socket_errors += count.trim_end_matches(',').parse::<u64>()?;
                    }
                }
            }
            ["Non-2xx", "or", "3xx", "responses:", count] => bad_status = count.parse()?,
            _ => {}
        }
    }
    let (requests, seconds) = completed.context("no `N requests in T` line")?;
    Ok(Report {
        requests,
        seconds,
        requests_per_sec: rate.context("no Requests/sec line")?,
        p50_us: p50.context("no 50% latency line (was --latency given?)")?,
        p99_us: p99.context("no 99% latency line")?,
        socket_errors,
        bad_status,
    })
}

/// A duration as wrk prints it (`836.00us`, `1.75ms`, `2.00s`, `1.00m`), in µs.
fn micros(text: &str) -> Result<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).context("no unit")?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().with_context(|| format!("{text:?} is not a duration"))?;
    let scale = match unit {
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        "h" => 3600e6,
        _ => bail!("{text:?}: unknown unit {unit:?}"),
    };
    Ok(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = "\
Running 3s test @ http://127.0.0.1:39565/echo?hello-ostium
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.87ms  287.41us   7.11ms   88.41%
    Req/Sec    56.58k     6.72k   63.53k    80.00%
  Latency Distribution
     50%  836.00us
     75%    0.95ms
     90%    1.09ms
     99%    1.75ms
  168891 requests in 3.00s, 20.78MB read
Requests/sec:  56270.08
Transfer/sec:      6.92MB
";

    #[test]
    fn a_clean_run_is_read() {
        let report = parse(CLEAN).unwrap();
        assert_eq!(
            report,
            Report {
                requests: 168_891,
                seconds: 3.0,
                requests_per_sec: 56270.08,
                p50_us: 836.0,
                p99_us: 1750.0,
                socket_errors: 0,
                bad_status: 0,
            }
        );
        assert_eq!(report.errors(), 0);
    }

    #[test]
    fn errors_are_counted() {
        let text = CLEAN.replace(
            "Requests/sec",
            "  Socket errors: connect 1, read 2, write 0, timeout 4\n  Non-2xx or 3xx \
             responses: 12\nRequests/sec",
        );
        let report = parse(&text).unwrap();
        assert_eq!((report.socket_errors, report.bad_status, report.errors()), (7, 12, 19));
    }

    #[test]
    fn durations_take_wrks_units() {
        assert_eq!(micros("12.50us").unwrap(), 12.5);
        assert_eq!(micros("2.00s").unwrap(), 2e6);
        assert_eq!(micros("1.00m").unwrap(), 60e6);
        assert!(micros("3.0parsecs").is_err());
        assert!(micros("fast").is_err());
    }

    #[test]
    fn output_without_percentiles_is_refused() {
        let text: String =
            CLEAN.lines().filter(|l| !l.contains('%')).collect::<Vec<_>>().join("\n");
        assert!(parse(&text).is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn the_command_asks_for_one_thread_and_the_latency() {
        let load = Load {
            connections: 50,
            duration: Duration::from_secs(10),
            url: "http://127.0.0.1:1/".into(),
        };
        let command = command(std::path::Path::new("wrk"), &load);
        let args: Vec<_> = command.get_args().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(args, ["-t1", "-c50", "-d10s", "--latency", "http://127.0.0.1:1/"]);
    }
}
