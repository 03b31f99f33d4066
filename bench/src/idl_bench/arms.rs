//! The two ways of making the same call: through the generated stub, and raw.

use anyhow::{bail, ensure};
use idl_kv::events::Events;
use ostium::Client;
use ostium::wire::Status;

/// An operation measured.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Op {
    /// `handled`: no arguments, a `u32` reply, idempotent.
    Handled,
    /// `set_mask(u32)`: a `()` reply, not idempotent.
    SetMask,
}

/// The operations, in the order measured.
pub(crate) const OPS: [Op; 2] = [Op::Handled, Op::SetMask];

/// The mask `set_mask` sets (every bit: the server keeps taking all notifications).
const MASK: u32 = u32::MAX;

impl Op {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::Handled => "handled",
            Op::SetMask => "set_mask",
        }
    }
}

/// A client of the measured door.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arm {
    /// `ostium::Client::call` with the operation's number and bytes.
    Raw,
    /// The generated `Events` client.
    Stub,
}

impl Arm {
    /// Makes one call of `op`.
    pub(crate) fn call(self, op: Op, stub: &Events, raw: &Client) -> anyhow::Result<()> {
        match (self, op) {
            (Arm::Stub, Op::Handled) => {
                std::hint::black_box(stub.handled()?);
            }
            (Arm::Stub, Op::SetMask) => stub.set_mask(MASK)?,
            // Operation numbers as the interface gives them (1-based, in file order).
            (Arm::Raw, Op::Handled) => {
                let reply = raw.call(1, &[])?;
                ensure!(reply.status == Status::Ok, "handled: {:?}", reply.status);
                let Ok(bytes) = <[u8; 4]>::try_from(reply.data.as_slice()) else {
                    bail!("handled: a reply of {} bytes", reply.data.len());
                };
                std::hint::black_box(u32::from_ne_bytes(bytes));
            }
            (Arm::Raw, Op::SetMask) => {
                let reply = raw.call(2, &MASK.to_ne_bytes())?;
                ensure!(reply.status == Status::Ok, "set_mask: {:?}", reply.status);
            }
        }
        Ok(())
    }
}
