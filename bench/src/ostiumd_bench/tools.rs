//! The programs the harness runs, and what to do when one is missing.
//!
//! ostiumd, the hello application and `http-backend` are this workspace's: they are looked
//! for next to the harness (`target/release/`), or where `--ostiumd`, `--hello` and
//! `--backend` say. nginx and wrk are the system's: looked for on `PATH` and in `/usr/sbin`
//! and `/sbin` (where Debian puts nginx, often off a user's `PATH`), or where `--nginx` and
//! `--wrk` say. A missing one is not fatal: the report names it, says how to get it, and
//! what is measured without it.

use std::path::{Path, PathBuf};

/// The command that builds the workspace's programs the harness runs.
pub const BUILD: &str = "cargo build --release -p ostiumd -p hello -p ostium-bench";
/// The command that installs the system's programs (Debian).
pub const INSTALL: &str = "apt-get install -y nginx-light wrk";

/// A program, found or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tool {
    /// Found here.
    Found(PathBuf),
    /// Not found: why, and how to get it.
    Missing(String),
}

impl Tool {
    /// Its path, if found.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Tool::Found(path) => Some(path),
            Tool::Missing(_) => None,
        }
    }
}

/// Every program.
#[derive(Clone, Debug)]
pub struct Tools {
    /// ostiumd.
    pub ostiumd: Tool,
    /// The hello application.
    pub hello: Tool,
    /// `http-backend`.
    pub backend: Tool,
    /// nginx.
    pub nginx: Tool,
    /// wrk.
    pub wrk: Tool,
}

impl Tools {
    /// Finds each program: at the path given, or in its usual places.
    pub fn find(given: [Option<&Path>; 5]) -> Tools {
        let [ostiumd, hello, backend, nginx, wrk] = given;
        let here = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
        let ours = |given: Option<&Path>, name: &str, flag: &str| {
            let path = given
                .map(Path::to_path_buf)
                .or_else(|| here.as_ref().map(|dir| dir.join(name)))
                .unwrap_or_else(|| PathBuf::from(name));
            if path.is_file() {
                Tool::Found(path)
            } else {
                Tool::Missing(format!(
                    "{name} not found at {}: build it with `{BUILD}`, or give its path with {flag}",
                    path.display()
                ))
            }
        };
        let search = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs: Vec<PathBuf> = std::env::split_paths(&search).collect();
        dirs.extend(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from));
        let system = |given: Option<&Path>, name: &str, flag: &str| match given {
            Some(path) if path.is_file() => Tool::Found(path.to_path_buf()),
            Some(path) => Tool::Missing(format!("{name} not found at {} ({flag})", path.display())),
            None => match on_path(name, &dirs) {
                Some(path) => Tool::Found(path),
                None => Tool::Missing(format!(
                    "{name} not found on PATH nor in /usr/sbin: install it with `{INSTALL}`, or \
                     give its path with {flag}"
                )),
            },
        };
        Tools {
            ostiumd: ours(ostiumd, "ostiumd", "--ostiumd"),
            hello: ours(hello, "hello", "--hello"),
            backend: ours(backend, "http-backend", "--backend"),
            nginx: system(nginx, "nginx", "--nginx"),
            wrk: system(wrk, "wrk", "--wrk"),
        }
    }

    /// What is missing, one line each.
    pub fn missing(&self) -> Vec<&str> {
        [&self.ostiumd, &self.hello, &self.backend, &self.nginx, &self.wrk]
            .into_iter()
            .filter_map(|tool| match tool {
                Tool::Missing(why) => Some(why.as_str()),
                Tool::Found(_) => None,
            })
            .collect()
    }
}

/// The first file called `name` in `dirs`.
fn on_path(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    dirs.iter().map(|dir| dir.join(name)).find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_says_how_to_get_it() {
        let nowhere = Path::new("/nonexistent/x");
        let tools = Tools::find([Some(nowhere); 5]);
        let missing = tools.missing();
        assert_eq!(missing.len(), 5);
        assert!(missing[0].contains(BUILD) && missing[0].contains("--ostiumd"), "{missing:?}");
        assert!(missing[3].contains("--nginx"), "{missing:?}");
        assert_eq!(tools.nginx.path(), None);
    }

    #[test]
    fn programs_are_found_on_the_path_given() {
        let sh = Path::new("/bin/sh");
        let tools = Tools::find([Some(sh); 5]);
        assert!(tools.missing().is_empty());
        assert_eq!(tools.wrk.path(), Some(sh));
        assert_eq!(
            on_path("sh", &[PathBuf::from("/nonexistent"), PathBuf::from("/bin")]),
            Some(PathBuf::from("/bin/sh"))
        );
        assert_eq!(on_path("no-such-program-here", &[PathBuf::from("/bin")]), None);
    }
}
