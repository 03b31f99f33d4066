//! A door that hands each caller an open file: the caller names a file in the arguments and
//! gets back a descriptor for it, opened read-only by the server (which may be able to open
//! files the caller cannot: the door decides, knowing who calls).
//!
//! `cargo run -p ostium --example door-fd-server -- PATH`, then
//! `cargo run -p ostium --example door-fd-client -- PATH /etc/hostname`.

use std::time::Duration;

use ostium::wire::Fault;
use ostium::{Door, DoorOptions, Response};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "/tmp/files.door".into());
    let door = Door::create(&path, DoorOptions::default(), |request| {
        let Ok(name) = std::str::from_utf8(request.args) else {
            return Response::fault(Fault::BadMessage);
        };
        match std::fs::File::open(name) {
            Ok(file) => Response::ok(Vec::new()).with_fds([file.into()]),
            // An application error: 2 = could not open, with the reason as data.
            Err(err) => Response::error(2, err.to_string()),
        }
    })?;
    println!("serving {}", door.path().display());
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
