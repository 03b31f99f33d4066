//! Where the servers and the load generator run: the servers (ostiumd and its application,
//! nginx and its backend) on every allowed CPU but the last, `wrk` on the last, when there
//! are at least two; otherwise all share.
//!
//! A process inherits the CPU affinity of the thread that starts it, and its threads and
//! children inherit it in turn (ostiumd's loops and its `exec` application, the hello
//! application's door threads, nginx's workers, the backend's connection threads). So the
//! harness pins nothing after the fact: its main thread narrows its own affinity, starts the
//! child, and widens it again ([`Pinning::spawn_on`]).

use anyhow::{Context, Result};

/// The CPUs of the servers and of the load generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pinning {
    /// Servers on `servers`, `wrk` on `generator`.
    Cpus {
        /// The servers' CPUs.
        servers: Vec<usize>,
        /// The load generator's CPU.
        generator: usize,
        /// Every CPU this process may use, restored after each start.
        all: Vec<usize>,
    },
    /// Nothing pinned, and why.
    Off(&'static str),
}

/// Which side a child process belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A server under test.
    Server,
    /// The load generator.
    Generator,
}

impl Pinning {
    /// The servers on all allowed CPUs but the last, the generator on the last; or off.
    pub fn plan(off: bool) -> Result<Pinning> {
        if off {
            return Ok(Pinning::Off("--no-pin"));
        }
        let all = ostium_sys::allowed_cpus().context("reading the allowed CPUs")?;
        Ok(split(all))
    }

    /// How many CPUs the servers have: how many loops ostiumd and workers nginx get.
    pub fn server_cpus(&self) -> usize {
        match self {
            Pinning::Cpus { servers, .. } => servers.len(),
            Pinning::Off(_) => std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// Runs `start` (which starts a child process) on the CPUs of `side`, so that the child
    /// and everything it starts inherit them; this thread's affinity is restored after.
    pub fn spawn_on<T>(&self, side: Side, start: impl FnOnce() -> Result<T>) -> Result<T> {
        let Pinning::Cpus { servers, generator, all } = self else { return start() };
        let cpus = match side {
            Side::Server => &servers[..],
            Side::Generator => std::slice::from_ref(generator),
        };
        ostium_sys::set_current_thread_cpus(cpus).context("narrowing this thread's CPUs")?;
        let started = start();
        ostium_sys::set_current_thread_cpus(all).context("restoring this thread's CPUs")?;
        started
    }

    /// One line saying where everything runs.
    pub fn describe(&self) -> String {
        match self {
            Pinning::Cpus { servers, generator, .. } => format!(
                "servers (and every process and thread they start) on CPU {}, wrk on CPU \
                 {generator}",
                list(servers)
            ),
            Pinning::Off(why) => format!("off ({why}); servers and wrk share the CPUs"),
        }
    }
}

/// The plan for the allowed CPUs `all`.
fn split(all: Vec<usize>) -> Pinning {
    match &all[..] {
        [servers @ .., generator] if !servers.is_empty() => {
            Pinning::Cpus { servers: servers.to_vec(), generator: *generator, all: all.clone() }
        }
        _ => Pinning::Off("only one CPU is available"),
    }
}

/// `0`, `0,1`, …
fn list(cpus: &[usize]) -> String {
    cpus.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_takes_the_last_cpu() {
        let plan = split(vec![0, 1]);
        assert_eq!(plan, Pinning::Cpus { servers: vec![0], generator: 1, all: vec![0, 1] });
        assert_eq!(plan.server_cpus(), 1);
        assert!(plan.describe().contains("CPU 0, wrk on CPU 1"), "{}", plan.describe());
        let plan = split(vec![2, 3, 5]);
        assert_eq!(plan.server_cpus(), 2);
        assert!(plan.describe().contains("CPU 2,3, wrk on CPU 5"), "{}", plan.describe());
        assert!(matches!(split(vec![0]), Pinning::Off(_)));
    }

    #[test]
    fn a_child_inherits_the_cpus_and_this_thread_gets_them_back() {
        let all = ostium_sys::allowed_cpus().unwrap();
        let plan = split(all.clone());
        let Pinning::Cpus { servers, .. } = &plan else { return };
        let child =
            plan.spawn_on(Side::Server, || Ok(ostium_sys::allowed_cpus().unwrap())).unwrap();
        assert_eq!(&child, servers);
        assert_eq!(ostium_sys::allowed_cpus().unwrap(), all);
    }
}
