//! One instance of a built model ([`crate::compile::Model`]), driven by port name or by whole word
//! buffers: inputs and outputs as bits, one call per clock cycle.

use crate::compile::Model;
use crate::layout::{Layout, Slot};
use bitvec::prelude::*;
use std::ffi::CString;
use std::os::raw::c_void;
use std::path::Path;
use std::sync::Arc;

/// One instance of a model, with its own Verilator context.
pub struct Sim {
    model: Arc<Model>,
    handle: *mut c_void,
    inp: Vec<u32>,
    out: Vec<u32>,
}

// SAFETY: an instance is a Verilator model in its own context, touched only through `&mut self`
// (or `&self` for reading the output buffer); it may move between threads.
unsafe impl Send for Sim {}

impl Sim {
    /// A new instance of `model`, before its first cycle, every input zero (reset asserted).
    pub fn new(model: Arc<Model>) -> Sim {
        // SAFETY: the constructor of a loaded model; freed in Drop, while `model` keeps the
        // library loaded.
        let handle = unsafe { (model.fns.new)() };
        Sim {
            inp: vec![0; model.layout.in_words.max(1)],
            out: vec![0; model.layout.out_words.max(1)],
            model,
            handle,
        }
    }

    /// A new instance held in reset for two cycles, then released (`rst_ni` high), if it has one.
    pub fn after_reset(model: Arc<Model>) -> Sim {
        let mut s = Sim::new(model);
        if s.layout().slot("rst_ni").is_some() {
            s.set("rst_ni", 0);
            s.step();
            s.step();
            s.set("rst_ni", 1);
        }
        s
    }

    /// The model.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// Where each port sits in the buffers.
    pub fn layout(&self) -> &Layout {
        &self.model.layout
    }

    fn slot(&self, port: &str) -> &Slot {
        slot_of(&self.model, port)
    }

    /// Sets an input port of up to 64 bits.
    pub fn set(&mut self, port: &str, value: u64) {
        let s = slot_of(&self.model, port);
        put_words(&mut self.inp, s, value);
    }

    /// The slot of `port`, to look up once for [`Sim::set_at`] and [`Sim::get_at`] in a hot loop;
    /// panics when the model has no such port.
    pub fn port(&self, port: &str) -> Slot {
        self.slot(port).clone()
    }

    /// Sets the input port at slot `s` (from [`Sim::port`]), up to 64 bits.
    pub fn set_at(&mut self, s: &Slot, value: u64) {
        put_words(&mut self.inp, s, value);
    }

    /// The output port at slot `s` (from [`Sim::port`]), its low 64 bits.
    pub fn get_at(&self, s: &Slot) -> u64 {
        get_words(&self.out, s)
    }

    /// Sets an input port from lanes of `lane_bits` each, lane i at bit i * lane_bits.
    pub fn set_lanes(&mut self, port: &str, lane_bits: u32, lanes: &[u64]) {
        let s = slot_of(&self.model, port);
        let w = lane_bits as usize;
        assert!(
            lanes.len() * w <= s.width as usize,
            "{port} is {} bits",
            s.width
        );
        let bits = self.inp.view_bits_mut::<Lsb0>();
        for (i, &v) in lanes.iter().enumerate() {
            let base = s.word * 32 + i * w;
            bits[base..base + w].store_le(v);
        }
    }

    /// An output port of up to 64 bits, as sampled in the last cycle.
    pub fn get(&self, port: &str) -> u64 {
        get_words(&self.out, self.slot(port))
    }

    /// An output port as `count` lanes of `lane_bits` each.
    pub fn get_lanes(&self, port: &str, lane_bits: u32, count: usize) -> Vec<u64> {
        let s = self.slot(port);
        let w = lane_bits as usize;
        let bits = self.out.view_bits::<Lsb0>();
        (0..count)
            .map(|i| {
                let base = s.word * 32 + i * w;
                bits[base..base + w].load_le()
            })
            .collect()
    }

    /// One clock cycle: evaluates with the current inputs, samples the outputs, raises the clock.
    pub fn step(&mut self) {
        // SAFETY: the buffers have the sizes the shim was generated for (the same layout).
        unsafe { (self.model.fns.step)(self.handle, self.inp.as_ptr(), self.out.as_mut_ptr()) };
    }

    /// One clock cycle with the whole input buffer `words`; returns the output buffer.
    pub fn step_words(&mut self, words: &[u32]) -> &[u32] {
        self.inp.copy_from_slice(words);
        self.step();
        &self.out
    }

    /// The input buffer as it stands.
    pub fn inputs(&self) -> &[u32] {
        &self.inp
    }

    /// The output buffer of the last cycle.
    pub fn outputs(&self) -> &[u32] {
        &self.out
    }

    /// Starts writing a waveform of every signal to `path` (from the next cycle on), in the
    /// model's format ([`crate::compile::Model::waves`]).
    pub fn trace(&mut self, path: &Path) -> Result<(), String> {
        let c = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|_| format!("{} contains a NUL byte", path.display()))?;
        // SAFETY: a valid handle and a NUL-terminated path.
        match unsafe { (self.model.fns.trace)(self.handle, c.as_ptr()) } {
            0 => Ok(()),
            _ => Err(format!("cannot write the waveform {}", path.display())),
        }
    }

    /// Runs the shim's plain C++ loop for `cycles` more cycles of a stream through the packed input
    /// buffers `ins` (controls included), comparing the data outputs of every result with the next
    /// of the packed output buffers `expect`, in order. `state` is (cycles run, results seen, first
    /// result cycle of a unit without a handshake, input index) of the stream, updated. Returns the
    /// mismatches found in this call.
    pub fn cxx_loop(
        &mut self,
        ins: &[u32],
        expect: &[u32],
        cycles: u64,
        state: &mut [u64; 4],
    ) -> u64 {
        let (iw, ow) = (self.inp.len(), self.out.len());
        assert!(
            !ins.is_empty() && ins.len() % iw == 0,
            "whole input buffers"
        );
        assert!(
            !expect.is_empty() && expect.len() % ow == 0,
            "whole output buffers"
        );
        // SAFETY: the slices hold whole buffers of the sizes the shim indexes (checked above).
        unsafe {
            (self.model.fns.cxx_loop)(
                self.handle,
                ins.as_ptr(),
                ins.len() / iw,
                expect.as_ptr(),
                expect.len() / ow,
                cycles,
                state.as_mut_ptr(),
            )
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        // SAFETY: the handle came from this model's constructor and is freed once; closes any trace.
        unsafe { (self.model.fns.free)(self.handle) };
    }
}

/// The slot of `port` in `model`'s buffers; panics when it has none.
fn slot_of<'m>(model: &'m Model, port: &str) -> &'m Slot {
    model
        .layout
        .slot(port)
        .unwrap_or_else(|| panic!("{} has no port {port}", model.name))
}

/// [`put`] on whole words: a port starts at a word, and the bits above its width in its last word
/// are its own padding, so up to 64 bits are one or two word stores.
fn put_words(buf: &mut [u32], s: &Slot, v: u64) {
    let w = s.width.min(64);
    let v = if w == 64 { v } else { v & ((1u64 << w) - 1) };
    buf[s.word] = v as u32;
    if w > 32 {
        buf[s.word + 1] = (v >> 32) as u32;
    }
}

/// [`get`] on whole words (see [`put_words`]).
fn get_words(buf: &[u32], s: &Slot) -> u64 {
    let w = s.width.min(64);
    let mut v = u64::from(buf[s.word]);
    if w > 32 {
        v |= u64::from(buf[s.word + 1]) << 32;
    }
    if w == 64 {
        v
    } else {
        v & ((1u64 << w) - 1)
    }
}

/// Writes `v` into the port `s` of a word buffer.
pub fn put(bits: &mut BitSlice<u32, Lsb0>, s: &Slot, v: u64) {
    let base = s.word * 32;
    let w = (s.width as usize).min(64);
    bits[base..base + w].store_le(v);
}

/// Reads the port `s` (its low 64 bits) from a word buffer.
pub fn get(bits: &BitSlice<u32, Lsb0>, s: &Slot) -> u64 {
    let base = s.word * 32;
    let w = (s.width as usize).min(64);
    bits[base..base + w].load_le::<u64>()
}
