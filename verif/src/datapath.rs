//! A Verilated model driven by port name, for the units beyond `hbfp_dot` (the converter and the
//! accumulators of [`crate::datapath_units`]): inputs and outputs as lanes of bits, one call per
//! cycle, laid out from the unit's manifest as the build script laid out its shim.

use crate::layout::{Layout, Slot};
use crate::{DatapathModel, DATAPATH_MODELS};
use bitvec::prelude::*;
use hbfpgen::ports::Port;
use std::os::raw::c_void;

/// One instance of a datapath model.
pub struct PortDut {
    model: &'static DatapathModel,
    layout: Layout,
    handle: *mut c_void,
    inp: Vec<u32>,
    out: Vec<u32>,
}

impl PortDut {
    /// A new instance of the model `name`, whose unit has `ports` (its manifest's list), held in
    /// reset for two cycles. `None` when no such model is compiled in.
    pub fn new(name: &str, ports: &[Port]) -> Option<PortDut> {
        let model = DATAPATH_MODELS.iter().find(|m| m.name == name)?;
        let layout = Layout::of_ports(ports);
        // SAFETY: the constructor of a model compiled into this crate; freed in Drop.
        let handle = unsafe { (model.fns.new)() };
        let mut d = PortDut {
            model,
            inp: vec![0; layout.in_words.max(1)],
            out: vec![0; layout.out_words.max(1)],
            layout,
            handle,
        };
        d.set("rst_ni", 0);
        d.step();
        d.step();
        d.set("rst_ni", 1);
        Some(d)
    }

    fn slot(&self, port: &str) -> &Slot {
        self.layout
            .slot(port)
            .unwrap_or_else(|| panic!("{} has no port {port}", self.model.name))
    }

    /// Sets an input port of up to 64 bits.
    pub fn set(&mut self, port: &str, value: u64) {
        let s = self.slot(port).clone();
        let bits = self.inp.view_bits_mut::<Lsb0>();
        bits[s.word * 32..s.word * 32 + s.width as usize].store_le(value);
    }

    /// Sets an input port from lanes of `lane_bits` each, lane i at bit i * lane_bits.
    pub fn set_lanes(&mut self, port: &str, lane_bits: u32, lanes: &[u64]) {
        let s = self.slot(port).clone();
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
        let s = self.slot(port);
        self.out.view_bits::<Lsb0>()[s.word * 32..s.word * 32 + s.width as usize].load_le()
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

    /// Streams `items` through the unit with `in_valid_i` held high while items remain and
    /// `out_ready_i` always high: `load` sets the data inputs of an item, and `take` reads the
    /// outputs of each cycle with `out_valid_o` high. Stops when `expected` outputs have been
    /// taken, or after a bound on the cycles (then fewer were taken).
    pub fn stream<T>(
        &mut self,
        items: &[T],
        mut load: impl FnMut(&mut PortDut, &T),
        mut take: impl FnMut(&PortDut),
        expected: usize,
    ) -> usize {
        let mut next = 0;
        let mut taken = 0;
        self.set("out_ready_i", 1);
        let bound = 4 * items.len() + 64;
        for _ in 0..bound {
            if taken == expected {
                break;
            }
            if let Some(item) = items.get(next) {
                load(self, item);
                self.set("in_valid_i", 1);
            } else {
                self.set("in_valid_i", 0);
            }
            self.step();
            if self.get("out_valid_o") == 1 {
                take(self);
                taken += 1;
            }
            if next < items.len() && self.get("in_ready_o") == 1 {
                next += 1;
            }
        }
        taken
    }
}

impl Drop for PortDut {
    fn drop(&mut self) {
        // SAFETY: the handle came from this model's constructor and is freed once.
        unsafe { (self.model.fns.free)(self.handle) };
    }
}
