//! `Slab` and `ConnId`: the loop's connections (and watches), addressed by index and
//! generation.
//!
//! A connection's [`ConnId`] is its slot index plus the slot's generation, which changes
//! every time the slot is reused. An event or a service that names a connection closed
//! since (even one closed and replaced within the same batch of events) finds the
//! generation changed and reaches nothing. Watches ([`WatchId`](crate::WatchId)) are kept
//! the same way, in a slab of their own.

use std::marker::PhantomData;

/// Generations use 31 bits, so that a generation and an index fit a poller token with its
/// top bit left to tell connections from watches (see `tokens`).
pub(crate) const MAX_GENERATION: u32 = (1 << 31) - 1;

/// The id type of a slab: an index and a generation, made and taken apart by the slab.
pub(crate) trait Key: Copy {
    fn from_parts(index: u32, generation: u32) -> Self;
    fn index(self) -> u32;
    fn generation(self) -> u32;
}

/// A loop's name for one of its connections, valid until the connection closes and never
/// reused for another connection of that loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId {
    index: u32,
    generation: u32,
}

impl Key for ConnId {
    fn from_parts(index: u32, generation: u32) -> ConnId {
        ConnId { index, generation }
    }

    fn index(self) -> u32 {
        self.index
    }

    fn generation(self) -> u32 {
        self.generation
    }
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Values in reusable slots, at most `capacity` at once, named by ids of type `K`.
pub(crate) struct Slab<T, K = ConnId> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
    capacity: usize,
    key: PhantomData<K>,
}

impl<T, K: Key> Slab<T, K> {
    /// An empty slab that will hold at most `capacity` values.
    pub(crate) fn with_capacity(capacity: usize) -> Slab<T, K> {
        let capacity = capacity.min(u32::MAX as usize);
        Slab { slots: Vec::new(), free: Vec::new(), len: 0, capacity, key: PhantomData }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len >= self.capacity
    }

    /// Stores `value` in a free slot, or gives it back when the slab is full.
    pub(crate) fn insert(&mut self, value: T) -> Result<K, T> {
        if self.is_full() {
            return Err(value);
        }
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(Slot { generation: 0, value: None });
                (self.slots.len() - 1) as u32
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.generation = if slot.generation >= MAX_GENERATION { 1 } else { slot.generation + 1 };
        slot.value = Some(value);
        self.len += 1;
        Ok(K::from_parts(index, slot.generation))
    }

    pub(crate) fn get(&self, id: K) -> Option<&T> {
        let slot = self.slots.get(id.index() as usize)?;
        if slot.generation == id.generation() { slot.value.as_ref() } else { None }
    }

    pub(crate) fn get_mut(&mut self, id: K) -> Option<&mut T> {
        let slot = self.slots.get_mut(id.index() as usize)?;
        if slot.generation == id.generation() { slot.value.as_mut() } else { None }
    }

    pub(crate) fn remove(&mut self, id: K) -> Option<T> {
        let slot = self.slots.get_mut(id.index() as usize)?;
        if slot.generation != id.generation() {
            return None;
        }
        let value = slot.value.take()?;
        self.free.push(id.index());
        self.len -= 1;
        Some(value)
    }

    /// The ids of every value, in slot order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = K> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.value.is_some())
            .map(|(index, slot)| K::from_parts(index as u32, slot.generation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_slot_does_not_answer_to_the_old_id() {
        let mut slab: Slab<_> = Slab::with_capacity(4);
        let old = slab.insert("old").unwrap();
        assert_eq!(slab.remove(old), Some("old"));
        let new = slab.insert("new").unwrap();
        assert_eq!(old.index, new.index, "the slot is reused");
        assert_eq!(slab.get(old), None);
        assert_eq!(slab.remove(old), None);
        assert_eq!(slab.get(new), Some(&"new"));
    }

    #[test]
    fn the_slab_refuses_values_beyond_its_capacity() {
        let mut slab: Slab<_> = Slab::with_capacity(2);
        let a = slab.insert(1).unwrap();
        slab.insert(2).unwrap();
        assert_eq!(slab.insert(3), Err(3));
        slab.remove(a);
        assert!(slab.insert(3).is_ok());
        assert_eq!(slab.len(), 2);
    }

    #[test]
    fn generations_wrap_within_31_bits_and_skip_zero() {
        let mut slab: Slab<()> = Slab::with_capacity(1);
        slab.slots.push(Slot { generation: MAX_GENERATION - 1, value: None });
        slab.free.push(0);
        let last = slab.insert(()).unwrap();
        assert_eq!(last.generation, MAX_GENERATION);
        slab.remove(last);
        assert_eq!(slab.insert(()).unwrap().generation, 1);
    }

    #[test]
    fn ids_lists_the_live_values() {
        let mut slab: Slab<_> = Slab::with_capacity(8);
        let a = slab.insert('a').unwrap();
        let b = slab.insert('b').unwrap();
        let c = slab.insert('c').unwrap();
        slab.remove(b);
        assert_eq!(slab.ids().collect::<Vec<_>>(), vec![a, c]);
    }
}
