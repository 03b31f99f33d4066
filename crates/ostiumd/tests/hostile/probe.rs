//! What the probes share: root checks, child processes of this test binary, and readings
//! of a process from `/proc`.

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};

use crate::common::{
    Ostiumd, Response, TempDir, command_with_nofile, exec_app, read_response, wait_ready,
};
use std::time::Duration;

/// The uid the probes act as when they play another local user.
pub(crate) const NOBODY: u32 = 65534;

/// Whether this process is root; if not, says which probe is skipped and why.
pub(crate) fn root_or_skip(probe: &str) -> bool {
    let root = ostium_sys::effective_uid() == 0;
    if !root {
        eprintln!("skipped: {probe} needs root (to act as another user or set limits)");
    }
    root
}

/// Starts this test binary's ignored entry `entry` (its full path, `module::name`) with `env`, its standard output and
/// error piped, and its descriptor limit set to `nofile` if given.
pub(crate) fn spawn_entry(entry: &str, env: &[(&str, String)], nofile: Option<u32>) -> Child {
    command_with_nofile(&std::env::current_exe().unwrap(), nofile)
        .args([entry, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Starts ostiumd on an `http` forward to the test application (`exec`), with `settings`
/// lines before it and `options` lines in its block, its descriptor limit set to
/// `nofile` if given; waits until the application answers.
pub(crate) fn start_app(
    dir: &TempDir,
    settings: &str,
    options: &str,
    nofile: Option<u32>,
) -> Ostiumd {
    let config = format!(
        "{settings}forward http 127.0.0.1:0 to {} {{\n{options}  {}\n}}\n",
        dir.path().join("app.door").display(),
        exec_app()
    );
    let ostiumd = Ostiumd::start_with(dir, &config, &[], nofile);
    wait_ready(ostiumd.addr);
    ostiumd
}

/// `GET /` on a new connection, which fails (panics) unless answered within `within`:
/// what a client with a timeout sees.
pub(crate) fn get_within(addr: SocketAddr, within: Duration) -> Response {
    let stream = TcpStream::connect_timeout(&addr, within).unwrap();
    stream.set_read_timeout(Some(within)).unwrap();
    (&stream).write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    read_response(&mut BufReader::new(stream), false)
}

pub(crate) use ostium_test_support::proc::{cpu_time, rss};

/// Reads the child's standard output until a line holding `prefix` (libtest may have
/// written the test's name before it), and returns the rest of that line.
pub(crate) fn read_line_from(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    prefix: &str,
) -> String {
    for line in lines {
        let line = line.unwrap();
        if let Some(at) = line.find(prefix) {
            return line[at + prefix.len()..].to_owned();
        }
    }
    panic!("the child ended without a line {prefix:?}");
}
