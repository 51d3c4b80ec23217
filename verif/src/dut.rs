//! A safe wrapper around one Verilated model: inputs and outputs as values, one call per cycle.

use crate::layout::{Layout, Slot};
use crate::ModelInfo;
use bitvec::prelude::*;
use hbfpgen::dot::DotUnit;
use hbfpgen::format::{mask, sign_extend};
use hbfpgen::model::{Block, DotResult};
use std::ffi::CString;
use std::os::raw::c_void;
use std::path::Path;

/// The handshake and reset inputs of one cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Controls {
    /// `in_valid_i`.
    pub in_valid: bool,
    /// `out_ready_i`.
    pub out_ready: bool,
    /// Reset asserted (`rst_ni` low) in this cycle; ignored by a combinational unit.
    pub reset: bool,
}

/// The outputs of one cycle, sampled before the rising clock edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outputs {
    /// `in_ready_o`.
    pub in_ready: bool,
    /// `out_valid_o`.
    pub out_valid: bool,
    /// `sum_o`, sign-extended.
    pub sum: i64,
    /// `exp_o`, sign-extended.
    pub exp: i64,
    /// `nan_o`.
    pub nan: bool,
    /// `tag_o` (0 without a tag).
    pub tag: u64,
}

impl Outputs {
    /// Whether the data outputs (sum, exponent, NaN flag, tag) equal `other`'s.
    pub fn same_data(&self, other: &Outputs) -> bool {
        (self.sum, self.exp, self.nan, self.tag) == (other.sum, other.exp, other.nan, other.tag)
    }

    /// Whether the data outputs are the golden model's `r` with tag `tag`.
    pub fn matches(&self, r: &DotResult, tag: u64) -> bool {
        (self.sum, self.exp, self.nan, self.tag) == (r.sum, r.exp, r.nan, tag)
    }
}

struct Ports {
    in_valid: usize,
    out_ready: usize,
    rst: Option<usize>,
    a_man: usize,
    a_exp: Slot,
    b_man: usize,
    b_exp: Slot,
    tag_i: Option<Slot>,
    in_ready: usize,
    out_valid: usize,
    sum: Slot,
    exp: Slot,
    nan: usize,
    tag_o: Option<Slot>,
}

/// One instance of a Verilated model, with its own Verilator context.
pub struct Dut {
    info: &'static ModelInfo,
    unit: DotUnit,
    layout: Layout,
    ports: Ports,
    handle: *mut c_void,
    inp: Vec<u32>,
    out: Vec<u32>,
}

impl Dut {
    /// A new instance of `info`'s model, before its first cycle.
    pub fn new(info: &'static ModelInfo) -> Dut {
        let unit = info.unit();
        let layout = Layout::of(&unit);
        let slot = |n: &str| layout.slot(n).cloned();
        let word = |n: &str| slot(n).expect("a port of every unit").word;
        let ports = Ports {
            in_valid: word("in_valid_i"),
            out_ready: word("out_ready_i"),
            rst: slot("rst_ni").map(|s| s.word),
            a_man: word("a_man_i"),
            a_exp: slot("a_exp_i").expect("a_exp_i"),
            b_man: word("b_man_i"),
            b_exp: slot("b_exp_i").expect("b_exp_i"),
            tag_i: slot("tag_i"),
            in_ready: word("in_ready_o"),
            out_valid: word("out_valid_o"),
            sum: slot("sum_o").expect("sum_o"),
            exp: slot("exp_o").expect("exp_o"),
            nan: word("nan_o"),
            tag_o: slot("tag_o"),
        };
        // SAFETY: the constructor of a model compiled into this crate; freed in Drop.
        let handle = unsafe { (info.fns.new)() };
        Dut {
            inp: vec![0; layout.in_words.max(1)],
            out: vec![0; layout.out_words.max(1)],
            info,
            unit,
            layout,
            ports,
            handle,
        }
    }

    /// The model's description.
    pub fn info(&self) -> &'static ModelInfo {
        self.info
    }

    /// The unit the model was generated from.
    pub fn unit(&self) -> &DotUnit {
        &self.unit
    }

    /// The port layout of the model's buffers.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The input words of one operation (A, B and the tag), with every control input low. Lanes are
    /// packed as `M`-bit fields, lane i at bit i*M of the mantissa port.
    pub fn pack(&self, a: &Block, b: &Block, tag: u64) -> Vec<u32> {
        let f = self.unit.format;
        let m = f.element.bits() as usize;
        let mut w = vec![0u32; self.inp.len()];
        let bits = w.view_bits_mut::<Lsb0>();
        for (port, block) in [(self.ports.a_man, a), (self.ports.b_man, b)] {
            let base = port * 32;
            for (i, &q) in block.man.iter().enumerate() {
                bits[base + i * m..base + (i + 1) * m].store_le(f.element.encode(q));
            }
        }
        for (slot, block) in [(&self.ports.a_exp, a), (&self.ports.b_exp, b)] {
            put(bits, slot, f.scale.encode(block.exp));
        }
        if let Some(s) = &self.ports.tag_i {
            put(bits, s, tag & mask(s.width));
        }
        w
    }

    /// Sets the control inputs in a packed input buffer (as [`Dut::step`] does).
    pub fn set_controls(&self, words: &mut [u32], c: Controls) {
        words[self.ports.in_valid] = c.in_valid as u32;
        words[self.ports.out_ready] = c.out_ready as u32;
        if let Some(r) = self.ports.rst {
            words[r] = !c.reset as u32;
        }
    }

    /// One clock cycle: applies `op`'s words (if any; otherwise the data inputs keep their last
    /// values) and the controls, evaluates, samples the outputs, then raises the clock. A
    /// combinational unit is evaluated once.
    pub fn step(&mut self, op: Option<&[u32]>, c: Controls) -> Outputs {
        if let Some(words) = op {
            self.inp.copy_from_slice(words);
        }
        let mut inp = std::mem::take(&mut self.inp);
        self.set_controls(&mut inp, c);
        self.inp = inp;
        self.step_words()
    }

    /// One clock cycle with the input buffer exactly as given (controls included).
    pub fn step_raw(&mut self, words: &[u32]) -> Outputs {
        self.inp.copy_from_slice(words);
        self.step_words()
    }

    fn step_words(&mut self) -> Outputs {
        // SAFETY: the buffers have the sizes the shim was generated for (the same layout).
        unsafe { (self.info.fns.step)(self.handle, self.inp.as_ptr(), self.out.as_mut_ptr()) };
        self.decode(&self.out)
    }

    /// Decodes an output buffer.
    pub fn decode(&self, out: &[u32]) -> Outputs {
        let bits = out.view_bits::<Lsb0>();
        let p = &self.ports;
        Outputs {
            in_ready: out[p.in_ready] & 1 == 1,
            out_valid: out[p.out_valid] & 1 == 1,
            sum: sign_extend(get(bits, &p.sum), p.sum.width),
            exp: sign_extend(get(bits, &p.exp), p.exp.width),
            nan: out[p.nan] & 1 == 1,
            tag: p.tag_o.as_ref().map(|s| get(bits, s)).unwrap_or(0),
        }
    }

    /// The output words a correct model presents for result `r` with tag `tag` (handshake outputs
    /// zero): what the C++ loop compares against.
    pub fn encode_result(&self, r: &DotResult, tag: u64) -> Vec<u32> {
        let mut w = vec![0u32; self.out.len()];
        let bits = w.view_bits_mut::<Lsb0>();
        let p = &self.ports;
        put(bits, &p.sum, r.sum as u64 & mask(p.sum.width));
        put(bits, &p.exp, r.exp as u64 & mask(p.exp.width));
        if let Some(s) = &p.tag_o {
            put(bits, s, tag & mask(s.width));
        }
        w[p.nan] = r.nan as u32;
        w
    }

    /// Starts writing a VCD waveform of every signal to `path` (from the next cycle on).
    pub fn trace(&mut self, path: &Path) -> Result<(), String> {
        let c = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|_| format!("{} contains a NUL byte", path.display()))?;
        // SAFETY: a valid handle and a NUL-terminated path.
        match unsafe { (self.info.fns.trace)(self.handle, c.as_ptr()) } {
            0 => Ok(()),
            _ => Err(format!("cannot write the waveform {}", path.display())),
        }
    }

    /// Runs the plain C++ loop of the shim for `cycles` more cycles of a stream that cycles through
    /// the packed inputs `ins` (`n` operations, controls included) and compares every valid output
    /// with `expect` (`n` output buffers, in order). `state` is (cycles run, results seen) of the
    /// stream so far, updated. Returns the mismatches in this call.
    pub fn cxx_loop(
        &mut self,
        ins: &[u32],
        expect: &[u32],
        n: usize,
        cycles: u64,
        state: &mut [u64; 2],
    ) -> u64 {
        assert_eq!(ins.len(), n * self.inp.len(), "ins holds n input buffers");
        assert_eq!(
            expect.len(),
            n * self.out.len(),
            "expect holds n output buffers"
        );
        // SAFETY: the slices have the sizes the shim indexes (checked above).
        unsafe {
            (self.info.fns.cxx_loop)(
                self.handle,
                ins.as_ptr(),
                expect.as_ptr(),
                n,
                cycles,
                state.as_mut_ptr(),
            )
        }
    }
}

impl Drop for Dut {
    fn drop(&mut self) {
        // SAFETY: the handle came from this model's constructor and is freed once; closes any trace.
        unsafe { (self.info.fns.free)(self.handle) };
    }
}

fn put(bits: &mut BitSlice<u32, Lsb0>, s: &Slot, v: u64) {
    let base = s.word * 32;
    bits[base..base + s.width as usize].store_le(v);
}

fn get(bits: &BitSlice<u32, Lsb0>, s: &Slot) -> u64 {
    let base = s.word * 32;
    bits[base..base + s.width as usize].load_le::<u64>()
}
