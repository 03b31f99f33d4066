//! [`release_free_memory`]: giving the operating system back the memory the process has
//! freed.
//!
//! glibc's allocator keeps freed memory for reuse: a server that held a thousand
//! connections' buffers and let them go stays at its peak size, since each event loop
//! thread allocates from an arena of its own and only the top of an arena's heap is
//! returned by `free`. `malloc_trim` walks every arena and returns each whole free page
//! (`MADV_DONTNEED`); the allocator keeps its bookkeeping, so it costs little beyond that
//! walk. ostiumd calls it when its connections fall well below their peak.

/// `malloc_trim(0)`: returns the free pages of every allocator arena to the operating
/// system; returns whether any memory was released. A no-op (false) where the C library
/// is not glibc.
pub fn release_free_memory() -> bool {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: malloc_trim only inspects and releases the allocator's free memory; it
        // takes the arenas' locks itself and is safe to call from any thread at any time.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(target_env = "gnu"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_memory_can_be_released() {
        // Many small blocks, freed but for the last, so that `free` alone cannot shrink
        // the heap from its top.
        let mut blocks: Vec<Vec<u8>> = (0..2000).map(|_| vec![1u8; 16 * 1024]).collect();
        let last = blocks.pop();
        drop(blocks);
        let released = release_free_memory();
        drop(last);
        assert!(released || !cfg!(target_env = "gnu"), "nothing was released");
    }
}
