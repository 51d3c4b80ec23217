//! The C++ shim around one Verilated model: `extern "C"` functions with the same ABI for every
//! model (`vd_new`, `vd_free`, `vd_trace`, `vd_step`, `vd_cxx_loop`), which copy the word buffers
//! of [`Layout`] into the model's ports and back. Each model is its own shared library, so the
//! names are the same in every one.

use crate::layout::{Layout, Slot};
use std::fmt::Write as _;

fn assign_in(s: &Slot, out: &mut String) {
    let _ = match s.words {
        1 => writeln!(out, "  t->{} = w[{}];", s.name, s.word),
        2 => writeln!(
            out,
            "  t->{} = (QData)w[{}] | ((QData)w[{}] << 32);",
            s.name,
            s.word,
            s.word + 1
        ),
        n => writeln!(
            out,
            "  for (int i = 0; i < {n}; ++i) t->{}[i] = w[{} + i];",
            s.name, s.word
        ),
    };
}

fn assign_out(s: &Slot, out: &mut String) {
    let _ = match s.words {
        1 => writeln!(out, "  w[{}] = (uint32_t)t->{};", s.word, s.name),
        2 => writeln!(
            out,
            "  w[{}] = (uint32_t)t->{n}; w[{}] = (uint32_t)(t->{n} >> 32);",
            s.word,
            s.word + 1,
            n = s.name
        ),
        n => writeln!(
            out,
            "  for (int i = 0; i < {n}; ++i) w[{} + i] = t->{}[i];",
            s.word, s.name
        ),
    };
}

/// The shim of module `name` with port layout `layout`.
///
/// `vd_step` applies the inputs, evaluates, samples the outputs, then raises the clock (a
/// combinational unit is evaluated once). `vd_cxx_loop` runs a stream in plain C++: cycle `c`
/// applies the next of the `n_in` input buffers (controls included; it moves on when
/// the unit accepts one) and every output with `out_valid_o` high
/// (every cycle's output, for a unit without a handshake, once its latency has passed) is compared
/// with the next of the `n_out` expected buffers, on the data outputs only.
pub fn shim(name: &str, layout: &Layout) -> String {
    let class = format!("V{name}");
    let mut put = String::new();
    for s in &layout.inputs {
        assign_in(s, &mut put);
    }
    let mut get = String::new();
    for s in &layout.outputs {
        assign_out(s, &mut get);
    }
    let (clk0, clk1) = if layout.clocked {
        ("t->clk_i = 0;", "t->clk_i = 1; t->eval();")
    } else {
        ("", "")
    };
    // a unit without a handshake presents a result every cycle (after its pipeline has filled)
    let valid = match layout.slot("out_valid_o") {
        Some(s) => format!("out[{}] != 0", s.word),
        None => "c >= state[2]".to_owned(),
    };
    // the stream moves to its next word when the unit accepts one (the words hold in_valid_i high)
    let accepted = match layout.slot("in_ready_o") {
        Some(s) => format!("out[{}] != 0", s.word),
        None => "true".to_owned(),
    };
    let mut compare = String::new();
    for s in layout
        .outputs
        .iter()
        .filter(|s| hbfpgen::ports::role_of(&s.name) == hbfpgen::ports::Role::Data)
    {
        let _ = writeln!(
            compare,
            "      for (int i = 0; i < {}; ++i) bad |= out[{} + i] != e[{} + i];",
            s.words, s.word, s.word
        );
    }
    format!(
        r#"
namespace {{
using H = VerifHarness<{class}>;
inline void put({class}* t, const uint32_t* w) {{
{put}}}
inline void get(const {class}* t, uint32_t* w) {{
{get}}}
}}  // namespace
extern "C" {{
void* vd_new(void) {{ return new H("{name}"); }}
void vd_free(void* h) {{ delete static_cast<H*>(h); }}
int vd_trace(void* h, const char* path) {{ return static_cast<H*>(h)->trace(path); }}
void vd_step(void* h, const uint32_t* in, uint32_t* out) {{
  H* x = static_cast<H*>(h);
  {class}* t = x->top;
  put(t, in);
  {clk0}
  t->eval();
  get(t, out);
  x->dump();
  {clk1}
  x->dump();
}}
// state[0]: cycles run so far, state[1]: results seen so far (the stream goes on across calls),
// state[2]: for a unit without a handshake, the first cycle whose output is a result,
// state[3]: the input word presented next
uint64_t vd_cxx_loop(void* h, const uint32_t* ins, size_t n_in, const uint32_t* expect,
                     size_t n_out, uint64_t cycles, uint64_t* state) {{
  {class}* t = static_cast<H*>(h)->top;
  uint32_t out[{out_words}];
  uint64_t bad_count = 0, seen = state[1], next = state[3];
  const uint64_t end = state[0] + cycles;
  for (uint64_t c = state[0]; c < end; ++c) {{
    put(t, ins + (next % n_in) * {in_words});
    {clk0}
    t->eval();
    get(t, out);
    {clk1}
    if ({accepted}) ++next;
    if ({valid}) {{
      const uint32_t* e = expect + (seen % n_out) * {out_words};
      bool bad = false;
{compare}      bad_count += bad;
      ++seen;
    }}
  }}
  state[0] = end;
  state[1] = seen;
  state[3] = next;
  return bad_count;
}}
}}  // extern "C"
"#,
        in_words = layout.in_words.max(1),
        out_words = layout.out_words.max(1),
    )
}

/// The format of the waveforms a model writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Waves {
    /// FST (compressed; GTKWave and Surfer read it). Needs zlib's header, which `make setup`
    /// installs; without it a build falls back to VCD.
    Fst,
    /// VCD (plain text).
    Vcd,
}

impl Waves {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Waves::Fst => "fst",
            Waves::Vcd => "vcd",
        }
    }

    pub(crate) fn verilator_flag(self) -> &'static str {
        match self {
            Waves::Fst => "--trace-fst",
            Waves::Vcd => "--trace",
        }
    }

    pub(crate) fn runtime(self) -> &'static str {
        match self {
            Waves::Fst => "verilated_fst_c",
            Waves::Vcd => "verilated_vcd_c",
        }
    }
}

/// The harness class every shim instantiates: the model in its own Verilator context, and an
/// optional waveform in the format `waves`.
pub fn shim_header(waves: Waves) -> String {
    let (header, class) = match waves {
        Waves::Fst => ("verilated_fst_c.h", "VerilatedFstC"),
        Waves::Vcd => ("verilated_vcd_c.h", "VerilatedVcdC"),
    };
    SHIM_HEADER
        .replace("verilated_vcd_c.h", header)
        .replace("VerilatedVcdC", class)
}

const SHIM_HEADER: &str = r#"// Generated by hbfp-verif: the harness every model's shim instantiates.
#include "verilated.h"
#include "verilated_vcd_c.h"
#include <cstddef>
#include <cstdint>

template <class T> struct VerifHarness {
  VerilatedContext ctx;
  T* top;
  VerilatedVcdC* tfp = nullptr;
  explicit VerifHarness(const char* name) {
    ctx.traceEverOn(true);
    top = new T(&ctx, name);
  }
  ~VerifHarness() {
    close();
    top->final();
    delete top;
  }
  // Opens a waveform file (path) or closes the open one (nullptr). Returns 0 on success.
  int trace(const char* path) {
    close();
    if (!path) return 0;
    tfp = new VerilatedVcdC;
    top->trace(tfp, 99);
    tfp->open(path);
    if (!tfp->isOpen()) { close(); return 1; }
    return 0;
  }
  void close() {
    if (tfp) { tfp->close(); delete tfp; tfp = nullptr; }
  }
  // half a 10 ns clock period (the units' time precision is 1 ps)
  void dump() {
    if (tfp) tfp->dump(ctx.time());
    ctx.timeInc(5000);
  }
};
"#;
