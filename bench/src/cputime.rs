//! `CpuClock`: the CPU time a process or thread has used, from `/proc`, as a [`CpuTime`]:
//! user time (in the program's own code) and system time (in the kernel on its behalf).
//!
//! Fields 14 and 15 of `/proc/PID/stat` (`utime`, `stime`) count clock ticks of all the
//! threads of a process, the exited ones included; `/proc/thread-self/stat` counts those of
//! the calling thread. Fields 16 and 17 of `/proc/self/stat` (`cutime`, `cstime`) count
//! those of this process's children that have exited and been waited for: the CPU time of a
//! program such as `wrk`, read around its run. Ticks are converted with the rate
//! `getconf CLK_TCK` reports; when that program cannot be run, 100 Hz (the value on every
//! common Linux build) is assumed, and [`TickRate::assumed`] says so, so the report can too. The resolution is one tick
//! (10 ms at 100 Hz): enough for the total over a measurement of seconds, but coarse for a
//! part that is small, such as the user time of a server that spends most of its time in
//! the kernel's TCP code (a few ticks per second; `echo-bench --callgrind` counts its
//! instructions instead).

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

/// CPU time split into the time spent in user space and in the kernel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// Time running the program's own instructions (`utime`).
    pub user: Duration,
    /// Time in the kernel on the program's behalf: system calls, faults (`stime`).
    pub system: Duration,
}

impl CpuTime {
    /// User and system time together.
    pub fn total(&self) -> Duration {
        self.user + self.system
    }

    /// The time used since `earlier`, a reading of the same clock (never negative).
    pub fn since(&self, earlier: &CpuTime) -> CpuTime {
        CpuTime {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }
}

/// Where to read a CPU time from, and at what tick rate.
#[derive(Clone, Debug)]
pub struct CpuClock {
    stat: PathBuf,
    /// Which pair of fields: a process's or thread's own, or its reaped children's.
    fields: Fields,
    rate: TickRate,
}

/// The pair of `stat` fields a [`CpuClock`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fields {
    /// `utime` and `stime`, fields 14 and 15.
    Own,
    /// `cutime` and `cstime`, fields 16 and 17.
    ReapedChildren,
}

impl Fields {
    /// How many fields after the command name come before the pair.
    fn skip(self) -> usize {
        match self {
            Fields::Own => 11,
            Fields::ReapedChildren => 13,
        }
    }
}

impl CpuClock {
    /// The CPU time of process `pid`, all its threads together.
    pub fn process(pid: u32, rate: TickRate) -> CpuClock {
        CpuClock { stat: PathBuf::from(format!("/proc/{pid}/stat")), fields: Fields::Own, rate }
    }

    /// The CPU time of whichever thread calls [`read`](CpuClock::read).
    pub fn current_thread(rate: TickRate) -> CpuClock {
        CpuClock { stat: PathBuf::from("/proc/thread-self/stat"), fields: Fields::Own, rate }
    }

    /// The CPU time of this process's children that have exited and been waited for
    /// (`cutime` and `cstime` of `/proc/self/stat`): read before a child is started and after
    /// it is reaped, the difference is that child's CPU time, all its threads, provided no
    /// other child was reaped in between.
    pub fn reaped_children(rate: TickRate) -> CpuClock {
        CpuClock { stat: PathBuf::from("/proc/self/stat"), fields: Fields::ReapedChildren, rate }
    }

    /// The CPU time used so far.
    pub fn read(&self) -> Result<CpuTime> {
        let text = std::fs::read_to_string(&self.stat)
            .with_context(|| format!("reading {}", self.stat.display()))?;
        let ticks = parse_stat_ticks(&text, self.fields)
            .with_context(|| format!("parsing {}", self.stat.display()))?;
        Ok(ticks.at(self.rate))
    }
}

/// The `utime` and `stime` fields of a `stat` file, in clock ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ticks {
    user: u64,
    system: u64,
}

impl Ticks {
    fn at(self, rate: TickRate) -> CpuTime {
        let time = |ticks: u64| Duration::from_nanos(ticks.saturating_mul(1_000_000_000) / rate.hz);
        CpuTime { user: time(self.user), system: time(self.system) }
    }
}

/// `utime` and `stime` (or `cutime` and `cstime`) from the text of a `stat` file.
///
/// The second field, the command name in parentheses, may itself hold spaces and
/// parentheses, so the fields are counted from the last `)`: `state` is the first after it,
/// `utime` the twelfth, `stime` the thirteenth, `cutime` and `cstime` the two after.
fn parse_stat_ticks(text: &str, which: Fields) -> Result<Ticks> {
    let Some((_, rest)) = text.rsplit_once(')') else { bail!("no `)` after the command name") };
    let mut fields = rest.split_ascii_whitespace().skip(which.skip());
    let mut next = |name| -> Result<u64> {
        let field = fields.next().with_context(|| format!("no {name} field"))?;
        field.parse().with_context(|| format!("{name} field {field:?} is not a number"))
    };
    Ok(Ticks { user: next("utime")?, system: next("stime")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_past_an_awkward_command_name() {
        let line = "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 31 0 0 20 0 2 0 9 0";
        assert_eq!(parse_stat_ticks(line, Fields::Own).unwrap(), Ticks { user: 250, system: 31 });
        let reaped = parse_stat_ticks(line, Fields::ReapedChildren).unwrap();
        assert_eq!(reaped, Ticks { user: 0, system: 0 });
        let line = "7 (x) S 1 7 7 0 -1 0 0 0 0 0 5 6 70 80 20 0 1 0 9 0";
        let reaped = parse_stat_ticks(line, Fields::ReapedChildren).unwrap();
        assert_eq!(reaped, Ticks { user: 70, system: 80 });
    }

    #[test]
    fn ticks_become_user_and_system_time() {
        let time = Ticks { user: 250, system: 31 }.at(TickRate { hz: 100, assumed: false });
        assert_eq!(time.user, Duration::from_millis(2500));
        assert_eq!(time.system, Duration::from_millis(310));
        assert_eq!(time.total(), Duration::from_millis(2810));
        let time = Ticks { user: 3, system: 1 }.at(TickRate { hz: 1000, assumed: false });
        assert_eq!(
            time,
            CpuTime { user: Duration::from_millis(3), system: Duration::from_millis(1) }
        );
    }

    #[test]
    fn the_time_since_an_earlier_reading_is_split_too() {
        let ms = Duration::from_millis;
        let earlier = CpuTime { user: ms(100), system: ms(900) };
        let later = CpuTime { user: ms(130), system: ms(1970) };
        assert_eq!(later.since(&earlier), CpuTime { user: ms(30), system: ms(1070) });
        assert_eq!(later.since(&earlier).total(), ms(1100));
        // A clock never runs backwards, but a reading of another clock must not panic.
        assert_eq!(earlier.since(&later), CpuTime::default());
    }

    #[test]
    fn a_truncated_line_is_an_error() {
        assert!(parse_stat_ticks("1 (x) S 1 2 3", Fields::Own).is_err());
        assert!(parse_stat_ticks("garbage", Fields::Own).is_err());
    }

    #[test]
    fn this_thread_and_this_process_have_a_cpu_time() {
        let rate = TickRate::detect();
        assert!(rate.hz > 0);
        CpuClock::current_thread(rate).read().unwrap();
        CpuClock::process(std::process::id(), rate).read().unwrap();
        CpuClock::reaped_children(rate).read().unwrap();
    }
}
