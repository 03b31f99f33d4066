//! [`NotificationHandler`]: what a server implements to take notifications.

/// A server that takes notification bits (Hubris's trait of the same name).
pub trait NotificationHandler {
    /// The bits the server takes now. Bits that fire outside this mask stay pending until
    /// a later mask includes them; the runtime asks again after every call and every
    /// notification, so a server may change its mask as its state changes.
    fn current_notifications(&self) -> u32;

    /// Handles `bits`: every bit that fired (once or more) since it was last handled and
    /// that [`current_notifications`](Self::current_notifications) includes. Never called
    /// with no bits, nor while a call of an `InOrder` server runs.
    fn handle_notification(&mut self, bits: u32);
}
