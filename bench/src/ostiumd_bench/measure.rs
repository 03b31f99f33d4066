//! One load on a started server: a warm-up wrk run, not counted, then the measured wrk run,
//! with the CPU time of the server's processes read from `/proc` just before wrk starts and
//! just after it exits, and the application's threads sampled while it runs.
//!
//! The CPU window is wrk's whole run, its connection set-up included (a few milliseconds in
//! ten seconds), and is divided by the requests wrk completed. The warm-up lets the
//! application's pool grow to the load and the servers' caches fill, as in a server that has
//! been up for a while.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;

use super::peers::{Peer, Running};
use super::pinning::{Pinning, Side};
use super::procfs;
use super::wrk::{self, Load, Report};
use crate::cputime::{CpuClock, CpuTime, TickRate};

/// How often the application's threads are counted during a run.
const THREAD_SAMPLE: Duration = Duration::from_millis(50);
/// The name of a door's pool threads (`ostium::DoorOptions`' default).
pub const DOOR_THREAD: &str = "ostium-door";

/// How to run each load.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    /// wrk.
    pub wrk: &'a std::path::Path,
    /// Where wrk runs.
    pub pinning: &'a Pinning,
    /// Seconds of warm-up (0: none).
    pub warmup: Duration,
    /// Seconds measured.
    pub measure: Duration,
    /// The clock's tick rate.
    pub rate: TickRate,
    /// The body the servers answer with.
    pub body: &'a str,
}

/// What one measured load saw.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Which server.
    pub peer: Peer,
    /// wrk's connections.
    pub connections: usize,
    /// wrk's report.
    pub report: Report,
    /// CPU time of the front's processes.
    pub front_cpu: CpuTime,
    /// CPU time of the back's processes.
    pub back_cpu: CpuTime,
    /// wrk's CPU time.
    pub wrk_cpu: CpuTime,
    /// The most threads the back's processes had at once (sampled), all names.
    pub back_threads: usize,
    /// The most door threads (`ostium-door`) the back's processes had at once.
    pub door_threads: usize,
}

/// Loads `server` with `connections`: a warm-up, then the measured run.
pub fn run(plan: &Plan, server: &Running, connections: usize) -> Result<Sample> {
    let url = server.url(plan.body);
    if !plan.warmup.is_zero() {
        let load = Load { connections, duration: plan.warmup, url: url.clone() };
        plan.pinning.spawn_on(Side::Generator, || wrk::run(plan.wrk, &load, plan.rate))?;
    }
    let load = Load { connections, duration: plan.measure, url };
    let front = clocks(&server.front, plan.rate);
    let back = clocks(&server.back, plan.rate);
    let (front_before, back_before) = (total(&front)?, total(&back)?);
    let done = AtomicBool::new(false);
    let back_pids = &server.back[..];
    let (measured, threads) = std::thread::scope(|scope| {
        // On wrk's CPU, so that its reads of /proc take nothing from the servers'.
        let sampler = plan
            .pinning
            .spawn_on(Side::Generator, || Ok(scope.spawn(|| peak_threads(back_pids, &done))))?;
        let measured =
            plan.pinning.spawn_on(Side::Generator, || wrk::run(plan.wrk, &load, plan.rate));
        done.store(true, Ordering::Relaxed);
        Ok::<_, anyhow::Error>((measured, sampler.join().unwrap_or_default()))
    })?;
    let (report, wrk_cpu) = measured?;
    let front_cpu = total(&front)?.since(&front_before);
    let back_cpu = total(&back)?.since(&back_before);
    Ok(Sample {
        peer: server.peer,
        connections,
        report,
        front_cpu,
        back_cpu,
        wrk_cpu,
        back_threads: threads.0,
        door_threads: threads.1,
    })
}

/// The CPU clocks of `pids`.
fn clocks(pids: &[u32], rate: TickRate) -> Vec<CpuClock> {
    pids.iter().map(|&pid| CpuClock::process(pid, rate)).collect()
}

/// The CPU time of every clock, together.
fn total(clocks: &[CpuClock]) -> Result<CpuTime> {
    let mut sum = CpuTime::default();
    for clock in clocks {
        let time = clock.read()?;
        sum.user += time.user;
        sum.system += time.system;
    }
    Ok(sum)
}

/// The most threads, and door threads, the processes `pids` had at once, counted every
/// [`THREAD_SAMPLE`] until `done`.
fn peak_threads(pids: &[u32], done: &AtomicBool) -> (usize, usize) {
    let mut peak = (0, 0);
    while !done.load(Ordering::Relaxed) {
        let (all, doors) = count_threads(pids);
        peak = (peak.0.max(all), peak.1.max(doors));
        std::thread::sleep(THREAD_SAMPLE);
    }
    peak
}

/// The threads, and door threads, the processes `pids` have now.
pub fn count_threads(pids: &[u32]) -> (usize, usize) {
    let tasks: Vec<_> =
        pids.iter().flat_map(|&pid| procfs::tasks(pid).unwrap_or_default()).collect();
    (tasks.len(), tasks.iter().filter(|task| task.name == DOOR_THREAD).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_threads_are_counted_and_summed() {
        let me = std::process::id();
        let (all, doors) = count_threads(&[me]);
        assert!(all >= 1);
        assert_eq!(doors, 0);
        let rate = TickRate::detect();
        let two = total(&clocks(&[me, me], rate)).unwrap();
        assert!(two.total() >= total(&clocks(&[me], rate)).unwrap().total());
        let done = AtomicBool::new(true);
        assert_eq!(peak_threads(&[me], &done), (0, 0), "nothing is sampled once done");
    }
}
