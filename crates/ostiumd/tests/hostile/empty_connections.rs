//! Connections that send nothing at all. They used to be held for `idle-timeout` (60 s),
//! six times as long as a slowloris connection trickling its headers; now the first byte is
//! due within `header-timeout`, and the others are served meanwhile.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::{TempDir, get};
use crate::probe::start_app;

/// Empty connections the probe opens.
const EMPTY: usize = 200;

#[test]
fn empty_connections_are_closed_at_the_header_timeout_not_the_idle_timeout() {
    let dir = TempDir::new("empty-connections");
    let options = "  header-timeout 1s\n  idle-timeout 60s\n";
    let ostiumd = start_app(&dir, "", options, None);
    let opened = Instant::now();
    let empty: Vec<TcpStream> =
        (0..EMPTY).map(|_| TcpStream::connect(ostiumd.addr).unwrap()).collect();
    // Served meanwhile.
    assert_eq!(get(ostiumd.addr, "/").status, 200);
    for mut stream in empty {
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut buf = [0u8; 64];
        // Closed without a word: the end of the stream, nothing before it.
        assert_eq!(stream.read(&mut buf).unwrap(), 0);
    }
    let held = opened.elapsed();
    assert!(
        held < Duration::from_secs(20),
        "empty connections were held {held:?}, as if idle-timeout applied"
    );
}
