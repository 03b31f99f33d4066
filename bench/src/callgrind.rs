//! `Callgrind`: a server run under valgrind's callgrind tool, to count the instructions it
//! executes in user space during the measurement window.
//!
//! Valgrind runs the server on a synthetic CPU and counts every instruction the server's
//! threads execute (`Ir`, "instructions read"), its own code and its libraries', but not the
//! kernel's: exactly the part of the server's cost that differs between two servers making
//! the same system calls. The count does not depend on the machine's speed or load, so it
//! repeats from run to run where CPU times do not.
//!
//! Each server is started as `valgrind --tool=callgrind --callgrind-out-file=DIR/NAME.%p.out
//! SERVER ARGS` (valgrind loads the server into the process it started as, so the pid is the
//! server's, and `%p` is that pid). At the window's opening `callgrind_control --zero PID`
//! clears the counters; at its closing `callgrind_control --dump PID` writes them to a new
//! file, `NAME.PID.out.1` (the part number grows with each dump; with `--separate-threads=yes`
//! there would be one file per thread, `.out.1-01`, `.out.1-02`, … and [`Callgrind::dump`]
//! adds them up). `--collect-atstart=no` with `callgrind_control --instr=on/off` would do
//! too, but zeroing keeps the warm-up's code translated and the counting state simple.
//!
//! `callgrind_control` reaches the process through vgdb, valgrind's gdbserver relay; a
//! server blocked in a system call is woken with ptrace, which a restrictive
//! `kernel.yama.ptrace_scope` may forbid: the commands then time out with a message that
//! says so. `callgrind_control` exits with status 0 even when it fails, so its answer is
//! read for `OK.`. The vgdb FIFOs go into DIR too (`--vgdb-prefix`), and [`Callgrind::tidy`]
//! removes them, and the empty final-dump files of the servers that were killed, once the
//! servers are gone; the dumps are kept for `callgrind_annotate`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

/// How long a `callgrind_control` command may take (it usually takes a fraction of a second).
const CONTROL_TIMEOUT: Duration = Duration::from_secs(30);

/// Valgrind's callgrind tool, found on `PATH`, and the directory its profiles go to.
#[derive(Clone, Debug)]
pub struct Callgrind {
    valgrind: PathBuf,
    control: PathBuf,
    dir: PathBuf,
    version: String,
}

/// What a dump counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dump {
    /// Instructions executed in user space since the counters were last zeroed or dumped,
    /// all threads together.
    pub instructions: u64,
    /// The files the dump was written to (one, unless threads are separated).
    pub files: Vec<PathBuf>,
}

impl Callgrind {
    /// Finds `valgrind` and `callgrind_control` on `PATH`, and creates `dir` for the profiles.
    pub fn find(dir: PathBuf) -> Result<Callgrind> {
        const INSTALL: &str = "install valgrind (`apt-get install valgrind`; it provides \
                               callgrind_control too)";
        let valgrind =
            on_path("valgrind").with_context(|| format!("valgrind is not on PATH: {INSTALL}"))?;
        let control = on_path("callgrind_control")
            .with_context(|| format!("callgrind_control is not on PATH: {INSTALL}"))?;
        let out = Command::new(&valgrind)
            .arg("--version")
            .output()
            .with_context(|| format!("running {} --version", valgrind.display()))?;
        ensure!(
            out.status.success(),
            "{} --version failed ({}): {INSTALL}",
            valgrind.display(),
            out.status
        );
        let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Callgrind { valgrind, control, dir, version })
    }

    /// Valgrind's version, as `valgrind --version` says it (`valgrind-3.19.0`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Where the profiles go.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The program and arguments that run `program args` under callgrind, its profiles
    /// named after `name`.
    pub fn wrap(&self, name: &str, program: &Path, args: &[&str]) -> (PathBuf, Vec<OsString>) {
        let mut wrapped: Vec<OsString> = vec![
            "--tool=callgrind".into(),
            flag("--callgrind-out-file=", &self.dir.join(format!("{name}.%p.out"))),
            "--vgdb=yes".into(),
            flag("--vgdb-prefix=", &self.vgdb_prefix()),
            program.into(),
        ];
        wrapped.extend(args.iter().map(OsString::from));
        (self.valgrind.clone(), wrapped)
    }

    /// Sets the counters of the callgrind run `pid` to zero.
    pub fn zero(&self, pid: u32) -> Result<()> {
        self.control("--zero", pid)
    }

    /// Writes the counters of the callgrind run `pid`, started by [`wrap`](Callgrind::wrap)
    /// as `name`, to a new dump, and returns what it counted.
    pub fn dump(&self, name: &str, pid: u32) -> Result<Dump> {
        let prefix = format!("{name}.{pid}.out.");
        let before = latest_part(&self.file_names()?, &prefix).map_or(0, |(part, _)| part);
        self.control("--dump", pid)?;
        let names = self.file_names()?;
        let Some((part, files)) = latest_part(&names, &prefix).filter(|&(part, _)| part > before)
        else {
            bail!(
                "callgrind_control --dump {pid} wrote no {prefix}N file in {}",
                self.dir.display()
            )
        };
        let mut dump = Dump { instructions: 0, files: Vec::new() };
        for file in files {
            let path = self.dir.join(file);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            dump.instructions += instructions(&text)
                .with_context(|| format!("parsing {} (dump part {part})", path.display()))?;
            dump.files.push(path);
        }
        Ok(dump)
    }

    /// Removes what the runs left behind that holds nothing: vgdb's FIFOs and shared-memory
    /// files, the empty files of the final dumps that killed servers never wrote, and the
    /// directory itself if no dump is left in it. Call it once no server runs; what cannot be
    /// removed is left.
    pub fn tidy(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let vgdb = name.to_string_lossy().starts_with("vgdb-");
            let empty = entry.metadata().is_ok_and(|m| m.is_file() && m.len() == 0);
            if vgdb || empty {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        // Fails, as it should, unless the directory is empty.
        let _ = std::fs::remove_dir(&self.dir);
    }

    fn vgdb_prefix(&self) -> PathBuf {
        self.dir.join("vgdb")
    }

    /// The names of the files in the profile directory.
    fn file_names(&self) -> Result<Vec<String>> {
        let entries = std::fs::read_dir(&self.dir)
            .with_context(|| format!("listing {}", self.dir.display()))?;
        let mut names = Vec::new();
        for entry in entries {
            if let Ok(name) = entry?.file_name().into_string() {
                names.push(name);
            }
        }
        Ok(names)
    }

    /// Runs `callgrind_control ACTION PID` and checks that it answered `OK.`.
    fn control(&self, action: &str, pid: u32) -> Result<()> {
        let command = format!("callgrind_control {action} {pid}");
        let mut child = Command::new(&self.control)
            .arg(flag("--vgdb-prefix=", &self.vgdb_prefix()))
            .arg(action)
            .arg(pid.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", self.control.display()))?;
        let deadline = Instant::now() + CONTROL_TIMEOUT;
        while child.try_wait()?.is_none() {
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "{command} did not finish within {CONTROL_TIMEOUT:?}: vgdb may not be allowed \
                     to ptrace the server to wake it (see /proc/sys/kernel/yama/ptrace_scope)"
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let out = child.wait_with_output()?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ensure!(
            text.lines().any(|line| line.trim() == "OK."),
            "{command} did not answer OK ({}): {}",
            out.status,
            text.trim()
        );
        Ok(())
    }
}

/// `Ir` from the text of a callgrind dump: the value at `Ir`'s place among the `events:` in
/// the `totals:` line (or, in a file without one, the `summary:` line). A line shorter than
/// the events has zeroes for the missing ones, as in every callgrind cost line.
pub fn instructions(text: &str) -> Result<u64> {
    let (mut events, mut totals, mut summary) = (None, None, None);
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("events:") {
            events = Some(rest);
        } else if let Some(rest) = line.strip_prefix("totals:") {
            totals = Some(rest);
        } else if let Some(rest) = line.strip_prefix("summary:") {
            summary = Some(rest);
        }
    }
    let events = events.context("no `events:` line")?;
    let Some(index) = events.split_whitespace().position(|event| event == "Ir") else {
        bail!("Ir is not among the events ({})", events.trim())
    };
    let (line, costs) = match (totals, summary) {
        (Some(costs), _) => ("totals", costs),
        (None, Some(costs)) => ("summary", costs),
        (None, None) => bail!("no `totals:` or `summary:` line"),
    };
    match costs.split_whitespace().nth(index) {
        None => Ok(0),
        Some(value) => {
            value.parse().with_context(|| format!("the {line} line's Ir {value:?} is not a number"))
        }
    }
}

/// Of the dump files among `names` that start with `prefix` (`NAME.PID.out.`), the highest
/// part number and its files: `PREFIX<part>`, or `PREFIX<part>-<thread>` for each thread when
/// threads are separated.
fn latest_part<'a>(names: &'a [String], prefix: &str) -> Option<(u64, Vec<&'a str>)> {
    let part = |name: &str| -> Option<u64> {
        let suffix = name.strip_prefix(prefix)?;
        let (part, thread) = match suffix.split_once('-') {
            Some((part, thread)) => (part, Some(thread)),
            None => (suffix, None),
        };
        if thread.is_some_and(|t| t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let latest = names.iter().filter_map(|name| part(name)).max()?;
    let mut files: Vec<&str> =
        names.iter().map(String::as_str).filter(|name| part(name) == Some(latest)).collect();
    files.sort_unstable();
    Some((latest, files))
}

/// `--name=PATH`, for a path that may not be UTF-8.
fn flag(name: &str, path: &Path) -> OsString {
    let mut flag = OsString::from(name);
    flag.push(path);
    flag
}

/// `program` in a directory of `PATH`.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|file| file.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head of a dump as callgrind 3.19 writes it, and its last line.
    const DUMP: &str = "# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 23398
cmd:  /work/main/target/release/tokio-echo --listen 127.0.0.1:0
part: 1

desc: I1 cache: 
desc: Timerange: Basic block 0 - 83172
desc: Trigger: dump

positions: line
events: Ir
summary: 894


ob=(1) /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
fl=(1) ???
fn=(0) 0x000000000001ab70
calls=0 0 
0 894

totals: 894
";

    #[test]
    fn the_instructions_are_read_from_the_totals() {
        assert_eq!(instructions(DUMP).unwrap(), 894);
        let totals_differ = DUMP.replace("totals: 894", "totals: 1000");
        assert_eq!(instructions(&totals_differ).unwrap(), 1000);
        let no_totals = DUMP.replace("totals: 894\n", "");
        assert_eq!(instructions(&no_totals).unwrap(), 894);
    }

    #[test]
    fn ir_is_found_among_several_events() {
        let text = "events: Dr Ir Dw\nsummary: 5 6 7\ntotals: 50 60 70\n";
        assert_eq!(instructions(text).unwrap(), 60);
        // Events a cost line leaves out count zero.
        assert_eq!(instructions("events: Dr Ir\ntotals: 5\n").unwrap(), 0);
    }

    #[test]
    fn a_dump_without_ir_or_totals_is_an_error() {
        assert!(instructions("").is_err());
        assert!(instructions("events: Dr Dw\ntotals: 1 2\n").is_err());
        assert!(instructions("events: Ir\nfn=(1) main\n0 5\n").is_err());
        assert!(instructions("events: Ir\ntotals: many\n").is_err());
    }

    #[test]
    fn the_latest_dump_part_is_chosen_with_all_its_threads() {
        let names: Vec<String> = [
            "ostium.77.out",
            "ostium.77.out.1",
            "ostium.77.out.2-01",
            "ostium.77.out.2-02",
            "ostium.77.out.10",
            "ostium.7.out.11",
            "ostium.77.out.12x",
            "tokio.77.out.13",
            "vgdb-pipe-from-vgdb-to-77-by-root-on-host",
        ]
        .map(String::from)
        .into();
        assert_eq!(latest_part(&names, "ostium.77.out."), Some((10, vec!["ostium.77.out.10"])));
        let threads = &names[..4];
        assert_eq!(
            latest_part(threads, "ostium.77.out."),
            Some((2, vec!["ostium.77.out.2-01", "ostium.77.out.2-02"]))
        );
        assert_eq!(latest_part(&names[..1], "ostium.77.out."), None);
    }

    #[test]
    fn the_server_runs_under_callgrind_with_its_own_arguments() {
        let callgrind = Callgrind {
            valgrind: "/usr/bin/valgrind".into(),
            control: "/usr/bin/callgrind_control".into(),
            dir: "/tmp/profiles".into(),
            version: "valgrind-3.19.0".into(),
        };
        let (program, args) =
            callgrind.wrap("ostium", Path::new("/bin/echo-server"), &["--x", "1"]);
        assert_eq!(program, Path::new("/usr/bin/valgrind"));
        let args: Vec<_> = args.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            args,
            [
                "--tool=callgrind",
                "--callgrind-out-file=/tmp/profiles/ostium.%p.out",
                "--vgdb=yes",
                "--vgdb-prefix=/tmp/profiles/vgdb",
                "/bin/echo-server",
                "--x",
                "1"
            ]
        );
    }
}
