//! Readings of a process from `/proc`, for tests that check what a server costs: idle
//! wakeups, CPU time, resident memory, open descriptors and threads. Each panics if the
//! process is gone (the test has failed then anyway).

use std::time::Duration;

/// Voluntary context switches of all of process `pid`'s threads, summed: how often they
/// went to sleep and were woken. A thread blocked until something happens adds one per
/// wakeup, so an idle server's count does not move.
pub fn wakeups(pid: u32) -> u64 {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("the process is alive");
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("status")).ok())
        .filter_map(|status| field(&status, "voluntary_ctxt_switches:"))
        .sum()
}

/// Context switches, voluntary or not, of thread `tid` of this process: any wakeup of the
/// thread raises it.
pub fn thread_switches(tid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status"))
        .expect("the thread is alive");
    field(&status, "voluntary_ctxt_switches:").unwrap_or(0)
        + field(&status, "nonvoluntary_ctxt_switches:").unwrap_or(0)
}

/// The calling thread's id.
pub fn current_tid() -> u32 {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    link.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse().ok()).expect("a tid")
}

/// CPU time (user and system) process `pid` has used, in clock ticks (USER_HZ, 100 a
/// second on Linux).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process is alive");
    // The fields after the command name, which is in parentheses and may hold spaces:
    // utime and stime are the 12th and 13th of them.
    let after = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let fields: Vec<&str> = after.split(' ').collect();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    tick(11) + tick(12)
}

/// CPU time (user and system) process `pid` has used.
pub fn cpu_time(pid: u32) -> Duration {
    Duration::from_millis(cpu_ticks(pid) * 10)
}

/// The resident set size of process `pid`, in bytes.
pub fn rss(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process is alive");
    field(&status, "VmRSS:").unwrap_or(0) * 1024
}

/// How many descriptors process `pid` has open.
pub fn fds(pid: u32) -> usize {
    entries(&format!("/proc/{pid}/fd"))
}

/// How many threads process `pid` has.
pub fn threads(pid: u32) -> usize {
    entries(&format!("/proc/{pid}/task"))
}

fn entries(dir: &str) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

/// The number after `name` on its line of a `status` file.
fn field(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_reads_as_alive_and_busy() {
        let me = std::process::id();
        let spin = std::time::Instant::now();
        while spin.elapsed() < Duration::from_millis(30) {
            std::hint::black_box(spin.elapsed());
        }
        assert!(cpu_ticks(me) >= 1, "30 ms of CPU is at least a tick");
        assert!(fds(me) >= 3 && threads(me) >= 1 && rss(me) > 0);
        std::thread::sleep(Duration::from_millis(5));
        assert!(wakeups(me) >= 1 && thread_switches(current_tid()) >= 1);
    }
}
