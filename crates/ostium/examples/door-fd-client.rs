//! Asks the `door-fd-server` example for a file and prints it, read through the descriptor
//! the server returned: `cargo run -p ostium --example door-fd-client -- PATH FILE`.

use std::io::Read;

use ostium::Client;
use ostium::wire::Status;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/tmp/files.door".into());
    let file = args.next().ok_or("name a file to open")?;
    let client = Client::open(&path)?;
    let reply = client.call(1, file.as_bytes())?;
    if reply.status != Status::Ok {
        return Err(format!(
            "the server could not open {file}: {}",
            String::from_utf8_lossy(&reply.data)
        )
        .into());
    }
    let fd = reply.fds.into_iter().next().ok_or("the server returned no descriptor")?;
    let mut contents = String::new();
    std::fs::File::from(fd).read_to_string(&mut contents)?;
    print!("{contents}");
    Ok(())
}
