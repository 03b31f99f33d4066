//! [`Notifier`]: posting notification bits from any thread (Hubris's `sys_post`).

use std::sync::Arc;

use super::Hub;

/// Posts bits to a server's notifications. Clone it and send it to any thread; posting to a
/// server that has stopped does nothing.
#[derive(Clone, Debug)]
pub struct Notifier {
    pub(crate) hub: Arc<Hub>,
}

impl Notifier {
    /// Sets `bits` pending and wakes the event thread, which hands them to the server as
    /// soon as it takes them. Posts of the same bit before it is handled make one
    /// notification, as on Hubris.
    pub fn post(&self, bits: u32) {
        self.hub.post(bits);
    }
}
