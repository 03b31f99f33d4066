//! `Buffer`: a connection's input or output bytes, and the pool their storage comes from.
//!
//! A buffer is a window `start..end` over initialized storage: reading consumes from the
//! front, writing appends at the back, and the window slides back to the start of the
//! storage only when the free room at the back is too small. Storage is lent by the loop's
//! [`BufferPool`] while a buffer holds bytes and given back when it empties, so an idle
//! connection holds no buffer memory and a busy loop allocates none in its steady state.

/// Bytes waiting to be consumed (input) or sent (output).
#[derive(Default)]
pub struct Buffer {
    storage: Vec<u8>,
    start: usize,
    end: usize,
}

impl Buffer {
    /// An empty buffer with no storage; storage is found as bytes arrive.
    pub const fn new() -> Buffer {
        Buffer { storage: Vec::new(), start: 0, end: 0 }
    }

    /// The bytes in the buffer.
    pub fn as_slice(&self) -> &[u8] {
        &self.storage[self.start..self.end]
    }

    /// The bytes in the buffer, mutably (to decode in place, say).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.storage[self.start..self.end]
    }

    /// How many bytes the buffer holds.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the buffer holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Removes the first `n` bytes (all of them if `n` is larger).
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Removes every byte.
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Appends `bytes`.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.spare(bytes.len())[..bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
    }

    /// Moves every byte of `self` to the end of `dst`, leaving `self` empty. When `dst` is
    /// empty the two buffers trade storage instead of copying: an echo costs no copy.
    pub fn move_to(&mut self, dst: &mut Buffer) {
        if dst.is_empty() {
            std::mem::swap(self, dst);
        } else {
            dst.extend_from_slice(self.as_slice());
        }
        self.clear();
    }

    /// Free room of at least `min` bytes at the back, to read into; say how much was used
    /// with [`commit`](Buffer::commit).
    pub(crate) fn spare(&mut self, min: usize) -> &mut [u8] {
        if self.storage.len() - self.end < min {
            if self.start > 0 {
                self.storage.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.storage.len() - self.end < min {
                self.storage.resize(self.end + min, 0);
            }
        }
        &mut self.storage[self.end..]
    }

    /// Marks `n` bytes of the room returned by [`spare`](Buffer::spare) as filled.
    pub(crate) fn commit(&mut self, n: usize) {
        debug_assert!(self.end + n <= self.storage.len());
        self.end = (self.end + n).min(self.storage.len());
    }

    /// Gives storage from `pool` to an empty buffer that has none.
    pub(crate) fn borrow_storage(&mut self, pool: &mut BufferPool) {
        if self.storage.is_empty() {
            self.storage = pool.take();
        }
    }

    /// Returns the storage of an empty buffer to `pool`.
    pub(crate) fn return_storage(&mut self, pool: &mut BufferPool) {
        if self.is_empty() && !self.storage.is_empty() {
            pool.give(std::mem::take(&mut self.storage));
        }
    }

    /// How many bytes of storage the buffer holds, used or not.
    #[cfg(test)]
    pub(crate) fn storage_len(&self) -> usize {
        self.storage.len()
    }
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("len", &self.len())
            .field("storage", &self.storage.len())
            .finish()
    }
}

/// Storage blocks of one size, kept by a loop for its connections' buffers.
#[derive(Debug)]
pub(crate) struct BufferPool {
    free: Vec<Vec<u8>>,
    block: usize,
    keep: usize,
}

impl BufferPool {
    /// A pool of `block`-byte storage keeping at most `keep` free blocks.
    pub(crate) fn new(block: usize, keep: usize) -> BufferPool {
        BufferPool { free: Vec::new(), block, keep }
    }

    fn take(&mut self) -> Vec<u8> {
        self.free.pop().unwrap_or_else(|| vec![0; self.block])
    }

    /// Keeps `storage` for reuse if it is a standard block and the pool is not full; storage
    /// that grew for one large message is freed rather than kept.
    fn give(&mut self, storage: Vec<u8>) {
        if storage.len() == self.block && self.free.len() < self.keep {
            self.free.push(storage);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_come_out_in_the_order_they_went_in() {
        let mut buffer = Buffer::new();
        buffer.extend_from_slice(b"hello ");
        buffer.extend_from_slice(b"world");
        assert_eq!(buffer.as_slice(), b"hello world");
        buffer.consume(6);
        assert_eq!(buffer.as_slice(), b"world");
        buffer.consume(100);
        assert!(buffer.is_empty());
    }

    #[test]
    fn spare_room_slides_the_window_back_before_growing() {
        let mut buffer = Buffer::new();
        buffer.extend_from_slice(&[1; 10]);
        let storage = buffer.storage_len();
        buffer.consume(8);
        let room = buffer.spare(storage - 2).len();
        assert!(room >= storage - 2);
        assert_eq!(buffer.storage_len(), storage, "compacted rather than grown");
        assert_eq!(buffer.as_slice(), &[1, 1]);
    }

    #[test]
    fn moving_into_an_empty_buffer_swaps_storage() {
        let mut pool = BufferPool::new(64, 4);
        let mut input = Buffer::new();
        input.borrow_storage(&mut pool);
        input.spare(4)[..4].copy_from_slice(b"echo");
        input.commit(4);
        let mut output = Buffer::new();
        input.move_to(&mut output);
        assert_eq!(output.as_slice(), b"echo");
        assert_eq!(output.storage_len(), 64, "the storage moved, the bytes were not copied");
        assert!(input.is_empty());

        let mut tail = Buffer::new();
        tail.extend_from_slice(b"!");
        tail.move_to(&mut output);
        assert_eq!(output.as_slice(), b"echo!");
    }

    #[test]
    fn the_pool_lends_and_takes_back_standard_blocks_only() {
        let mut pool = BufferPool::new(32, 1);
        let mut buffer = Buffer::new();
        buffer.borrow_storage(&mut pool);
        assert_eq!(buffer.storage_len(), 32);
        buffer.return_storage(&mut pool);
        assert_eq!(buffer.storage_len(), 0);
        assert_eq!(pool.free.len(), 1);

        // A block that grew for a large message is freed, not kept.
        let mut big = Buffer::new();
        big.borrow_storage(&mut pool);
        big.extend_from_slice(&[0; 100]);
        big.clear();
        big.return_storage(&mut pool);
        assert!(pool.free.is_empty());
    }

    #[test]
    fn a_buffer_holding_bytes_keeps_its_storage() {
        let mut pool = BufferPool::new(32, 4);
        let mut buffer = Buffer::new();
        buffer.extend_from_slice(b"x");
        buffer.return_storage(&mut pool);
        assert_eq!(buffer.as_slice(), b"x");
    }
}
