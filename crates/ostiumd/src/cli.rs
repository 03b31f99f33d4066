//! ostiumd's command line, in the library so that its manual page can be generated from
//! it (`ostium man`).

use std::path::PathBuf;

use clap::Parser;

/// Ports to doors: forwards network ports to the doors of the applications serving them.
#[derive(Parser, Debug)]
#[command(name = "ostiumd", version, about)]
pub struct Args {
    /// Serve the forwards of this configuration file.
    #[arg(
        long,
        value_name = "CONFIG",
        required_unless_present = "check",
        conflicts_with = "check"
    )]
    pub config: Option<PathBuf>,
    /// Check this configuration file, print what it forwards, and exit.
    #[arg(long, value_name = "CONFIG")]
    pub check: Option<PathBuf>,
}
