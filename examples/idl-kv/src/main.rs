//! `kv-server PATH [in-order|concurrent|pipelined]`: serves the `Kv` store at `PATH` until
//! killed, printing `ready` once the door is up (for the cross-process tests).

use std::sync::Arc;

use idl_kv::kv::KvServer;
use idl_kv::{Piped, Shared, Store};
use ostium::DoorOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: kv-server PATH [in-order|concurrent|pipelined]")?;
    let options = DoorOptions::default();
    let _served = match args.next().as_deref().unwrap_or("in-order") {
        "in-order" => KvServer::serve_in_order(&path, options, Store::default())?,
        "concurrent" => KvServer::serve_concurrent(&path, options, Arc::new(Shared::default()))?,
        "pipelined" => KvServer::serve_pipelined(&path, options, Arc::new(Piped::default()))?,
        other => return Err(format!("unknown style {other}").into()),
    };
    println!("ready");
    loop {
        std::thread::park();
    }
}
