//! Plays a stream of operations through a model, with input gaps, output stalls and resets, and
//! checks every law of `docs/verification.md` cycle by cycle.

use crate::dut::{Controls, Dut, Outputs};
use hbfpgen::format::mask;
use hbfpgen::model::{dot_unchecked, Block, DotResult};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One operation: two blocks (exponent and element codes) and a tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// Block A.
    pub a: (i64, Vec<i64>),
    /// Block B.
    pub b: (i64, Vec<i64>),
    /// The tag (masked to the unit's tag width).
    pub tag: u64,
}

impl Op {
    /// Block A as the model's type.
    pub fn block_a(&self) -> Block {
        Block {
            exp: self.a.0,
            man: self.a.1.clone(),
        }
    }

    /// Block B as the model's type.
    pub fn block_b(&self) -> Block {
        Block {
            exp: self.b.0,
            man: self.b.1.clone(),
        }
    }
}

/// A test case: what the producer offers and when, and when the consumer accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The operations, in order.
    pub ops: Vec<Op>,
    /// Idle cycles (valid low) before offering operation i is `gaps[i % len]` (none if empty).
    pub gaps: Vec<u8>,
    /// `out_ready_i` as runs of (level, cycles), repeated; empty means always ready (no
    /// back-pressure). A pattern without a high run counts as always ready.
    pub ready: Vec<(bool, u8)>,
    /// Resets: (cycle, length in cycles). Ignored by a combinational unit, which has no reset.
    pub resets: Vec<(u16, u8)>,
}

/// A broken law: the cycle, the operation concerned (if one) and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The cycle at which the law broke.
    pub cycle: u64,
    /// The index of the operation concerned, if one is.
    pub op: Option<usize>,
    /// What happened.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cycle {}: {}", self.cycle, self.message)
    }
}

/// What a passing run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Cycles simulated.
    pub cycles: u64,
    /// Results that came out and matched.
    pub results: u64,
    /// Operations discarded by a reset (accepted before it, never output).
    pub flushed: u64,
}

struct ReadyPattern<'a> {
    runs: &'a [(bool, u8)],
    run: usize,
    left: u32,
}

impl ReadyPattern<'_> {
    fn always(runs: &[(bool, u8)]) -> bool {
        !runs.iter().any(|&(r, n)| r && n > 0)
    }

    fn next(&mut self) -> bool {
        if Self::always(self.runs) {
            return true;
        }
        while self.left == 0 {
            self.run = (self.run + 1) % self.runs.len();
            self.left = self.runs[self.run].1 as u32;
        }
        self.left -= 1;
        self.runs[self.run].0
    }
}

fn fail<T>(cycle: u64, op: Option<usize>, message: String) -> Result<T, Failure> {
    Err(Failure { cycle, op, message })
}

fn describe(o: &Outputs) -> String {
    format!(
        "sum_o {}, exp_o {}, nan_o {}, tag_o {:#x}",
        o.sum, o.exp, o.nan as u8, o.tag
    )
}

fn describe_model(r: &DotResult, tag: u64) -> String {
    format!(
        "sum {}, exp {}, nan {}, tag {:#x}",
        r.sum, r.exp, r.nan as u8, tag
    )
}

/// Runs `case` through `dut` from its reset and checks, every cycle:
/// - every result equals the golden model bit for bit (sum, exponent, NaN flag, tag), in order,
///   none lost (all come out within a bound), none duplicated or stale (no output without an
///   operation in flight);
/// - a result comes out no earlier than S cycles after its operation was accepted, and exactly S
///   cycles after when the consumer never stalls, in which case `in_ready_o` is never low (one
///   operation per cycle);
/// - a presented result stays valid, and its data stable, until accepted;
/// - `out_valid_o` is low during a reset, and after one only operations accepted after it come out.
pub fn run(dut: &mut Dut, case: &Case) -> Result<Report, Failure> {
    let unit = dut.unit().clone();
    let s = unit.stages as u64;
    let clocked = s > 0;
    let tag_mask = mask(unit.tag_bits);
    let packed: Vec<Vec<u32>> = case
        .ops
        .iter()
        .map(|o| dut.pack(&o.block_a(), &o.block_b(), o.tag))
        .collect();
    let expected: Vec<DotResult> = case
        .ops
        .iter()
        .map(|o| dot_unchecked(unit.format, &o.block_a(), &o.block_b()))
        .collect();
    let gap = |i: usize| -> u64 {
        if case.gaps.is_empty() {
            0
        } else {
            case.gaps[i % case.gaps.len()] as u64
        }
    };
    let no_backpressure = ReadyPattern::always(&case.ready);
    let mut ready = ReadyPattern {
        runs: &case.ready,
        run: 0,
        left: case.ready.first().map(|r| r.1 as u32).unwrap_or(0),
    };
    let resets: Vec<(u64, u64)> = if clocked {
        case.resets
            .iter()
            .map(|&(c, n)| (c as u64, n.max(1) as u64))
            .collect()
    } else {
        Vec::new()
    };
    let in_reset = |c: u64| resets.iter().any(|&(at, n)| c >= at && c < at + n);
    let last_reset = resets.iter().map(|&(at, n)| at + n).max().unwrap_or(0);
    let pattern: u64 = case.ready.iter().map(|r| r.1 as u64).sum();
    let gaps: u64 = (0..case.ops.len()).map(gap).sum();
    let limit = last_reset + (case.ops.len() as u64 + gaps + s + 8) * (pattern + 2) + 16;

    // the reset every stream starts with
    let mut report = Report::default();
    if clocked {
        dut.step(
            None,
            Controls {
                reset: true,
                ..Default::default()
            },
        );
    }
    let mut q: VecDeque<(usize, u64)> = VecDeque::new();
    let mut next = 0usize;
    let mut wait = gap(0);
    let mut held: Option<Outputs> = None;
    let mut drain = 0u64;
    let mut cycle = 0u64;
    loop {
        let done = next == case.ops.len() && q.is_empty() && cycle >= last_reset;
        if done {
            // a few more cycles with the consumer ready: nothing may come out
            drain += 1;
            if drain > s + 2 {
                break;
            }
        }
        if cycle > limit {
            let lost: Vec<usize> = q.iter().map(|x| x.0).collect();
            return fail(
                cycle,
                lost.first().copied(),
                format!(
                    "results lost: operations {lost:?} were accepted and never came out ({} of {} offered)",
                    next,
                    case.ops.len()
                ),
            );
        }
        let reset = in_reset(cycle);
        let in_valid = !reset && !done && next < case.ops.len() && wait == 0;
        let out_ready = done || ready.next();
        let op = packed.get(next).map(|v| v.as_slice());
        let o = dut.step(
            op,
            Controls {
                in_valid,
                out_ready,
                reset,
            },
        );
        if reset {
            if o.out_valid {
                return fail(cycle, None, "out_valid_o is high during reset".into());
            }
            report.flushed += q.len() as u64;
            q.clear();
            held = None;
            cycle += 1;
            continue;
        }
        if let Some(h) = held {
            if !o.out_valid {
                return fail(
                    cycle,
                    q.front().map(|x| x.0),
                    "out_valid_o fell before the result was accepted".into(),
                );
            }
            if !o.same_data(&h) {
                return fail(
                    cycle,
                    q.front().map(|x| x.0),
                    format!(
                        "a held result changed before it was accepted: was {}, now {}",
                        describe(&h),
                        describe(&o)
                    ),
                );
            }
        }
        if no_backpressure && !o.in_ready {
            return fail(
                cycle,
                Some(next),
                "in_ready_o is low although the consumer never stalls".into(),
            );
        }
        if in_valid && o.in_ready {
            q.push_back((next, cycle));
            next += 1;
            wait = if next < case.ops.len() { gap(next) } else { 0 };
        } else if !in_valid && wait > 0 {
            wait -= 1;
        }
        held = None;
        if o.out_valid {
            if out_ready {
                let Some((k, t0)) = q.pop_front() else {
                    return fail(
                        cycle,
                        None,
                        format!(
                            "a result came out with no operation in flight (duplicated or stale): {}",
                            describe(&o)
                        ),
                    );
                };
                let latency = cycle - t0;
                if latency < s || (no_backpressure && latency != s) {
                    return fail(
                        cycle,
                        Some(k),
                        format!("operation {k} came out {latency} cycles after it was accepted; the latency is {s}"),
                    );
                }
                let tag = case.ops[k].tag & tag_mask;
                if !o.matches(&expected[k], tag) {
                    return fail(
                        cycle,
                        Some(k),
                        format!(
                            "operation {k}: RTL {}; model {}",
                            describe(&o),
                            describe_model(&expected[k], tag)
                        ),
                    );
                }
                report.results += 1;
            } else {
                held = Some(o);
            }
        }
        cycle += 1;
    }
    report.cycles = cycle;
    Ok(report)
}
