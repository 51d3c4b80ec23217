//! Formal equivalence of the datapaths (`--datapath bitheap` or `dsp2` against `tree`): a Yosys
//! miter of two combinational `hbfp_dot` units of one shape, proved by Yosys's SAT solver over every
//! input (`sat -verify -prove-asserts`). Multiplier equivalence is hard for SAT, so the proof is
//! practical for small shapes only (docs/verification.md lists the shapes and their times); the
//! simulation matrices cover the large ones.

use crate::formal::{run, tail, tool};
use hbfpgen::dot::emit::{sv_with_fault, Fault};
use hbfpgen::dot::{Datapath, DotSpec, DotUnit, Stages};
use hbfpgen::unit::Unit;
use std::path::Path;

/// The combinational `hbfp_dot` of M x B with `datapath`.
fn unit(m: u32, b: u32, datapath: Datapath) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(b),
        stages: Some(Stages::Count(0)),
        datapath: Some(datapath),
        name: Some(format!("dot_{datapath}")),
        ..Default::default()
    }
    .resolve()
    .expect("a small shape is a valid unit")
}

/// The outcome of one miter.
#[derive(Debug)]
pub struct Outcome {
    /// Whether every output is proved equal for every input.
    pub equal: bool,
    /// The end of Yosys's log (the counterexample when not equal).
    pub log_tail: String,
}

/// Proves (or refutes) that the `hbfp_dot` of M x B with `datapath`, built with `fault` if given,
/// equals the tree one on every input, writing the files to `dir`. Errors: Yosys missing or
/// failing to read the units.
pub fn check_datapaths(
    dir: &Path,
    m: u32,
    b: u32,
    datapath: Datapath,
    fault: Option<Fault>,
) -> Result<Outcome, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let heap = unit(m, b, datapath);
    let tree = unit(m, b, Datapath::Tree);
    let heap_sv = match fault {
        Some(f) => sv_with_fault(&heap, f),
        None => heap.sv(),
    }
    .map_err(|e| e.to_string())?;
    let tree_sv = tree.sv().map_err(|e| e.to_string())?;
    for (u, text) in [(&heap, heap_sv), (&tree, tree_sv)] {
        std::fs::write(dir.join(format!("{}.sv", u.name)), text)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let script = format!(
        "read_verilog -sv {h}.sv {t}.sv\nprep\nmiter -equiv -flatten -make_assert {h} {t} miter\n\
         hierarchy -top miter\nsat -verify -prove-asserts -show-inputs miter\n",
        h = heap.name,
        t = tree.name
    );
    std::fs::write(dir.join("miter.ys"), script).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (ok, log) = run(
        dir,
        &tool("yosys")?,
        &["-q", "-l", "miter.log", "miter.ys"],
        None,
    )?;
    let log = std::fs::read_to_string(dir.join("miter.log")).unwrap_or(log);
    if !ok && !log.contains("SAT proof finished - model found") {
        return Err(format!("yosys failed on the miter:\n{}", tail(&log, 20)));
    }
    Ok(Outcome {
        equal: ok,
        log_tail: tail(&log, 30),
    })
}
