//! Watching descriptors the service owns: a door-like SEQPACKET connection whose messages
//! (and the descriptors they carry) the service receives itself, one per callback.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use common::{next, spawn_loop, unique_path};
use ostium_reactor::{Buffer, ConnId, Context, Flow, Readiness, Service, WatchId};
use ostium_sys::unix::{SeqpacketConn, SeqpacketListener};
use ostium_sys::{Interest, udp_bind};
use ostium_test_support::proc::{current_tid, thread_switches as context_switches};

#[derive(Debug)]
enum Seen {
    Started { tid: u32 },
    Message(Vec<u8>, Vec<OwnedFd>),
    EndOfStream(Readiness),
    NothingToRead,
}

/// Watches one SEQPACKET connection and reports each message it receives, one message per
/// callback (level-triggered readiness brings it back for the next).
struct DoorWatcher {
    conn: Option<SeqpacketConn>,
    watch: Option<WatchId>,
    seen: Sender<Seen>,
}

impl DoorWatcher {
    fn conn(&self) -> &SeqpacketConn {
        self.conn.as_ref().expect("the service still owns its connection")
    }
}

impl Service for DoorWatcher {
    fn on_start(&mut self, cx: &mut Context<'_>) {
        let watch = cx.watch(self.conn(), Interest::READABLE).unwrap();
        self.watch = Some(watch);
        self.seen.send(Seen::Started { tid: current_tid() }).unwrap();
    }

    fn on_data(&mut self, _: &mut Context<'_>, _: ConnId, _: &mut Buffer, _: &mut Buffer) -> Flow {
        Flow::Keep
    }

    fn on_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) {
        assert_eq!(Some(watch), self.watch);
        let mut buf = [0u8; 256];
        let mut fds = Vec::new();
        match self.conn().recv(&mut buf, &mut fds) {
            Ok(got) if got.len == 0 => {
                assert!(cx.unwatch(watch));
                self.seen.send(Seen::EndOfStream(ready)).unwrap();
            }
            Ok(got) => self.seen.send(Seen::Message(buf[..got.len].to_vec(), fds)).unwrap(),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                self.seen.send(Seen::NothingToRead).unwrap()
            }
            Err(err) => panic!("recv: {err}"),
        }
    }
}

/// A connected pair through a listener in the temporary directory, as a door and its
/// caller have: (the caller's end, the end the service watches, non-blocking).
fn door_pair() -> (SeqpacketConn, SeqpacketConn) {
    let path = unique_path("watch");
    let listener = SeqpacketListener::bind(&path, 8).unwrap();
    let peer = SeqpacketConn::connect(&path).unwrap();
    let served = listener.accept().unwrap();
    served.set_nonblocking(true).unwrap();
    std::fs::remove_file(&path).unwrap();
    (peer, served)
}

fn start(served: SeqpacketConn) -> (ostium_reactor::LoopHandle<DoorWatcher>, Receiver<Seen>, u32) {
    let (tx, rx) = mpsc::channel();
    let (handle, _thread) = spawn_loop(DoorWatcher { conn: Some(served), watch: None, seen: tx });
    let Seen::Started { tid } = next(&rx) else { panic!("not started") };
    (handle, rx, tid)
}

#[test]
fn messages_and_a_passed_descriptor_reach_the_service_one_per_callback() {
    let (peer, served) = door_pair();
    let (handle, rx, _) = start(served);

    // Three messages queued at once: each comes in its own callback, none is lost.
    let (mut pipe_read, pipe_write) = std::io::pipe().unwrap();
    peer.send(b"first", &[]).unwrap();
    peer.send(b"with a pipe", &[pipe_write.as_fd()]).unwrap();
    peer.send(b"third", &[]).unwrap();
    drop(pipe_write);
    let mut received = Vec::new();
    while received.len() < 3 {
        match next(&rx) {
            Seen::Message(bytes, fds) => received.push((bytes, fds)),
            Seen::NothingToRead => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((received[0].0.as_slice(), received[0].1.len()), (&b"first"[..], 0));
    assert_eq!(received[1].0, b"with a pipe");
    assert_eq!(received[1].1.len(), 1);
    assert_eq!(received[2].0, b"third");

    // The descriptor that arrived is the pipe the peer sent.
    let mut passed = File::from(received[1].1.pop().unwrap());
    passed.write_all(b"through").unwrap();
    drop(passed);
    let mut out = Vec::new();
    pipe_read.read_to_end(&mut out).unwrap();
    assert_eq!(out, b"through");

    // The peer closing is readable end of stream, with the hang-up said.
    drop(peer);
    match next(&rx) {
        Seen::EndOfStream(ready) => {
            assert!(ready.is_readable() && ready.is_read_closed(), "{ready:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    handle.stop().unwrap();
}

#[test]
fn after_unwatch_the_peer_writing_brings_no_callback_and_the_loop_keeps_no_copy() {
    let (peer, served) = door_pair();
    let (handle, rx, _) = start(served);
    peer.send(b"one", &[]).unwrap();
    assert!(matches!(next(&rx), Seen::Message(bytes, _) if bytes == b"one"));

    let (done_tx, done_rx) = mpsc::channel();
    handle
        .post(move |service: &mut DoorWatcher, cx: &mut Context<'_>| {
            let watch = service.watch.unwrap();
            let was = cx.unwatch(watch);
            let again = cx.unwatch(watch);
            let paused = cx.set_watch_interest(watch, Interest::READABLE).map_err(|e| e.kind());
            done_tx.send((was, again, paused, cx.watch_count())).unwrap();
        })
        .unwrap();
    let outcome = next(&done_rx);
    assert_eq!(outcome, (true, false, Err(std::io::ErrorKind::NotFound), 0));

    peer.send(b"unheard", &[]).unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "a callback came for an unwatched descriptor"
    );

    // The service's descriptor is still open and its own: it can still read and send.
    let (sent_tx, sent_rx) = mpsc::channel();
    handle
        .post(move |service: &mut DoorWatcher, _: &mut Context<'_>| {
            let mut buf = [0u8; 16];
            let got = service.conn().recv(&mut buf, &mut Vec::new()).unwrap();
            service.conn().send(b"still mine", &[]).unwrap();
            // Dropping it now closes the connection: the loop kept no duplicate.
            service.conn = None;
            sent_tx.send(buf[..got.len].to_vec()).unwrap();
        })
        .unwrap();
    assert_eq!(next(&sent_rx), b"unheard");
    peer.set_read_timeout(Some(common::PATIENCE)).unwrap();
    let mut buf = [0u8; 16];
    let got = peer.recv(&mut buf, &mut Vec::new()).unwrap();
    assert_eq!(&buf[..got.len], b"still mine");
    assert_eq!(peer.recv(&mut buf, &mut Vec::new()).unwrap().len, 0, "end of stream");
    handle.stop().unwrap();
}

#[test]
fn a_paused_watch_is_silent_and_reports_what_waited_when_resumed() {
    let (peer, served) = door_pair();
    let (handle, rx, _) = start(served);
    let (paused_tx, paused_rx) = mpsc::channel();
    let set = move |interest: Option<Interest>| {
        let paused_tx = paused_tx.clone();
        move |service: &mut DoorWatcher, cx: &mut Context<'_>| {
            cx.set_watch_interest(service.watch.unwrap(), interest).unwrap();
            paused_tx.send(()).unwrap();
        }
    };
    handle.post(set(None)).unwrap();
    next(&paused_rx);
    peer.send(b"waiting", &[]).unwrap();
    drop(peer);
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "a paused watch reported");

    handle.post(set(Some(Interest::READABLE))).unwrap();
    next(&paused_rx);
    assert!(matches!(next(&rx), Seen::Message(bytes, _) if bytes == b"waiting"));
    assert!(matches!(next(&rx), Seen::EndOfStream(_)));
    handle.stop().unwrap();
}

#[test]
fn idle_watched_descriptors_cost_no_wakeups() {
    let (_peer, served) = door_pair();
    let (handle, _rx, tid) = start(served);
    // A UDP socket too, watched for reading, with no one sending.
    let udp = std::sync::Arc::new(udp_bind("127.0.0.1:0".parse().unwrap()).unwrap());
    let (watched_tx, watched_rx) = mpsc::channel();
    let socket = std::sync::Arc::clone(&udp);
    handle
        .post(move |_: &mut DoorWatcher, cx: &mut Context<'_>| {
            cx.watch(&*socket, Interest::READABLE).unwrap();
            watched_tx.send(cx.watch_count()).unwrap();
        })
        .unwrap();
    assert_eq!(next(&watched_rx), 2);

    std::thread::sleep(Duration::from_millis(200));
    let before = context_switches(tid);
    std::thread::sleep(Duration::from_secs(1));
    let woken = context_switches(tid) - before;
    assert_eq!(woken, 0, "the loop thread was woken {woken} times in 1 s with idle watches");
    handle.stop().unwrap();
}
