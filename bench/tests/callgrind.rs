//! `Callgrind` against a real valgrind: `tokio-echo` under callgrind, its counters zeroed,
//! some echoes, and a dump that counts them. Skipped, with a message, where valgrind is not
//! installed (it is not needed to build or test Ostium).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use ostium_bench::callgrind::Callgrind;
use ostium_bench::server::Server;

#[test]
fn a_dump_counts_the_instructions_since_the_zeroing() {
    let dir =
        std::env::temp_dir().join(format!("ostium-bench-callgrind-test.{}", std::process::id()));
    let callgrind = match Callgrind::find(dir.clone()) {
        Ok(callgrind) => callgrind,
        Err(err) => {
            eprintln!("skipped: {err:#}");
            return;
        }
    };
    let (valgrind, args) = callgrind.wrap(
        "tokio",
        Path::new(env!("CARGO_BIN_EXE_tokio-echo")),
        &["--listen", "127.0.0.1:0"],
    );
    let server =
        Server::start_within("tokio", &valgrind, &args, std::time::Duration::from_secs(60))
            .expect("tokio-echo starts under callgrind");
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut echo = |messages: usize| {
        let mut back = [0; 64];
        for i in 0..messages {
            let message = [i as u8; 64];
            stream.write_all(&message).unwrap();
            stream.read_exact(&mut back).unwrap();
            assert_eq!(back, message);
        }
    };
    echo(20);

    callgrind.zero(server.pid()).unwrap();
    echo(200);
    let busy = callgrind.dump("tokio", server.pid()).unwrap();
    let idle = callgrind.dump("tokio", server.pid()).unwrap();
    drop(server);
    callgrind.tidy();
    let _ = std::fs::remove_dir_all(&dir);

    eprintln!("200 echoes: {busy:?}; then nothing: {idle:?}");
    assert_eq!(busy.files.len(), 1, "{busy:?}");
    assert_ne!(busy.files, idle.files, "each dump is a new file");
    // An echo costs hundreds to thousands of instructions (more in a debug build), and
    // a server with nothing to do runs next to none.
    let per_message = busy.instructions / 200;
    assert!((100..1_000_000).contains(&per_message), "{per_message} instructions per echo");
    assert!(idle.instructions < busy.instructions / 10, "idle {idle:?}, busy {busy:?}");
}
