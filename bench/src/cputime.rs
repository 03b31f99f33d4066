//! `CpuClock`: the CPU time (user + system) a process or thread has used, from `/proc`.
//!
//! Fields 14 and 15 of `/proc/PID/stat` (`utime`, `stime`) count clock ticks of all the
//! threads of a process, the exited ones included; `/proc/thread-self/stat` counts those of
//! the calling thread. Ticks are converted with the rate `getconf CLK_TCK` reports; when
//! that program cannot be run, 100 Hz (the value on every common Linux build) is assumed,
//! and [`TickRate::assumed`] says so, so the report can too. The resolution is one tick
//! (10 ms at 100 Hz): enough for a measurement of seconds.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// How many clock ticks make a second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TickRate {
    /// Ticks per second.
    pub hz: u64,
    /// Whether `hz` is the assumed 100 rather than what the system reported.
    pub assumed: bool,
}

impl TickRate {
    /// Asks `getconf CLK_TCK`, and assumes 100 Hz if that fails.
    pub fn detect() -> TickRate {
        let reported = Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .filter(|&hz| hz > 0);
        match reported {
            Some(hz) => TickRate { hz, assumed: false },
            None => TickRate { hz: 100, assumed: true },
        }
    }
}

/// Where to read a CPU time from, and at what tick rate.
#[derive(Clone, Debug)]
pub struct CpuClock {
    stat: PathBuf,
    rate: TickRate,
}

impl CpuClock {
    /// The CPU time of process `pid`, all its threads together.
    pub fn process(pid: u32, rate: TickRate) -> CpuClock {
        CpuClock { stat: PathBuf::from(format!("/proc/{pid}/stat")), rate }
    }

    /// The CPU time of whichever thread calls [`read`](CpuClock::read).
    pub fn current_thread(rate: TickRate) -> CpuClock {
        CpuClock { stat: PathBuf::from("/proc/thread-self/stat"), rate }
    }

    /// The CPU time used so far.
    pub fn read(&self) -> Result<Duration> {
        let text = std::fs::read_to_string(&self.stat)
            .with_context(|| format!("reading {}", self.stat.display()))?;
        let ticks =
            parse_stat_ticks(&text).with_context(|| format!("parsing {}", self.stat.display()))?;
        Ok(Duration::from_nanos(ticks.saturating_mul(1_000_000_000) / self.rate.hz))
    }
}

/// `utime + stime` from the text of a `stat` file.
///
/// The second field, the command name in parentheses, may itself hold spaces and
/// parentheses, so the fields are counted from the last `)`: `state` is the first after it,
/// `utime` the twelfth and `stime` the thirteenth.
fn parse_stat_ticks(text: &str) -> Result<u64> {
    let Some((_, rest)) = text.rsplit_once(')') else { bail!("no `)` after the command name") };
    let mut fields = rest.split_ascii_whitespace().skip(11);
    let mut next = |name| -> Result<u64> {
        let field = fields.next().with_context(|| format!("no {name} field"))?;
        field.parse().with_context(|| format!("{name} field {field:?} is not a number"))
    };
    Ok(next("utime")? + next("stime")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_past_an_awkward_command_name() {
        let line = "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 31 0 0 20 0 2 0 9 0";
        assert_eq!(parse_stat_ticks(line).unwrap(), 281);
    }

    #[test]
    fn a_truncated_line_is_an_error() {
        assert!(parse_stat_ticks("1 (x) S 1 2 3").is_err());
        assert!(parse_stat_ticks("garbage").is_err());
    }

    #[test]
    fn this_thread_and_this_process_have_a_cpu_time() {
        let rate = TickRate::detect();
        assert!(rate.hz > 0);
        CpuClock::current_thread(rate).read().unwrap();
        CpuClock::process(std::process::id(), rate).read().unwrap();
    }
}
