//! `libdoor-install --prefix DIR`: installs libdoor (`libdoor.so`, `libdoor.a`), its
//! headers and its pkg-config file `door.pc` under a prefix, so that
//! `cc prog.c $(pkg-config --cflags --libs door)` builds a door program.
//!
//! Run it with `cargo run --release -p ostium-c --bin libdoor-install -- --prefix DIR`:
//! cargo builds the libraries beside this program (they are its package's library), and it
//! copies those. A small installer rather than cargo-c: it needs nothing that cargo does
//! not already provide, and the headers are written by hand (they document the illumos API
//! as its manual pages do), so there is nothing for cbindgen to generate.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use clap::Parser;

/// Installs libdoor, its headers and door.pc under a prefix.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Where to install: PREFIX/lib, PREFIX/include, PREFIX/lib/pkgconfig.
    #[arg(long, default_value = "/usr/local")]
    prefix: PathBuf,
}

/// The headers, relative to the crate's `include/`.
const HEADERS: &[&str] =
    &["door.h", "sys/door.h", "stropts.h", "thread.h", "ucred.h", "ostium_http.h"];

fn main() {
    let args = Args::parse();
    match install(&args.prefix) {
        Ok(()) => println!("libdoor installed under {}", args.prefix.display()),
        Err(err) => {
            eprintln!("libdoor-install: {err}");
            std::process::exit(1);
        }
    }
}

fn install(prefix: &Path) -> io::Result<()> {
    let prefix = std::path::absolute(prefix)?;
    let built = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| io::Error::other("this program's directory"))?;
    let lib = prefix.join("lib");
    fs::create_dir_all(lib.join("pkgconfig"))?;
    for name in ["libdoor.so", "libdoor.a"] {
        copy(&newest(&built, name)?, &lib.join(name))?;
    }
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    for header in HEADERS {
        let to = prefix.join("include").join(header);
        fs::create_dir_all(to.parent().unwrap_or(&prefix))?;
        copy(&include.join(header), &to)?;
    }
    fs::write(lib.join("pkgconfig/door.pc"), pkg_config(&prefix))
}

/// The newest `name` cargo built beside this program: in its directory when the library
/// was what cargo was asked to build, in `deps/` when it was built for this program.
fn newest(dir: &Path, name: &str) -> io::Result<PathBuf> {
    let candidates = [dir.join(name), dir.join("deps").join(name)];
    let modified = |path: &PathBuf| fs::metadata(path).and_then(|m| m.modified()).ok();
    candidates.into_iter().filter(|path| modified(path).is_some()).max_by_key(modified).ok_or_else(
        || {
            let what = format!("{name} not built in {} (cargo build -p ostium-c)", dir.display());
            io::Error::new(io::ErrorKind::NotFound, what)
        },
    )
}

fn copy(from: &Path, to: &Path) -> io::Result<()> {
    fs::copy(from, to).map(drop).map_err(|err| {
        io::Error::new(err.kind(), format!("copying {} to {}: {err}", from.display(), to.display()))
    })
}

/// `door.pc`: the flags to compile and link with libdoor under `prefix`. The shared
/// library is found at run time through the rpath it sets, wherever the prefix is.
fn pkg_config(prefix: &Path) -> String {
    format!(
        "prefix={}\nlibdir=${{prefix}}/lib\nincludedir=${{prefix}}/include\n\n\
         Name: door\n\
         Description: The illumos door API on Linux (Ostium's libdoor)\n\
         Version: {}\n\
         Cflags: -I${{includedir}}\n\
         Libs: -L${{libdir}} -Wl,-rpath,${{libdir}} -ldoor\n\
         Libs.private: -lpthread -ldl -lm -lrt\n",
        prefix.display(),
        env!("CARGO_PKG_VERSION")
    )
}
