//! The C types of `<sys/door.h>` as the headers lay them out: a test compiles C that
//! prints each size and offset and compares them with these.
//!
//! As on illumos amd64, `door_desc_t` and `door_info_t` are packed to 4-byte alignment, so
//! that their 64-bit fields sit where a 32-bit program puts them.

use std::ffi::{c_char, c_int, c_uint};

/// `door_attr_t`.
pub type DoorAttr = c_uint;

/// `DOOR_UNREF`: the procedure is called once when the last reference but the server's
/// goes.
pub const DOOR_UNREF: DoorAttr = 0x01;
/// `DOOR_PRIVATE`: the door has a pool of server threads of its own.
pub const DOOR_PRIVATE: DoorAttr = 0x02;
/// `DOOR_LOCAL`: the door's server is this process.
pub const DOOR_LOCAL: DoorAttr = 0x04;
/// `DOOR_REVOKED`: the door was revoked.
pub const DOOR_REVOKED: DoorAttr = 0x08;
/// `DOOR_UNREF_MULTI`: as `DOOR_UNREF`, each time.
pub const DOOR_UNREF_MULTI: DoorAttr = 0x10;
/// `DOOR_IS_UNREF`: only one reference is left.
pub const DOOR_IS_UNREF: DoorAttr = 0x20;
/// `DOOR_REFUSE_DESC`: calls with descriptors are refused.
pub const DOOR_REFUSE_DESC: DoorAttr = 0x40;
/// `DOOR_NO_CANCEL`: a client that gives up does not cancel the server thread.
pub const DOOR_NO_CANCEL: DoorAttr = 0x80;
/// The attributes `door_create` accepts.
pub const DOOR_CREATE_MASK: DoorAttr =
    DOOR_UNREF | DOOR_PRIVATE | DOOR_UNREF_MULTI | DOOR_REFUSE_DESC | DOOR_NO_CANCEL;
/// `DOOR_DESCRIPTOR`: a `door_desc_t` carries a descriptor.
pub const DOOR_DESCRIPTOR: DoorAttr = 0x10000;
/// `DOOR_RELEASE`: the sender's descriptor is closed once passed.
pub const DOOR_RELEASE: DoorAttr = 0x40000;

/// `door_desc_t`: a descriptor passed with a call or its results.
#[repr(C, packed(4))]
#[derive(Clone, Copy, Debug)]
pub struct DoorDesc {
    /// `d_attributes`: `DOOR_DESCRIPTOR`, with `DOOR_RELEASE` or a door's attributes.
    pub attributes: DoorAttr,
    /// `d_data.d_desc.d_descriptor`.
    pub descriptor: c_int,
    /// `d_data.d_desc.d_id`: the door's unique number, if the descriptor is a door.
    pub id: u64,
    /// The rest of `d_data.d_resv[5]`.
    pub reserved: [c_int; 2],
}

/// `door_arg_t`: a call's arguments in, its results out.
#[repr(C)]
#[derive(Debug)]
pub struct DoorArg {
    /// `data_ptr`.
    pub data_ptr: *mut c_char,
    /// `data_size`.
    pub data_size: usize,
    /// `desc_ptr`.
    pub desc_ptr: *mut DoorDesc,
    /// `desc_num`.
    pub desc_num: c_uint,
    /// `rbuf`.
    pub rbuf: *mut c_char,
    /// `rsize`.
    pub rsize: usize,
}

/// `door_info_t`.
#[repr(C, packed(4))]
#[derive(Clone, Copy, Debug, Default)]
pub struct DoorInfo {
    /// `di_target`: the server's process id (-1 if it has exited).
    pub target: libc::pid_t,
    /// `di_proc`: the server procedure's address, in its process.
    pub procedure: u64,
    /// `di_data`: the cookie the server gave `door_create`.
    pub data: u64,
    /// `di_attributes`.
    pub attributes: DoorAttr,
    /// `di_uniquifier`: the door's unique number.
    pub uniquifier: u64,
    /// `di_resv`.
    pub reserved: [c_int; 4],
}

/// The size of a `door_desc_t`, to which result data are rounded up before the
/// descriptors (door_call(3C)).
pub const DESC_SIZE: usize = size_of::<DoorDesc>();

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn the_layouts_are_illumos_amd64s() {
        assert_eq!((size_of::<DoorDesc>(), offset_of!(DoorDesc, id)), (24, 8));
        assert_eq!(size_of::<DoorInfo>(), 48);
        assert_eq!(offset_of!(DoorInfo, procedure), 4);
        assert_eq!(offset_of!(DoorInfo, uniquifier), 24);
        assert_eq!(size_of::<DoorArg>(), 48);
        assert_eq!(offset_of!(DoorArg, rbuf), 32);
    }
}
