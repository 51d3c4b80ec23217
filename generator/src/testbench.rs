//! The self-checking testbench, one template for every unit (`rtl-templates/shared/testbench.sv.tera`),
//! drawn from the unit's ports and vector layout: it declares a signal per port, instantiates the
//! unit, streams the vector file word by word (any length), drives every input field, checks every
//! output field in order under random stalls on both handshakes, and exits non-zero on any failure.

use crate::error::Result;
use crate::ports::{Direction, Port, Role};
use crate::render::render;
use crate::vectors::VectorLayout;
use serde::Serialize;

/// A signal of the testbench: one per port but the clock and reset, which it drives itself.
#[derive(Serialize)]
struct Signal {
    name: String,
    width: u32,
    signed: bool,
}

/// A connection of the unit's instance, padded to line up.
#[derive(Serialize)]
struct Connection {
    name: String,
    pad: String,
}

/// A port driven from, or checked against, a field of the vector word.
#[derive(Serialize)]
struct PortField {
    port: String,
    field: String,
}

/// Everything the testbench template needs.
#[derive(Serialize)]
struct TestbenchContext {
    header: String,
    module: String,
    command: String,
    default_vectors: String,
    word_bits: u32,
    latency: u32,
    /// Expected results held between driver and monitor (a power of two).
    pending: u32,
    signals: Vec<Signal>,
    connections: Vec<Connection>,
    drive: Vec<PortField>,
    check: Vec<PortField>,
    /// The bit of the flag that marks the words producing a result, or empty.
    out_when: String,
    out_when_field: String,
    /// The outputs that must hold while stalled, as an SV concatenation body.
    out_concat: String,
    out_bits: u32,
    /// Contexts taking turns (1: none).
    contexts: u32,
    /// Width of `ctx_o`.
    ctx_bits: u32,
}

/// What the testbench needs to know of a unit.
pub struct TestbenchOf<'a> {
    /// The module name.
    pub name: &'a str,
    /// Its command-line name (for the comment that says how to write vectors).
    pub command: &'a str,
    /// Every port.
    pub ports: Vec<Port>,
    /// The provenance header of the testbench file.
    pub header: String,
    /// The longest latency, in cycles, from an accepted word to its result.
    pub latency: u32,
    /// The vector field that marks the words which produce a result, if not every word does.
    pub result_flag: Option<&'a str>,
    /// Contexts taking turns (`ctx_o`; 1: none): word k of the file belongs to context k mod C.
    pub contexts: u32,
}

/// The self-checking testbench of a unit (module `<name>_tb`).
pub fn testbench_sv(unit: &TestbenchOf) -> Result<String> {
    let ports = &unit.ports;
    let layout = VectorLayout::of_ports(ports);
    let name = unit.name.to_owned();
    let field = |p: &Port| {
        layout
            .field(p.stem())
            .expect("every data port has a field")
            .range()
    };
    let data = |d: Direction| -> Vec<&Port> {
        ports
            .iter()
            .filter(|p| p.role() == Role::Data && p.direction == d)
            .collect()
    };
    let outputs = data(Direction::Output);
    let widest = ports.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let (out_when, out_when_field) = match unit.result_flag {
        Some(f) => (
            layout
                .field(f)
                .expect("the result flag is a field")
                .offset
                .to_string(),
            f.to_owned(),
        ),
        None => (String::new(), String::new()),
    };
    let latency = unit.latency;
    let ctx = TestbenchContext {
        header: unit.header.clone(),
        module: name.clone(),
        command: unit.command.to_owned(),
        default_vectors: format!("{name}.vec"),
        word_bits: layout.word_bits,
        latency,
        pending: (2 * latency + 8).next_power_of_two(),
        signals: ports
            .iter()
            .filter(|p| p.role() != Role::Clock)
            .map(|p| Signal {
                name: p.name.clone(),
                width: p.width,
                signed: p.declared_signed,
            })
            .collect(),
        connections: ports
            .iter()
            .map(|p| Connection {
                name: p.name.clone(),
                pad: " ".repeat(widest - p.name.len()),
            })
            .collect(),
        drive: data(Direction::Input)
            .into_iter()
            .map(|p| PortField {
                port: p.name.clone(),
                field: field(p),
            })
            .collect(),
        check: outputs
            .iter()
            .map(|p| PortField {
                port: p.name.clone(),
                field: field(p),
            })
            .collect(),
        out_when,
        out_when_field,
        out_concat: outputs
            .iter()
            .rev()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
        out_bits: outputs.iter().map(|p| p.width).sum(),
        contexts: unit.contexts,
        ctx_bits: ports
            .iter()
            .find(|p| p.name == "ctx_o")
            .map_or(1, |p| p.width),
    };
    render("testbench.sv", &ctx)
}
