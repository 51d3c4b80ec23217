//! A Verilated model driven by port name, for the datapath demonstration and its tests: the model
//! of a unit built (or found in the cache) on first use, held in reset for two cycles.

use crate::compile::BuildOptions;
use crate::sim::Sim;
use hbfpgen::unit::AnyUnit;
use std::ops::{Deref, DerefMut};

/// One instance of a unit's model, reset and ready for its first operation.
pub struct PortDut(Sim);

impl PortDut {
    /// A new instance of `unit`'s generated RTL (built with the options of test builds, -O1);
    /// panics with the build's message if the model cannot be built.
    pub fn new(unit: &dyn AnyUnit) -> PortDut {
        let opts = BuildOptions {
            opt_level: 1,
            ..BuildOptions::default()
        };
        let model = crate::cosim::model(unit, None, &opts)
            .unwrap_or_else(|e| panic!("the model of {}: {e}", unit.name()));
        PortDut(Sim::after_reset(model))
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

impl Deref for PortDut {
    type Target = Sim;
    fn deref(&self) -> &Sim {
        &self.0
    }
}

impl DerefMut for PortDut {
    fn deref_mut(&mut self) -> &mut Sim {
        &mut self.0
    }
}
