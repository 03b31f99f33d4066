//! Building and running real C programs against libdoor: the `cc` (and `c++`) of the
//! machine, the headers of `include/`, and the `libdoor.so`/`libdoor.a` cargo built next
//! to this test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// Where cargo put the libdoor it built for this test: beside the test binary
/// (`target/<profile>/deps`). The copy in `target/<profile>` is refreshed only when the
/// library itself is what cargo was asked to build, so it may be stale.
pub(crate) fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe.parent().expect("target/<profile>/deps");
    assert!(dir.join("libdoor.so").exists(), "libdoor.so in {}", dir.display());
    dir.to_path_buf()
}

/// The crate's `include/`.
pub(crate) fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// A C source of `tests/c/`.
#[allow(dead_code)] // Used by some of the test files that include this module.
pub(crate) fn source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c").join(name)
}

/// A program of the repository's `examples/c/`.
#[allow(dead_code)] // Used by some of the test files that include this module.
pub(crate) fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/c").join(format!("{name}.c"))
}

/// How a program is built.
#[derive(Clone, Copy, Debug)]
#[allow(dead_code)] // Each test file that includes this module uses some of the ways.
pub(crate) enum Build {
    /// C99, linked with libdoor.so.
    C99,
    /// The same source as C++ (the headers' `extern "C"`), linked with libdoor.so.
    Cxx,
    /// C99, linked with libdoor.a.
    Static,
}

/// Compiles `source` into `dir` as `build` says, with every warning an error.
pub(crate) fn compile(source: &Path, dir: &Path, build: Build) -> PathBuf {
    // Tests run at once may build one source: each build has a file of its own (running a
    // file another build is writing fails with ETXTBSY).
    static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let build_number = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = source.file_stem().unwrap().to_string_lossy();
    let out = dir.join(format!("{name}-{build:?}-{build_number}"));
    let lib = lib_dir();
    let mut cc = match build {
        Build::Cxx => {
            let mut cxx = Command::new("c++");
            cxx.args(["-x", "c++", "-std=c++11"]);
            cxx
        }
        Build::C99 | Build::Static => {
            let mut cc = Command::new("cc");
            cc.arg("-std=c99");
            cc
        }
    };
    cc.args(["-Wall", "-Wextra", "-Werror", "-pedantic", "-D_POSIX_C_SOURCE=200809L", "-I"])
        .arg(include_dir())
        .arg(source)
        .arg("-o")
        .arg(&out);
    match build {
        Build::Static => {
            cc.arg(lib.join("libdoor.a")).args(["-lpthread", "-ldl", "-lm", "-lrt"]);
        }
        Build::C99 | Build::Cxx => {
            // DT_RPATH, not DT_RUNPATH: cargo's LD_LIBRARY_PATH, which children inherit,
            // names target/<profile> first, where a stale libdoor.so may lie.
            cc.arg("-L").arg(&lib).arg("-ldoor").arg(format!("-Wl,-rpath,{}", lib.display()));
            cc.arg("-Wl,--disable-new-dtags");
            cc.arg("-lpthread");
        }
    }
    let output = cc.output().expect("running the C compiler (apt-get install gcc g++)");
    assert!(output.status.success(), "{build:?} build of {name} failed:\n{}", text(&output));
    out
}

/// Runs `program` with `args`, killed if it takes longer than 30 s.
#[allow(dead_code)] // Used by some of the test files that include this module.
pub(crate) fn run(program: &Path, args: &[&str]) -> Output {
    let mut child = Command::new("timeout")
        .arg("30")
        .arg(program)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the program");
    let _ = child.stdin.take();
    child.wait_with_output().expect("its output")
}

/// A program's stdout and stderr, for a failure message.
pub(crate) fn text(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A C door server (`program DOOR`, which prints "ready" once its door is attached),
/// serving until dropped.
#[allow(dead_code)] // Used by some of the test files that include this module.
pub(crate) struct Server(Child);

#[allow(dead_code)] // Used by some of the test files that include this module.
impl Server {
    pub(crate) fn start(program: &Path, door: &Path) -> Server {
        Server::start_with(Command::new(program).arg(door))
    }

    /// Starts `command`, a C door server that prints "ready" once its doors are attached.
    pub(crate) fn start_with(command: &mut Command) -> Server {
        let program = PathBuf::from(command.get_program());
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready).unwrap();
        assert_eq!(ready, "ready\n", "{} attached its door", program.display());
        Server(child)
    }

    /// Starts `program DOOR`, which says nothing, and waits until its door answers.
    pub(crate) fn start_quiet(program: &Path, door: &Path) -> Server {
        let server = Server(Command::new(program).arg(door).spawn().unwrap());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while ostium::Client::open(door).is_err() {
            assert!(std::time::Instant::now() < deadline, "{} never served", program.display());
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        server
    }

    pub(crate) fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A child process killed (and reaped) when dropped, even when a test panics: a child left
/// running would keep the test's output pipe open.
#[allow(dead_code)] // Used by some of the test files that include this module.
pub(crate) struct Reaped(pub(crate) Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
