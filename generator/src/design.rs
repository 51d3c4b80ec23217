//! What the FPGA flow synthesises: a unit's files, ports and parameters, and its floor. Every
//! unit describes itself this way ([`crate::unit::AnyUnit::design`]); [`crate::synth`] and
//! [`crate::sweep`] take it from there.

use crate::ports::Port;

/// A design to synthesise: one module and what describes it.
#[derive(Clone, Debug)]
pub struct Design {
    /// The kind of unit (`hbfp_dot`, `int_dot`).
    pub unit: String,
    /// The module name.
    pub module: String,
    /// Files to write, (name, contents); the first is the module's SystemVerilog.
    pub files: Vec<(String, String)>,
    /// The module's ports.
    pub ports: Vec<Port>,
    /// The parameters, as in the manifest.
    pub parameters: serde_json::Value,
    /// The plain datapath of the same shape, whose area the report compares against.
    pub floor: Option<Box<Design>>,
}
