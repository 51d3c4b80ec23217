// The C++ shim and the Rust side place every port at the same offset: both take it from here,
// which derives it from the unit's port list, declared once in its folder of the generator.

use hbfpgen::ports::{Direction, Port};

/// One port's place in the word buffers that cross the FFI: it starts at word `word` (bit 0 of the
/// port is bit 0 of that word) and takes `words` 32-bit words, the layout of a Verilator port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Port name, as in the manifest.
    pub name: String,
    /// Width in bits.
    pub width: u32,
    /// Whether the port holds a two's-complement value.
    pub signed: bool,
    /// First word of the port in its buffer.
    pub word: usize,
    /// Number of 32-bit words it takes.
    pub words: usize,
}

/// The input and output buffers of one model: every port of the manifest but the clock, in the
/// manifest's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Input ports (the clock excluded: the shim drives it).
    pub inputs: Vec<Slot>,
    /// Output ports.
    pub outputs: Vec<Slot>,
    /// Words in the input buffer.
    pub in_words: usize,
    /// Words in the output buffer.
    pub out_words: usize,
    /// Whether the unit has a clock (and a reset).
    pub clocked: bool,
}

impl Layout {
    /// The layout of a unit with `ports` (a manifest's list).
    pub fn of_ports(ports: &[Port]) -> Self {
        let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
        let (mut in_words, mut out_words) = (0, 0);
        let mut clocked = false;
        for p in ports {
            if p.name == "clk_i" {
                clocked = true;
                continue;
            }
            let (list, next) = match p.direction {
                Direction::Input => (&mut inputs, &mut in_words),
                Direction::Output => (&mut outputs, &mut out_words),
            };
            let words = p.width.div_ceil(32) as usize;
            list.push(Slot {
                name: p.name.clone(),
                width: p.width,
                signed: p.signed,
                word: *next,
                words,
            });
            *next += words;
        }
        Layout {
            inputs,
            outputs,
            in_words,
            out_words,
            clocked,
        }
    }

    /// The slot of port `name` (input or output).
    pub fn slot(&self, name: &str) -> Option<&Slot> {
        self.inputs
            .iter()
            .chain(&self.outputs)
            .find(|s| s.name == name)
    }
}
