//! The store, serving `Kv` in each style: [`Store`] (`InOrder`), [`Shared`] (`Concurrent`)
//! and [`Piped`] (`Pipelined`, replying from other threads).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use ostium::{Caller, R, RW, W};
use ostium_rpc::{HandlerError, Lease, ReplyToken};

use crate::kv::{ConcurrentKvImpl, InOrderKvImpl, PipelinedKvImpl};
use crate::types::{Entry, KeyProblem, KvError, Mode, Stats};

/// The store's state.
#[derive(Debug)]
pub struct Store {
    map: HashMap<u32, Vec<u8>>,
    mode: Mode,
    calls: u64,
}

impl Default for Store {
    fn default() -> Store {
        Store { map: HashMap::new(), mode: Mode::Open, calls: 0 }
    }
}

impl InOrderKvImpl for Store {
    fn get(
        &mut self,
        _: &Caller,
        key: u32,
        mut value: Lease<'_, W, [u8]>,
    ) -> Result<u32, HandlerError<KvError>> {
        self.calls += 1;
        let stored = self.map.get(&key).ok_or(KvError::NotFound)?;
        let n = stored.len().min(value.len());
        value.write_range(0..n, &stored[..n]).map_err(HandlerError::bad_lease)?;
        Ok(stored.len() as u32)
    }

    fn put(
        &mut self,
        _: &Caller,
        key: u32,
        value: Lease<'_, R, [u8]>,
    ) -> Result<(), HandlerError<KvError>> {
        self.calls += 1;
        if self.mode == Mode::Frozen {
            return Err(KvError::Frozen.into());
        }
        let bytes = value.read_to_vec().map_err(HandlerError::bad_lease)?;
        self.map.insert(key, bytes);
        Ok(())
    }

    fn add_to_all(&mut self, _: &Caller, by: u32, mut words: Lease<'_, RW, [u32]>) {
        self.calls += 1;
        for i in 0..words.len() {
            if let Some(word) = words.read_at(i) {
                let _ = words.write_at(i, word.wrapping_add(by));
            }
        }
    }

    fn stats(&mut self, _: &Caller, mut out: Lease<'_, W, Stats>) {
        self.calls += 1;
        let bytes = self.map.values().map(Vec::len).sum::<usize>() as u32;
        let stats = Stats { keys: self.map.len() as u32, bytes, calls: self.calls };
        let _ = out.write(&stats);
    }

    fn fill(
        &mut self,
        _: &Caller,
        byte: u8,
        invert: bool,
        mut block: Lease<'_, W, [u8; 4]>,
    ) -> bool {
        let byte = if invert { !byte } else { byte };
        block.write(&[byte; 4]).is_ok()
    }

    fn set_mode(&mut self, _: &Caller, mode: Mode) -> bool {
        let changed = self.mode != mode;
        self.mode = mode;
        changed
    }

    fn maybe_mode(&mut self, _: &Caller, mode: Option<Mode>) -> bool {
        mode.is_some()
    }

    fn entry(
        &mut self,
        _: &Caller,
        key: u32,
        filter: Option<Mode>,
    ) -> Result<Entry, HandlerError<KeyProblem>> {
        let value = self.map.get(&key).ok_or(KeyProblem::Missing { key })?;
        match filter {
            Some(mode) if mode != self.mode => Err(KeyProblem::Filtered(self.mode).into()),
            _ => Ok(Entry { len: value.len() as u32, mode: self.mode }),
        }
    }

    fn checksum(&mut self, _: &Caller, seed: u64, data: Lease<'_, R, [u8]>) -> u64 {
        let bytes = data.read_to_vec().unwrap_or_default();
        bytes.iter().fold(seed, |sum, b| sum + u64::from(*b))
    }

    fn clear(&mut self, _: &Caller) {
        self.map.clear();
    }

    fn shutdown(&mut self, _: &Caller) {}

    fn exit(&mut self, _: &Caller) {
        std::process::exit(3);
    }
}

/// A store behind a mutex, for the `Concurrent` style: each method locks it.
#[derive(Debug, Default)]
pub struct Shared(pub Mutex<Store>);

impl Shared {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ConcurrentKvImpl for Shared {
    fn get(
        &self,
        c: &Caller,
        key: u32,
        value: Lease<'_, W, [u8]>,
    ) -> Result<u32, HandlerError<KvError>> {
        self.store().get(c, key, value)
    }
    fn put(
        &self,
        c: &Caller,
        key: u32,
        value: Lease<'_, R, [u8]>,
    ) -> Result<(), HandlerError<KvError>> {
        self.store().put(c, key, value)
    }
    fn add_to_all(&self, c: &Caller, by: u32, words: Lease<'_, RW, [u32]>) {
        self.store().add_to_all(c, by, words)
    }
    fn stats(&self, c: &Caller, out: Lease<'_, W, Stats>) {
        self.store().stats(c, out)
    }
    fn fill(&self, c: &Caller, byte: u8, invert: bool, block: Lease<'_, W, [u8; 4]>) -> bool {
        self.store().fill(c, byte, invert, block)
    }
    fn set_mode(&self, c: &Caller, mode: Mode) -> bool {
        self.store().set_mode(c, mode)
    }
    fn maybe_mode(&self, c: &Caller, mode: Option<Mode>) -> bool {
        self.store().maybe_mode(c, mode)
    }
    fn entry(
        &self,
        c: &Caller,
        key: u32,
        filter: Option<Mode>,
    ) -> Result<Entry, HandlerError<KeyProblem>> {
        self.store().entry(c, key, filter)
    }
    fn checksum(&self, c: &Caller, seed: u64, data: Lease<'_, R, [u8]>) -> u64 {
        self.store().checksum(c, seed, data)
    }
    fn clear(&self, c: &Caller) {
        self.store().clear(c)
    }
    fn shutdown(&self, c: &Caller) {
        self.store().shutdown(c)
    }
    fn exit(&self, c: &Caller) {
        self.store().exit(c)
    }
}

/// A store whose lease-free replies are sent from another thread (`Pipelined`); `clear`
/// drops its token unanswered, to show that the caller gets a fault rather than hanging.
#[derive(Debug, Default)]
pub struct Piped(pub Shared);

impl PipelinedKvImpl for Piped {
    fn get(
        &self,
        reply: ReplyToken<Result<u32, HandlerError<KvError>>>,
        c: &Caller,
        key: u32,
        value: Lease<'_, W, [u8]>,
    ) {
        reply.reply(self.0.get(c, key, value));
    }
    fn put(
        &self,
        reply: ReplyToken<Result<(), HandlerError<KvError>>>,
        c: &Caller,
        key: u32,
        value: Lease<'_, R, [u8]>,
    ) {
        reply.reply(self.0.put(c, key, value));
    }
    fn add_to_all(&self, reply: ReplyToken<()>, c: &Caller, by: u32, words: Lease<'_, RW, [u32]>) {
        self.0.add_to_all(c, by, words);
        reply.reply(());
    }
    fn stats(&self, reply: ReplyToken<()>, c: &Caller, out: Lease<'_, W, Stats>) {
        self.0.stats(c, out);
        reply.reply(());
    }
    fn fill(
        &self,
        reply: ReplyToken<bool>,
        c: &Caller,
        byte: u8,
        invert: bool,
        block: Lease<'_, W, [u8; 4]>,
    ) {
        reply.reply(self.0.fill(c, byte, invert, block));
    }
    fn set_mode(&self, reply: ReplyToken<bool>, c: &Caller, mode: Mode) {
        let changed = self.0.set_mode(c, mode);
        std::thread::spawn(move || reply.reply(changed));
    }
    fn maybe_mode(&self, reply: ReplyToken<bool>, c: &Caller, mode: Option<Mode>) {
        let known = self.0.maybe_mode(c, mode);
        std::thread::spawn(move || reply.reply(known));
    }
    fn entry(
        &self,
        reply: ReplyToken<Result<Entry, HandlerError<KeyProblem>>>,
        c: &Caller,
        key: u32,
        filter: Option<Mode>,
    ) {
        let entry = self.0.entry(c, key, filter);
        std::thread::spawn(move || reply.reply(entry));
    }
    fn checksum(&self, reply: ReplyToken<u64>, c: &Caller, seed: u64, data: Lease<'_, R, [u8]>) {
        reply.reply(self.0.checksum(c, seed, data));
    }
    fn clear(&self, reply: ReplyToken<()>, _: &Caller) {
        drop(reply);
    }
    fn shutdown(&self, reply: ReplyToken<()>, c: &Caller) {
        self.0.shutdown(c);
        reply.reply(());
    }
    fn exit(&self, reply: ReplyToken<()>, c: &Caller) {
        self.0.exit(c);
        reply.reply(());
    }
}
