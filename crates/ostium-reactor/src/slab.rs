//! `Slab` and `ConnId`: the loop's connections, addressed by index and generation.
//!
//! A connection's [`ConnId`] is its slot index plus the slot's generation, which changes
//! every time the slot is reused. An event or a service that names a connection closed
//! since (even one closed and replaced within the same batch of events) finds the
//! generation changed and reaches nothing.

use ostium_sys::Token;

/// A loop's name for one of its connections, valid until the connection closes and never
/// reused for another connection of that loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId {
    index: u32,
    generation: u32,
}

impl ConnId {
    /// The poller token of this connection: the generation in the high half, the index in
    /// the low half. Generations start at 1, so tokens with a zero high half are free for the
    /// loop's own descriptors (its waker and listeners).
    pub(crate) fn token(self) -> Token {
        Token((u64::from(self.generation) << 32) | u64::from(self.index))
    }

    /// The connection a token names, or `None` for the loop's own tokens.
    pub(crate) fn from_token(token: Token) -> Option<ConnId> {
        let generation = (token.0 >> 32) as u32;
        (generation != 0).then_some(ConnId { index: token.0 as u32, generation })
    }
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Values in reusable slots, at most `capacity` at once.
pub(crate) struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
    capacity: usize,
}

impl<T> Slab<T> {
    /// An empty slab that will hold at most `capacity` values.
    pub(crate) fn with_capacity(capacity: usize) -> Slab<T> {
        let capacity = capacity.min(u32::MAX as usize);
        Slab { slots: Vec::new(), free: Vec::new(), len: 0, capacity }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len >= self.capacity
    }

    /// Stores `value` in a free slot, or gives it back when the slab is full.
    pub(crate) fn insert(&mut self, value: T) -> Result<ConnId, T> {
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
        slot.generation = slot.generation.checked_add(1).unwrap_or(1);
        slot.value = Some(value);
        self.len += 1;
        Ok(ConnId { index, generation: slot.generation })
    }

    pub(crate) fn get(&self, id: ConnId) -> Option<&T> {
        let slot = self.slots.get(id.index as usize)?;
        if slot.generation == id.generation { slot.value.as_ref() } else { None }
    }

    pub(crate) fn get_mut(&mut self, id: ConnId) -> Option<&mut T> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation == id.generation { slot.value.as_mut() } else { None }
    }

    pub(crate) fn remove(&mut self, id: ConnId) -> Option<T> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        let value = slot.value.take()?;
        self.free.push(id.index);
        self.len -= 1;
        Some(value)
    }

    /// The ids of every value, in slot order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.value.is_some())
            .map(|(index, slot)| ConnId { index: index as u32, generation: slot.generation })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_slot_does_not_answer_to_the_old_id() {
        let mut slab = Slab::with_capacity(4);
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
        let mut slab = Slab::with_capacity(2);
        let a = slab.insert(1).unwrap();
        slab.insert(2).unwrap();
        assert_eq!(slab.insert(3), Err(3));
        slab.remove(a);
        assert!(slab.insert(3).is_ok());
        assert_eq!(slab.len(), 2);
    }

    #[test]
    fn tokens_round_trip_and_never_collide_with_the_loops_own() {
        let mut slab = Slab::with_capacity(8);
        let id = slab.insert(()).unwrap();
        assert_eq!(ConnId::from_token(id.token()), Some(id));
        assert_eq!(ConnId::from_token(Token(0)), None);
        assert_eq!(ConnId::from_token(Token(5)), None);
    }

    #[test]
    fn ids_lists_the_live_values() {
        let mut slab = Slab::with_capacity(8);
        let a = slab.insert('a').unwrap();
        let b = slab.insert('b').unwrap();
        let c = slab.insert('c').unwrap();
        slab.remove(b);
        assert_eq!(slab.ids().collect::<Vec<_>>(), vec![a, c]);
    }
}
