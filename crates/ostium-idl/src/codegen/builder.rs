//! The `build.rs` API, in the style of prost-build ([`Generator`]), plus the functions of
//! Idol's build API ([`build_client_stub`], [`build_server_support`],
//! [`build_restricted_server_support`]). Each prints `cargo:rerun-if-changed` for the
//! `.idol` file and writes the output only when its content changed, so that an unchanged
//! interface does not rebuild the including crate.

use core::fmt;
use std::path::{Path, PathBuf};

use super::{Parts, Style, render, tokens};
use crate::Diagnostics;

/// Who may call a restricted operation: a caller matching any entry (by uid, by effective
/// gid, by user name, or by membership of a named group) is allowed; others get the fault
/// `AccessViolation`. Names (and the server's own user) are resolved when the server
/// starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowed {
    /// The user the server runs as, whichever it is where it runs (its effective uid when
    /// the door starts serving).
    pub owner: bool,
    /// User ids.
    pub uids: Vec<u32>,
    /// Group ids.
    pub gids: Vec<u32>,
    /// User names.
    pub users: Vec<String>,
    /// Group names.
    pub groups: Vec<String>,
}

impl Allowed {
    /// Allows nobody (until entries are added).
    pub fn new() -> Allowed {
        Allowed::default()
    }

    /// Also allows the user the server runs as.
    pub fn owner(mut self) -> Allowed {
        self.owner = true;
        self
    }

    /// Also allows user id `uid`.
    pub fn uid(mut self, uid: u32) -> Allowed {
        self.uids.push(uid);
        self
    }

    /// Also allows callers of effective group id `gid`.
    pub fn gid(mut self, gid: u32) -> Allowed {
        self.gids.push(gid);
        self
    }

    /// Also allows the user named `name`.
    pub fn user(mut self, name: impl Into<String>) -> Allowed {
        self.users.push(name.into());
        self
    }

    /// Also allows the members of the group named `name`.
    pub fn group(mut self, name: impl Into<String>) -> Allowed {
        self.groups.push(name.into());
        self
    }
}

/// Why generation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum GenerateError {
    /// The `.idol` file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file has errors, located.
    Invalid(Diagnostics),
    /// A restriction names an operation the interface does not have.
    UnknownOperation(String),
    /// The output could not be written.
    Write {
        /// The output file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::Read { path, source } => write!(f, "{}: {source}", path.display()),
            GenerateError::Invalid(diagnostics) => diagnostics.fmt(f),
            GenerateError::UnknownOperation(op) => {
                write!(f, "a restriction names `{op}`, which the interface does not have")
            }
            GenerateError::Write { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for GenerateError {}

/// Generates Rust code from a `.idol` file: a client, server support, or both.
///
/// ```no_run
/// // build.rs
/// let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("spi.rs");
/// ostium_idl::Generator::new()
///     .client(true)
///     .server(true)
///     .restrict("lock", ostium_idl::Allowed::new().uid(0).group("spi"))
///     .generate("spi.idol", out)
///     .unwrap();
/// ```
#[derive(Debug, Clone, Default)]
pub struct Generator {
    client: bool,
    server: bool,
    restrictions: Vec<(String, Allowed)>,
}

impl Generator {
    /// Generates nothing until told.
    pub fn new() -> Generator {
        Generator::default()
    }

    /// Whether to generate the client type.
    pub fn client(mut self, on: bool) -> Generator {
        self.client = on;
        self
    }

    /// Whether to generate the server traits and the glue serving them.
    pub fn server(mut self, on: bool) -> Generator {
        self.server = on;
        self
    }

    /// Restricts operation `op` to the callers `allowed`.
    pub fn restrict(mut self, op: impl Into<String>, allowed: Allowed) -> Generator {
        self.restrictions.push((op.into(), allowed));
        self
    }

    /// The code for `source` (the text of the file named `file`), without writing it.
    pub fn render(&self, source: &str, file: &str) -> Result<String, GenerateError> {
        let interface = crate::parse(source, file).map_err(GenerateError::Invalid)?;
        let mut restrictions = Vec::new();
        for (name, allowed) in &self.restrictions {
            let op =
                interface.op(name).ok_or_else(|| GenerateError::UnknownOperation(name.clone()))?;
            restrictions.push((op.number.get(), allowed.clone()));
        }
        let parts = Parts {
            client: self.client,
            server: self.server,
            idol: source,
            restrictions: &restrictions,
        };
        Ok(render(tokens(&interface, &parts), file))
    }

    /// Generates from the file at `idol` into `out`, for `build.rs`: prints
    /// `cargo:rerun-if-changed=<idol>`, and writes `out` only if its content changed.
    pub fn generate(
        &self,
        idol: impl AsRef<Path>,
        out: impl AsRef<Path>,
    ) -> Result<(), GenerateError> {
        let (idol, out) = (idol.as_ref(), out.as_ref());
        println!("cargo:rerun-if-changed={}", idol.display());
        let bytes = std::fs::read(idol)
            .map_err(|source| GenerateError::Read { path: idol.to_path_buf(), source })?;
        let name = idol
            .file_name()
            .map_or_else(|| idol.display().to_string(), |n| n.to_string_lossy().into_owned());
        let source = crate::source_text(bytes, &name).map_err(GenerateError::Invalid)?;
        let code = self.render(&source, &name)?;
        write_if_changed(out, &code)
    }
}

/// Writes `code` to `out` unless `out` already holds exactly it.
fn write_if_changed(out: &Path, code: &str) -> Result<(), GenerateError> {
    if std::fs::read_to_string(out).is_ok_and(|old| old == code) {
        return Ok(());
    }
    std::fs::write(out, code)
        .map_err(|source| GenerateError::Write { path: out.to_path_buf(), source })
}

/// Idol's `build_client_stub`: the client of the interface at `source` into `out`.
pub fn build_client_stub(
    source: impl AsRef<Path>,
    out: impl AsRef<Path>,
) -> Result<(), GenerateError> {
    Generator::new().client(true).generate(source, out)
}

/// Idol's `build_server_support`: the server traits and glue. Every style's trait is
/// generated whatever `style` says (the application implements the one it wants); the
/// argument is kept for Idol's signature.
pub fn build_server_support(
    source: impl AsRef<Path>,
    out: impl AsRef<Path>,
    style: Style,
) -> Result<(), GenerateError> {
    build_restricted_server_support(source, out, style, &[])
}

/// Idol's `build_restricted_server_support`, with callers allowed by name of operation.
pub fn build_restricted_server_support(
    source: impl AsRef<Path>,
    out: impl AsRef<Path>,
    _style: Style,
    allowed: &[(&str, Allowed)],
) -> Result<(), GenerateError> {
    let generator =
        allowed.iter().fold(Generator::new().server(true), |g, (op, a)| g.restrict(*op, a.clone()));
    generator.generate(source, out)
}
