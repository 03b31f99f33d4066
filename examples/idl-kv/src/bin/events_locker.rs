//! `events-locker PATH`: locks the `Events` server at `PATH` (closed receive on this
//! process), checks that its own calls still go through, prints `locked`, then unlocks when
//! a line `unlock` comes on stdin — or dies first, when the test kills it.

use idl_kv::events::Events;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: events-locker PATH")?;
    let events = Events::open(&path)?;
    events.lock()?;
    events.handled()?;
    println!("locked");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    if line.trim() == "unlock" {
        events.unlock()?;
        println!("unlocked");
    }
    Ok(())
}
