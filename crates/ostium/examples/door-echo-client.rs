//! Calls the `door-echo-server` example:
//! `cargo run -p ostium --example door-echo-client -- PATH WORDS…`.

use ostium::Client;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/tmp/echo.door".into());
    let message = args.collect::<Vec<_>>().join(" ");
    let client = Client::open(&path)?;
    let reply = client.call(1, message.as_bytes())?;
    println!("{}", String::from_utf8_lossy(&reply.data));
    Ok(())
}
