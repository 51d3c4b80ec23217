//! Ports, declared once per unit. A unit's [`Port`] list drives its SystemVerilog port declaration
//! ([`sv_declaration`]), its manifest, its vector layout ([`crate::vectors::VectorLayout::of_ports`]),
//! its self-checking testbench ([`crate::testbench`]), the FPGA wrapper ([`crate::wrapper`]) and the
//! verification crate's FFI shim.
//!
//! The port groups every unit shares (clock and reset, the two handshakes, the tag) are built here.

use serde::Serialize;

/// Direction of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Driven into the unit.
    Input,
    /// Driven by the unit.
    Output,
}

/// The role of a port: what the testbench, the vector layout and the co-simulation do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// `clk_i` or `rst_ni`.
    Clock,
    /// One of the valid/ready handshake signals.
    Handshake,
    /// Operands, results and the tag: a field of the vector word.
    Data,
}

/// One port of a generated module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Port {
    /// Port name.
    pub name: String,
    /// Direction.
    pub direction: Direction,
    /// Width in bits.
    pub width: u32,
    /// Whether the port's value is a two's-complement number.
    pub signed: bool,
    /// What the port carries.
    pub description: String,
    /// Whether the SystemVerilog declaration says `signed` (the arithmetic results, so that a
    /// user's expression sign-extends them); not in the manifest.
    #[serde(skip)]
    pub declared_signed: bool,
}

impl Port {
    /// An input port of `width` bits.
    pub fn input(name: &str, width: u32, description: &str) -> Self {
        Port {
            name: name.into(),
            direction: Direction::Input,
            width,
            signed: false,
            description: description.into(),
            declared_signed: false,
        }
    }

    /// An output port of `width` bits.
    pub fn output(name: &str, width: u32, description: &str) -> Self {
        Port {
            direction: Direction::Output,
            ..Port::input(name, width, description)
        }
    }

    /// This port, carrying a two's-complement value.
    pub fn signed(mut self) -> Self {
        self.signed = true;
        self
    }

    /// This port, carrying a two's-complement value and declared `signed` in SystemVerilog.
    pub fn declared_signed(mut self) -> Self {
        self.signed = true;
        self.declared_signed = true;
        self
    }

    /// What the port is for: clock, handshake or data.
    pub fn role(&self) -> Role {
        role_of(&self.name)
    }

    /// The name without its `_i` or `_o` suffix: the name of its field in a vector word.
    pub fn stem(&self) -> &str {
        self.name
            .strip_suffix("_i")
            .or_else(|| self.name.strip_suffix("_o"))
            .unwrap_or(&self.name)
    }
}

/// The role of a port named `name`: the clock and reset, the handshake and the turn of a unit
/// with contexts (`ctx_o`), or data (a field of the vector words).
pub fn role_of(name: &str) -> Role {
    match name {
        "clk_i" | "rst_ni" => Role::Clock,
        "in_valid_i" | "in_ready_o" | "out_valid_o" | "out_ready_i" | "ctx_o" => Role::Handshake,
        _ => Role::Data,
    }
}

/// The clock and reset of a unit with registers (none for a combinational unit).
pub fn clock(registered: bool) -> Vec<Port> {
    if registered {
        vec![
            Port::input("clk_i", 1, "clock, rising edge"),
            Port::input(
                "rst_ni",
                1,
                "asynchronous reset, active low (clears valid bits only)",
            ),
        ]
    } else {
        Vec::new()
    }
}

/// The input handshake: `in_valid_i` ("`what` is presented") and `in_ready_o`.
pub fn input_handshake(valid: &str, ready: &str) -> Vec<Port> {
    vec![
        Port::input("in_valid_i", 1, valid),
        Port::output("in_ready_o", 1, ready),
    ]
}

/// The tag ports of a unit whose operations carry a `bits`-bit tag (none when `bits` is 0).
pub fn tag(bits: u32, input: &str, output: &str) -> Vec<Port> {
    if bits > 0 {
        vec![
            Port::input("tag_i", bits, input),
            Port::output("tag_o", bits, output),
        ]
    } else {
        Vec::new()
    }
}

/// The output handshake: `out_valid_o` ("`what` is presented; held until accepted") and
/// `out_ready_i`.
pub fn output_handshake(what: &str) -> Vec<Port> {
    vec![
        Port::output(
            "out_valid_o",
            1,
            &format!("{what} is presented; held until accepted"),
        ),
        Port::input(
            "out_ready_i",
            1,
            &format!(
                "the consumer accepts the presented {}",
                what.trim_start_matches("a ")
            ),
        ),
    ]
}

/// The operands of a unit that takes two HBFP blocks: `a_man_i`, `a_exp_i`, `b_man_i`, `b_exp_i`
/// (`bus` bits of lanes described by `lanes`, `e`-bit exponents).
pub fn block_operands(bus: u32, e: u32, lanes: &str) -> Vec<Port> {
    vec![
        Port::input("a_man_i", bus, &format!("block A: {lanes}")),
        Port::input("a_exp_i", e, "block A: shared exponent").signed(),
        Port::input("b_man_i", bus, &format!("block B: {lanes}")),
        Port::input("b_exp_i", e, "block B: shared exponent").signed(),
    ]
}

/// The SystemVerilog port declarations of `ports`, one per line, comma-separated, as they stand
/// between `module name (` and `);`.
pub fn sv_declaration(ports: &[Port]) -> String {
    ports
        .iter()
        .map(|p| {
            let dir = match p.direction {
                Direction::Input => "input ",
                Direction::Output => "output",
            };
            let signed = if p.declared_signed { "signed " } else { "" };
            let range = if p.width > 1 {
                format!("[{}:0] ", p.width - 1)
            } else {
                String::new()
            };
            format!("  {dir} logic {signed}{range}{}", p.name)
        })
        .collect::<Vec<_>>()
        .join(",\n")
}

/// Whether `ports` has a clock (the unit has registers).
pub fn is_clocked(ports: &[Port]) -> bool {
    ports.iter().any(|p| p.name == "clk_i")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_take_width_sign_and_direction_from_the_port() {
        let ports = [
            Port::input("clk_i", 1, ""),
            Port::input("a_i", 8, "").signed(),
            Port::output("sum_o", 9, "").declared_signed(),
        ];
        assert_eq!(
            sv_declaration(&ports),
            "  input  logic clk_i,\n  input  logic [7:0] a_i,\n  output logic signed [8:0] sum_o"
        );
    }

    #[test]
    fn roles_and_stems() {
        assert_eq!(Port::input("rst_ni", 1, "").role(), Role::Clock);
        assert_eq!(Port::output("in_ready_o", 1, "").role(), Role::Handshake);
        assert_eq!(Port::output("tag_o", 3, "").role(), Role::Data);
        assert_eq!(Port::output("tag_o", 3, "").stem(), "tag");
        assert_eq!(Port::input("a_man_i", 3, "").stem(), "a_man");
    }
}
