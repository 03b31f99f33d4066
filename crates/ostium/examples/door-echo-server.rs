//! A door that echoes its arguments: `cargo run -p ostium --example door-echo-server -- PATH`
//! serves at PATH (default `/tmp/echo.door`) until interrupted; call it with the
//! `door-echo-client` example.

use std::time::Duration;

use ostium::{Door, DoorOptions, Response};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "/tmp/echo.door".into());
    let door = Door::create(&path, DoorOptions::default(), |request| {
        // Operation 1 echoes; the runtime answers anything else's caller with a fault.
        match request.op {
            1 => Response::ok(request.args),
            _ => Response::fault(ostium::wire::Fault::UnknownOperation),
        }
    })?;
    println!("serving {} (instance {})", door.path().display(), door.instance());
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
