//! [`Stub`]: what a generated client holds — a door [`Client`] and the deadline policy of
//! its calls — and the one call path every generated method takes.

use std::path::Path;
use std::time::{Duration, Instant};

use super::Failure;
use ostium::{CallError, Client, Lend, Reply};

/// How long an idempotent call is retried across server deaths and restarts when the
/// stub has no timeout of its own.
pub const DEFAULT_RETRY_WINDOW: Duration = Duration::from_secs(10);

/// The door behind a generated client, and how long its calls may take.
#[derive(Debug)]
pub struct Stub {
    client: Client,
    timeout: Option<Duration>,
}

impl Stub {
    /// Calls through `client`, with no timeout.
    pub fn new(client: Client) -> Stub {
        Stub { client, timeout: None }
    }

    /// Opens the door at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Stub, Failure> {
        Client::open(path).map(Stub::new).map_err(Failure::from)
    }

    /// Gives each call at most `timeout` (`None`: calls wait as long as it takes, and
    /// idempotent ones are retried for [`DEFAULT_RETRY_WINDOW`]).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// The timeout of each call.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The door client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Calls `op`. An idempotent operation whose server dies (or is absent, restarting) is
    /// called again, after a short backoff, until the deadline; others report
    /// [`Failure::ServerDeath`] at once, since whether they ran is unknown.
    pub fn call(
        &self,
        op: u32,
        args: &[u8],
        leases: &mut [Lend<'_>],
        idempotent: bool,
    ) -> Result<Reply, Failure> {
        let deadline = self.timeout.map(|t| Instant::now() + t);
        if !idempotent {
            return self
                .client
                .call_with(op, args, ostium::CallOptions { leases, deadline, ..Default::default() })
                .map_err(Into::into);
        }
        let retry_until = deadline.unwrap_or_else(|| Instant::now() + DEFAULT_RETRY_WINDOW);
        let mut backoff = Duration::from_millis(1);
        loop {
            match self.client.call_with(
                op,
                args,
                ostium::CallOptions { leases, deadline, ..Default::default() },
            ) {
                Err(CallError::ServerDeath { .. } | CallError::NoDoor { .. })
                    if Instant::now() + backoff < retry_until =>
                {
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_millis(100));
                }
                outcome => return outcome.map_err(Into::into),
            }
        }
    }
}
