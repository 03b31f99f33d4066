//! The `raw-lanes` peer: a raw `SOCK_SEQPACKET` ping-pong that keeps each call on the
//! caller's CPU the way door lanes do, without the door. It is the floor a door call with
//! lanes is held to (DESIGN.md §2's first probe, as a peer).
//!
//! A caller keeps one connection per CPU and, before each call, takes the one of the CPU
//! it runs on (`sched_getcpu`). A connection's first message names that CPU (4 bytes,
//! little-endian); the server's thread for the connection pins itself there and then
//! echoes every message back.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use ostium_sys::unix::{SeqpacketConn, SeqpacketListener};

use super::peer::{Caller, RAW_BUFFER};

/// Accepts connections on `listener`, a thread each, until the process exits.
pub fn accept(listener: &SeqpacketListener) {
    loop {
        match listener.accept() {
            Ok(conn) => {
                let spawned =
                    std::thread::Builder::new().name("raw-lane".into()).spawn(move || serve(&conn));
                if let Err(err) = spawned {
                    eprintln!("door-bench: raw-lanes server: starting a thread: {err}");
                }
            }
            Err(err) => {
                eprintln!("door-bench: raw-lanes server: accept: {err}");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}

/// Reads the connection's CPU, keeps to it, then echoes until the client goes.
fn serve(conn: &SeqpacketConn) {
    let mut buf = vec![0u8; RAW_BUFFER];
    let mut fds = Vec::new();
    let Ok(first) = conn.recv(&mut buf, &mut fds) else { return };
    let Ok(cpu) = <[u8; 4]>::try_from(&buf[..first.len]) else { return };
    if let Err(err) = ostium_sys::pin_current_thread(u32::from_le_bytes(cpu) as usize) {
        eprintln!("door-bench: raw-lanes server: pinning: {err}");
    }
    while let Ok(received) = conn.recv(&mut buf, &mut fds) {
        fds.clear();
        if received.len == 0 || conn.send(&buf[..received.len], &[]).is_err() {
            return;
        }
    }
}

/// A caller with a connection per CPU, made when first called from that CPU.
pub struct LaneCaller {
    path: PathBuf,
    conns: Vec<Option<SeqpacketConn>>,
    buf: Vec<u8>,
    fds: Vec<OwnedFd>,
}

impl LaneCaller {
    /// A caller of the server at `path` (connecting to check it is there).
    pub fn connect(path: &Path) -> Result<LaneCaller> {
        let mut caller = LaneCaller {
            path: path.to_path_buf(),
            conns: Vec::new(),
            buf: vec![0; RAW_BUFFER],
            fds: Vec::new(),
        };
        caller.connect_lane(ostium_sys::current_cpu())?;
        Ok(caller)
    }

    /// Makes the connection of `cpu` unless there is one.
    fn connect_lane(&mut self, cpu: usize) -> Result<()> {
        if self.conns.len() <= cpu {
            self.conns.resize_with(cpu + 1, || None);
        }
        if self.conns[cpu].is_none() {
            let conn = SeqpacketConn::connect(&self.path)
                .with_context(|| format!("connecting to {}", self.path.display()))?;
            let lane = u32::try_from(cpu).context("a CPU number past u32")?;
            conn.send(&lane.to_le_bytes(), &[]).context("raw-lanes: naming the CPU")?;
            self.conns[cpu] = Some(conn);
        }
        Ok(())
    }
}

impl Caller for LaneCaller {
    fn call(&mut self, args: &[u8]) -> Result<&[u8]> {
        let cpu = ostium_sys::current_cpu();
        self.connect_lane(cpu)?;
        let conn = self.conns[cpu].as_ref().context("no connection for this CPU")?;
        conn.send(args, &[]).context("raw-lanes send")?;
        let received = conn.recv(&mut self.buf, &mut self.fds).context("raw-lanes recv")?;
        self.fds.clear();
        ensure!(received.len > 0, "the raw-lanes server closed the connection");
        Ok(&self.buf[..received.len])
    }
}
