//! UDP through the loop: each of two loops watches its member of a `SO_REUSEPORT` group
//! and echoes datagrams from `on_ready`; the kernel spreads clients over both.

mod common;

use std::io;
use std::net::{Ipv6Addr, SocketAddr};
use std::sync::mpsc::{self, Sender};

use common::{PATIENCE, next, spawn_loop};
use ostium_reactor::{
    Buffer, ConnId, Context, Flow, Readiness, Service, WatchId, udp_socket_group,
};
use ostium_sys::{Interest, UdpSocket};

/// Datagrams answered per readiness before the loop turns to its other work; any left are
/// reported again at the next turn (watches are level-triggered).
const DATAGRAMS_PER_CALLBACK: usize = 16;

/// Echoes each datagram with its loop's number in front.
struct UdpEcho {
    shard: u8,
    socket: UdpSocket,
    started: Sender<()>,
}

impl Service for UdpEcho {
    fn on_start(&mut self, cx: &mut Context<'_>) {
        cx.watch(&self.socket, Interest::READABLE).unwrap();
        self.started.send(()).unwrap();
    }

    fn on_data(&mut self, _: &mut Context<'_>, _: ConnId, _: &mut Buffer, _: &mut Buffer) -> Flow {
        Flow::Keep
    }

    fn on_ready(&mut self, _: &mut Context<'_>, _: WatchId, _: Readiness) {
        let mut buf = [0u8; 65536];
        for _ in 0..DATAGRAMS_PER_CALLBACK {
            let (len, from) = match self.socket.recv_from(&mut buf[1..]) {
                Ok(got) => got,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) => panic!("recv_from: {err}"),
            };
            buf[0] = self.shard;
            // A full send buffer drops the answer, as UDP may; loopback has room.
            self.socket.send_to(&buf[..=len], from).unwrap();
        }
    }
}

fn echo_through_two_loops(any: SocketAddr) {
    let group = udp_socket_group(any, 2).unwrap();
    let addr = group[0].local_addr().unwrap();
    let (started_tx, started_rx) = mpsc::channel();
    let handles: Vec<_> = group
        .into_iter()
        .enumerate()
        .map(|(shard, socket)| {
            let started = started_tx.clone();
            spawn_loop(UdpEcho { shard: shard as u8, socket, started }).0
        })
        .collect();
    next(&started_rx);
    next(&started_rx);

    // Each client has its own source port, which the kernel hashes to pick a member.
    let mut per_loop = [0usize; 2];
    for i in 0..64u32 {
        let client = std::net::UdpSocket::bind(SocketAddr::new(any.ip(), 0)).unwrap();
        client.set_read_timeout(Some(PATIENCE)).unwrap();
        let payload = format!("datagram {i}");
        client.send_to(payload.as_bytes(), addr).unwrap();
        let mut reply = [0u8; 64];
        let (len, from) = client.recv_from(&mut reply).unwrap();
        assert_eq!(from, addr);
        assert_eq!(&reply[1..len], payload.as_bytes());
        per_loop[usize::from(reply[0])] += 1;
    }
    assert!(per_loop.iter().all(|&n| n > 0), "datagrams per loop: {per_loop:?}");

    // A burst larger than one callback's budget is answered in full, over several turns.
    let client = std::net::UdpSocket::bind(SocketAddr::new(any.ip(), 0)).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    for i in 0..(3 * DATAGRAMS_PER_CALLBACK as u32) {
        client.send_to(&i.to_be_bytes(), addr).unwrap();
    }
    let mut answered: Vec<u32> = (0..3 * DATAGRAMS_PER_CALLBACK)
        .map(|_| {
            let mut reply = [0u8; 8];
            let (len, _) = client.recv_from(&mut reply).unwrap();
            assert_eq!(len, 5);
            u32::from_be_bytes(reply[1..5].try_into().unwrap())
        })
        .collect();
    answered.sort_unstable();
    assert_eq!(answered, (0..3 * DATAGRAMS_PER_CALLBACK as u32).collect::<Vec<_>>());

    for handle in handles {
        handle.stop().unwrap();
    }
}

#[test]
fn two_loops_on_one_ipv4_port_echo_every_datagram() {
    echo_through_two_loops("127.0.0.1:0".parse().unwrap());
}

#[test]
fn two_loops_on_one_ipv6_port_echo_every_datagram() {
    let any = SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 0);
    if let Err(err) = std::net::UdpSocket::bind(any) {
        eprintln!("skipped: this machine has no IPv6 loopback ({err})");
        return;
    }
    echo_through_two_loops(any);
}
