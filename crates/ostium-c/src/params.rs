//! `door_getparam` and `door_setparam`: a door's limits on the calls it takes — the
//! arguments' size (`DOOR_PARAM_DATA_MIN`, `DOOR_PARAM_DATA_MAX`) and the descriptors'
//! number (`DOOR_PARAM_DESC_MAX`). A door of this process keeps them and its handler
//! refuses calls outside them before the procedure runs (the caller's `door_call` fails
//! with `ENOBUFS`); of another process's door, the server alone knows them, and libdoor
//! reports the defaults.

use std::ffi::c_int;
use std::sync::atomic::{AtomicUsize, Ordering};

use ostium::wire::Fault;

use crate::abi::DOOR_REFUSE_DESC;
use crate::errno;
use crate::handles::{self, Door};

/// `DOOR_PARAM_DESC_MAX`.
const DESC_MAX: c_int = 1;
/// `DOOR_PARAM_DATA_MAX`.
const DATA_MAX: c_int = 2;
/// `DOOR_PARAM_DATA_MIN`.
const DATA_MIN: c_int = 3;

/// A door's limits, as `door_setparam` set them.
#[derive(Debug)]
pub struct Params {
    data_min: AtomicUsize,
    data_max: AtomicUsize,
    desc_max: AtomicUsize,
}

impl Params {
    /// The defaults: any size, and any number of descriptors unless the door refuses them.
    pub fn new(attributes: u32) -> Params {
        let desc_max = if attributes & DOOR_REFUSE_DESC != 0 { 0 } else { c_int::MAX as usize };
        Params {
            data_min: AtomicUsize::new(0),
            data_max: AtomicUsize::new(usize::MAX),
            desc_max: AtomicUsize::new(desc_max),
        }
    }

    /// Whether a call of `size` bytes with `descs` descriptors is within the limits, or the
    /// fault that refuses it (`door_call` reports `ENFILE` and `ENOBUFS` as on illumos).
    pub fn admit(&self, size: usize, descs: usize) -> Result<(), Fault> {
        let data = self.data_min.load(Ordering::Relaxed)..=self.data_max.load(Ordering::Relaxed);
        if descs > self.desc_max.load(Ordering::Relaxed) {
            return Err(Fault::TooManyDescriptors);
        }
        if !data.contains(&size) {
            return Err(Fault::RequestTooLarge);
        }
        Ok(())
    }

    fn get(&self, param: c_int) -> Option<usize> {
        let value = match param {
            DESC_MAX => &self.desc_max,
            DATA_MAX => &self.data_max,
            DATA_MIN => &self.data_min,
            _ => return None,
        };
        Some(value.load(Ordering::Relaxed))
    }
}

/// `door_getparam(d, param, out)`: see door_getparam(3C) and `docs/c.md`.
///
/// # Safety
/// `out` is null (`EFAULT`) or valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn door_getparam(d: c_int, param: c_int, out: *mut usize) -> c_int {
    let Some(handle) = handles::lookup(d) else { return errno::fail(libc::EBADF) };
    let value = match &handle.door {
        Door::Local(door) => door.params.get(param),
        Door::Opened { .. } => Params::new(0).get(param),
    };
    let Some(value) = value else { return errno::fail(libc::EINVAL) };
    if out.is_null() {
        return errno::fail(libc::EFAULT);
    }
    // SAFETY: the caller's guarantee.
    unsafe { out.write(value) };
    0
}

/// `door_setparam(d, param, val)`: see door_setparam(3C) and `docs/c.md`.
#[unsafe(no_mangle)]
pub extern "C" fn door_setparam(d: c_int, param: c_int, val: usize) -> c_int {
    let Some(handle) = handles::lookup(d) else { return errno::fail(libc::EBADF) };
    let door = match &handle.door {
        Door::Local(door) if door.is_revoked() => return errno::fail(libc::EBADF),
        Door::Local(door) => door,
        Door::Opened { .. } => return errno::fail(libc::EPERM),
    };
    let params = &door.params;
    let outcome = match param {
        DESC_MAX if val > c_int::MAX as usize => Err(libc::ERANGE),
        DESC_MAX if door.attributes & DOOR_REFUSE_DESC != 0 && val != 0 => Err(libc::ENOTSUP),
        DESC_MAX => Ok(&params.desc_max),
        DATA_MAX if val < params.data_min.load(Ordering::Relaxed) => Err(libc::EINVAL),
        DATA_MAX => Ok(&params.data_max),
        DATA_MIN if val > params.data_max.load(Ordering::Relaxed) => Err(libc::EINVAL),
        DATA_MIN => Ok(&params.data_min),
        _ => Err(libc::EINVAL),
    };
    match outcome {
        Ok(slot) => {
            slot.store(val, Ordering::Relaxed);
            0
        }
        Err(code) => errno::fail(code),
    }
}
