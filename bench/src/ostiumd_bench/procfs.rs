//! What `/proc` says about a server process: its resident memory, its children, and its
//! threads with their names and context switches.
//!
//! - `VmRSS` of `/proc/PID/status`: the pages of the process in memory (anonymous, file and
//!   shared), in KiB. It does not count what the kernel holds for the process's sockets
//!   (buffers, `struct sock`): that is the same for every server holding a connection.
//! - the parent (`ppid`, field 4 of `/proc/PID/stat`) of every process: a process's children
//!   are found among them (ostiumd's `exec` application, nginx's workers), since
//!   `/proc/PID/task/TID/children` exists only in kernels built with `CONFIG_PROC_CHILDREN`.
//! - `/proc/PID/task/TID/comm` and the `voluntary_ctxt_switches` and
//!   `nonvoluntary_ctxt_switches` lines of `/proc/PID/task/TID/status`: a thread that sleeps
//!   and is woken makes one voluntary switch, so an idle process whose threads' switches do
//!   not move has not woken.

use std::path::Path;

use anyhow::{Context, Result};

/// The resident memory of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    status_field(&text, "VmRSS:").with_context(|| format!("no VmRSS in {path}"))
}

/// The processes whose parent is process `pid`.
pub fn children(pid: u32) -> Result<Vec<u32>> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").context("listing /proc")? {
        let Some(child) = entry?.file_name().to_str().and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        // A process that exits between the listing and the read has no parent to give.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else { continue };
        if parent(&stat) == Some(pid) {
            children.push(child);
        }
    }
    Ok(children)
}

/// The parent's pid from the text of a `stat` file: the second field after the command
/// name, which may itself hold spaces and parentheses (so the last `)` ends it).
fn parent(stat: &str) -> Option<u32> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_ascii_whitespace().nth(1)?.parse().ok()
}

/// A thread of a process, as `/proc` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// Its name (`comm`): the name given to the thread, at most 15 bytes.
    pub name: String,
    /// Times it went to sleep and was woken.
    pub voluntary: u64,
    /// Times it was preempted.
    pub involuntary: u64,
}

impl Task {
    /// Context switches of both kinds.
    pub fn switches(&self) -> u64 {
        self.voluntary + self.involuntary
    }
}

/// The threads of process `pid` (those that exit while they are read are left out).
pub fn tasks(pid: u32) -> Result<Vec<Task>> {
    let mut tasks = Vec::new();
    for task in tasks_dir(pid)? {
        let (Ok(name), Ok(status)) = (
            std::fs::read_to_string(task.join("comm")),
            std::fs::read_to_string(task.join("status")),
        ) else {
            continue;
        };
        tasks.push(Task {
            name: name.trim_end().to_owned(),
            voluntary: status_field(&status, "voluntary_ctxt_switches:").unwrap_or(0),
            involuntary: status_field(&status, "nonvoluntary_ctxt_switches:").unwrap_or(0),
        });
    }
    Ok(tasks)
}

/// The context switches of all the threads of the processes `pids`, together.
pub fn switches(pids: &[u32]) -> Result<u64> {
    let mut total = 0;
    for &pid in pids {
        total += tasks(pid)?.iter().map(Task::switches).sum::<u64>();
    }
    Ok(total)
}

/// The directories of the threads of process `pid`.
fn tasks_dir(pid: u32) -> Result<Vec<std::path::PathBuf>> {
    let dir = format!("/proc/{pid}/task");
    let entries = std::fs::read_dir(&dir).with_context(|| format!("listing {dir}"))?;
    Ok(entries.filter_map(|entry| entry.ok()).map(|entry| entry.path()).collect())
}

/// The number that follows `name` on its line of a `status` file (`VmRSS:   3828 kB`).
fn status_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find_map(|line| line.strip_prefix(name))?;
    line.split_ascii_whitespace().next()?.parse().ok()
}

/// Whether `path` names a process that still exists (a zombie counts).
pub fn exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_read_by_name() {
        let status = "Name:\tx\nVmRSS:\t    3828 kB\nvoluntary_ctxt_switches:\t7\n\
                      nonvoluntary_ctxt_switches:\t2\n";
        assert_eq!(status_field(status, "VmRSS:"), Some(3828));
        assert_eq!(status_field(status, "voluntary_ctxt_switches:"), Some(7));
        assert_eq!(status_field(status, "nonvoluntary_ctxt_switches:"), Some(2));
        assert_eq!(status_field(status, "VmSwap:"), None);
    }

    #[test]
    fn the_parent_is_read_past_an_awkward_command_name() {
        assert_eq!(parent("4242 (a) b (c) S 17 4242 4242 0"), Some(17));
        assert_eq!(parent("garbage"), None);
    }

    #[test]
    fn this_process_has_memory_threads_and_a_child() {
        let me = std::process::id();
        assert!(rss_kib(me).unwrap() > 0);
        let tasks = tasks(me).unwrap();
        assert!(!tasks.is_empty());
        assert!(switches(&[me]).unwrap() >= tasks.iter().map(|t| t.voluntary).sum::<u64>());
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        assert!(children(me).unwrap().contains(&child.id()));
        assert!(exists(child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!exists(child.id()));
    }
}
