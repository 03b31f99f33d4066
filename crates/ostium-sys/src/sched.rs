//! CPU affinity: which CPUs a thread or process may run on.

use std::io;

use rustix::process::Pid;
use rustix::thread::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};

use crate::error::Named;

/// `sched_setaffinity(0, {cpu})`: keeps the calling thread on `cpu` from now on.
pub fn pin_current_thread(cpu: usize) -> io::Result<()> {
    set_affinity(None, cpu)
}

/// `sched_setaffinity(pid, {cpu})`: keeps the process (its main thread, and the threads it
/// starts afterwards) on `cpu`. Benchmarks use it to give a server and its load generator a
/// CPU each.
pub fn pin_process(pid: u32, cpu: usize) -> io::Result<()> {
    let pid = i32::try_from(pid).ok().and_then(Pid::from_raw).ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("pin_process: {pid} is not a pid"))
    })?;
    set_affinity(Some(pid), cpu)
}

/// `sched_setaffinity(0, cpus)`: lets the calling thread run on any of `cpus` from now on
/// (undoing a [`pin_current_thread`] with the CPUs of [`allowed_cpus`], say).
pub fn set_current_thread_cpus(cpus: &[usize]) -> io::Result<()> {
    let mut set = CpuSet::new();
    for &cpu in cpus {
        if cpu >= CpuSet::MAX_CPU {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("no CPU {cpu}")));
        }
        set.set(cpu);
    }
    sched_setaffinity(None, &set).named(|| format!("sched_setaffinity({cpus:?})"))
}

fn set_affinity(pid: Option<Pid>, cpu: usize) -> io::Result<()> {
    if cpu >= CpuSet::MAX_CPU {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("no CPU {cpu}")));
    }
    let mut set = CpuSet::new();
    set.set(cpu);
    sched_setaffinity(pid, &set).named(|| format!("sched_setaffinity(cpu {cpu})"))
}

/// `sched_getaffinity(0)`: the CPUs the calling thread may run on, in ascending order.
pub fn allowed_cpus() -> io::Result<Vec<usize>> {
    let set = sched_getaffinity(None).named(|| "sched_getaffinity")?;
    Ok((0..CpuSet::MAX_CPU).filter(|&cpu| set.is_set(cpu)).collect())
}

/// `sched_getcpu()`: the CPU the calling thread runs on at this instant.
pub fn current_cpu() -> usize {
    sched_getcpu()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_thread_runs_on_its_cpu() {
        let cpus = allowed_cpus().unwrap();
        let last = *cpus.last().expect("at least one CPU");
        std::thread::spawn(move || {
            pin_current_thread(last).unwrap();
            assert_eq!(allowed_cpus().unwrap(), vec![last]);
            assert_eq!(current_cpu(), last);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn an_impossible_cpu_is_refused() {
        assert!(pin_current_thread(CpuSet::MAX_CPU).is_err());
        assert!(set_current_thread_cpus(&[0, CpuSet::MAX_CPU]).is_err());
    }

    #[test]
    fn a_pinned_thread_can_be_let_go_again() {
        let cpus = allowed_cpus().unwrap();
        let spread = cpus.clone();
        std::thread::spawn(move || {
            pin_current_thread(spread[0]).unwrap();
            set_current_thread_cpus(&spread).unwrap();
            assert_eq!(allowed_cpus().unwrap(), spread);
        })
        .join()
        .unwrap();
        assert_eq!(allowed_cpus().unwrap(), cpus, "another thread's affinity is its own");
    }
}
