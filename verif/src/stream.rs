//! Plays a stream of vector words (docs/vectors.md) through a model of any unit, with input gaps,
//! output stalls and resets, and checks every law of `docs/verification.md` cycle by cycle. What
//! a unit's words mean comes from its ports and its registry entry ([`Subject`]), so one harness
//! serves every unit.

use crate::driver::Driver;
use crate::layout::{Layout, Slot};
use crate::sim::{self, Sim};
use bitvec::prelude::*;
use hbfpgen::ports::{Direction, Port, Role};
use hbfpgen::unit::AnyUnit;
use hbfpgen::vectors::VectorLayout;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What the harness knows of a unit: its ports, its vector words and its timing laws.
#[derive(Clone, Debug)]
pub struct Subject {
    /// The module name.
    pub name: String,
    /// The command line that regenerates it (`hbfpgen gen <unit> <flags>`).
    pub command: String,
    /// Its ports.
    pub ports: Vec<Port>,
    /// Where each port sits in the FFI buffers.
    pub layout: Layout,
    /// Its vector words.
    pub words: VectorLayout,
    /// The field that marks the words with a result (`None`: every word has one).
    pub result_flag: Option<String>,
    /// The field that marks the first word of a result's group.
    pub group_flag: Option<String>,
    /// Cycles from the acceptance of a result's last word to the result: (fewest, most).
    pub latency: (u32, u32),
    /// The longest latency from a word's first presentation to its result.
    pub max_latency: u32,
    /// Whether it accepts a word every cycle when its consumer never stalls.
    pub full_rate: bool,
    /// Contexts taking turns (1: none): word i of its vectors belongs to context i mod C.
    pub contexts: u32,
}

impl Subject {
    /// The subject of `unit`.
    pub fn of(unit: &dyn AnyUnit) -> Subject {
        let ports = unit.ports();
        Subject {
            name: unit.name().to_owned(),
            command: unit.command_line(),
            layout: Layout::of_ports(&ports),
            words: unit.layout(),
            ports,
            result_flag: unit.result_flag().map(String::from),
            group_flag: unit.group_flag().map(String::from),
            latency: unit.accept_latency(),
            max_latency: unit.latency(),
            full_rate: unit.full_rate(),
            contexts: unit.contexts(),
        }
    }

    /// Whether the unit has the valid/ready handshake (else it takes a word every cycle).
    pub fn handshake(&self) -> bool {
        self.layout.slot("in_valid_i").is_some()
    }

    /// Whether the unit has a reset.
    pub fn resettable(&self) -> bool {
        self.layout.slot("rst_ni").is_some()
    }

    /// The data output ports a word's expected fields are compared on.
    pub fn checked(&self) -> Vec<Slot> {
        self.ports
            .iter()
            .filter(|p| p.direction == Direction::Output && p.role() == Role::Data)
            .filter(|p| self.words.field(p.stem()).is_some())
            .filter_map(|p| self.layout.slot(&p.name).cloned())
            .collect()
    }

    /// The bits of the output buffer that [`Subject::checked`]'s ports occupy, as a mask of words:
    /// two output buffers hold the same result when they agree under it.
    pub fn mask(&self) -> Vec<u32> {
        let mut m = vec![0u32; self.layout.out_words.max(1)];
        for s in self.checked() {
            let base = s.word * 32;
            m.view_bits_mut::<Lsb0>()[base..base + s.width as usize].fill(true);
        }
        m
    }

    /// Decodes one vector word (hex, `_` allowed) into its input buffer (controls low), its
    /// expected output buffer (when the word has a result) and whether it starts a group.
    pub fn decode(&self, hex: &str) -> Result<Word, String> {
        let digits: String = hex.chars().filter(|&c| c != '_').collect();
        if digits.len() as u32 * 4 != self.words.word_bits {
            return Err(format!(
                "the word `{hex}` has {} hex digits; {}'s words have {}",
                digits.len(),
                self.name,
                self.words.word_bits / 4
            ));
        }
        let mut bits: BitVec<u32, Lsb0> = BitVec::repeat(false, self.words.word_bits as usize);
        for (i, c) in digits.chars().rev().enumerate() {
            let n = c
                .to_digit(16)
                .ok_or_else(|| format!("{c:?} in `{hex}` is not a hexadecimal digit"))?;
            bits[i * 4..i * 4 + 4].store_le(n);
        }
        let field = |name: &str| {
            self.words
                .field(name)
                .map(|f| &bits[f.offset as usize..(f.offset + f.width) as usize])
        };
        let flag = |name: &Option<String>| match name {
            Some(n) => field(n).is_some_and(|b| b.any()),
            None => true,
        };
        let mut inputs = vec![0u32; self.layout.in_words.max(1)];
        let mut expected = vec![0u32; self.layout.out_words.max(1)];
        for p in self.ports.iter().filter(|p| p.role() == Role::Data) {
            let (Some(slot), Some(b)) = (self.layout.slot(&p.name), field(p.stem())) else {
                continue;
            };
            let buf = match p.direction {
                Direction::Input => &mut inputs,
                Direction::Output => &mut expected,
            };
            let base = slot.word * 32;
            buf.view_bits_mut::<Lsb0>()[base..base + b.len()].copy_from_bitslice(b);
        }
        Ok(Word {
            inputs,
            expected: flag(&self.result_flag).then_some(expected),
            starts_group: self.group_flag.is_none() || flag(&self.group_flag),
        })
    }

    /// The data outputs of an output buffer, as `name 0xVALUE` pairs.
    pub fn describe(&self, out: &[u32]) -> String {
        let bits = out.view_bits::<Lsb0>();
        self.checked()
            .iter()
            .map(|s| {
                let b = &bits[s.word * 32..s.word * 32 + s.width as usize];
                format!("{} {}", s.name, hex_of(b))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn hex_of(b: &BitSlice<u32, Lsb0>) -> String {
    let digits: String = b
        .chunks(4)
        .rev()
        .map(|c| char::from_digit(c.load_le::<u32>(), 16).expect("a nibble"))
        .collect();
    format!("0x{digits}")
}

/// Where each result's group starts, word by word: at the words with the group flag; for a unit
/// with a result flag and no group flag (`s2fp8_decode_table`: loads, then a decoded word), after
/// each word with a result; else at every word.
pub fn group_starts(subject: &Subject, words: &[Word]) -> Vec<bool> {
    if subject.group_flag.is_none() && subject.result_flag.is_some() {
        (0..words.len())
            .map(|i| i == 0 || words[i - 1].expected.is_some())
            .collect()
    } else {
        words.iter().map(|w| w.starts_group).collect()
    }
}

/// One decoded vector word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The input buffer, controls low.
    pub inputs: Vec<u32>,
    /// The expected output buffer (data outputs only), when the word produces a result.
    pub expected: Option<Vec<u32>>,
    /// Whether the word starts a result's group by its own flag (always, for units without a
    /// group flag); [`group_starts`] has the rule across words.
    pub starts_group: bool,
}

/// A test case: the words the producer offers and when, and when the consumer accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The vector words (hex, as in a vector file), in order.
    pub ops: Vec<String>,
    /// Idle cycles (valid low) before offering word i is `gaps[i % len]` (none if empty).
    pub gaps: Vec<u8>,
    /// `out_ready_i` as runs of (level, cycles), repeated; empty means always ready. A pattern
    /// without a high run counts as always ready.
    pub ready: Vec<(bool, u8)>,
    /// Resets: (cycle, length in cycles). Ignored by a unit without a reset.
    pub resets: Vec<(u16, u8)>,
    /// For a unit with contexts: the context of each group of `ops` in turn (mod C); groups past
    /// the list's end go round robin.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contexts: Vec<u8>,
}

/// A broken law: the cycle, the word concerned (if one) and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The cycle at which the law broke.
    pub cycle: u64,
    /// The index of the word concerned, if one is.
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
    /// Results discarded by a reset (their words accepted before it).
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

/// Whether output buffers `a` and `b` agree on the bits of `mask` ([`Subject::mask`]).
pub fn same(a: &[u32], b: &[u32], mask: &[u32]) -> bool {
    a.iter()
        .zip(b)
        .zip(mask)
        .all(|((x, y), m)| (x ^ y) & m == 0)
}

/// Runs `case` through `sim` (a fresh instance of `subject`'s model) and checks, every cycle:
/// - every result equals the golden model's bit for bit (every data output the vector word
///   holds), in order, none lost (all come out within a bound), none duplicated or stale (no
///   output without a result due);
/// - a result comes out no earlier than the unit's latency after its last word was accepted, and
///   no later when the consumer never stalls; then a full-rate unit never lowers `in_ready_o`;
/// - a presented result stays valid, and its data stable, until accepted;
/// - `out_valid_o` is low during a reset, and after one only words accepted after it give results
///   (a unit with groups resumes at the next word that starts one).
///
/// A unit without a handshake takes one word per cycle and presents its result exactly its
/// latency later; gaps, stalls and resets do not apply to it.
pub fn run(sim: &mut Sim, subject: &Subject, case: &Case) -> Result<Report, Failure> {
    let words: Vec<Word> = case
        .ops
        .iter()
        .enumerate()
        .map(|(k, w)| {
            subject.decode(w).map_err(|m| Failure {
                cycle: 0,
                op: Some(k),
                message: m,
            })
        })
        .collect::<Result<_, _>>()?;
    if subject.handshake() {
        run_handshake(sim, subject, case, &words)
    } else {
        run_plain(sim, subject, &words)
    }
}

/// Law 1: the output buffer `out` of word `k`'s result agrees with the expected `e` under `mask`.
fn compare(
    subject: &Subject,
    mask: &[u32],
    cycle: u64,
    k: usize,
    out: &[u32],
    e: &[u32],
) -> Result<(), Failure> {
    if same(out, e, mask) {
        return Ok(());
    }
    fail(
        cycle,
        Some(k),
        format!(
            "word {k}: RTL {}; model {}",
            subject.describe(out),
            subject.describe(e)
        ),
    )
}

fn run_plain(sim: &mut Sim, subject: &Subject, words: &[Word]) -> Result<Report, Failure> {
    let checked = subject.mask();
    let lat = subject.latency.0 as usize;
    let mut report = Report::default();
    let idle = vec![0u32; subject.layout.in_words.max(1)];
    for cycle in 0..words.len() + lat {
        let w = words.get(cycle).map_or(&idle, |w| &w.inputs);
        let out = sim.step_words(w).to_vec();
        if cycle >= lat {
            let k = cycle - lat;
            if let Some(e) = &words[k].expected {
                compare(subject, &checked, cycle as u64, k, &out, e)?;
                report.results += 1;
            }
        }
    }
    report.cycles = (words.len() + lat) as u64;
    Ok(report)
}

fn run_handshake(
    sim: &mut Sim,
    subject: &Subject,
    case: &Case,
    words: &[Word],
) -> Result<Report, Failure> {
    let l = &subject.layout;
    let word = |n: &str| l.slot(n).map(|s| s.word);
    let (in_valid, out_ready) = (word("in_valid_i").unwrap(), word("out_ready_i").unwrap());
    let (in_ready, out_valid) = (word("in_ready_o").unwrap(), word("out_valid_o").unwrap());
    let rst = word("rst_ni");
    let (ctx_slot, acc_ctx_slot) = (l.slot("ctx_o").cloned(), l.slot("acc_ctx_o").cloned());
    let checked = subject.mask();
    let (min_lat, max_lat) = (subject.latency.0 as u64, subject.latency.1 as u64);
    let n = words.len();
    let c = subject.contexts.max(1) as u64;
    let no_backpressure = ReadyPattern::always(&case.ready);
    let mut ready = ReadyPattern {
        runs: &case.ready,
        run: 0,
        left: case.ready.first().map(|r| r.1 as u32).unwrap_or(0),
    };
    let resets: Vec<(u64, u64)> = if rst.is_some() {
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
    let gaps: u64 = (0..n)
        .map(|i| {
            if case.gaps.is_empty() {
                0
            } else {
                case.gaps[i % case.gaps.len()] as u64
            }
        })
        .sum();
    let per_word = if subject.full_rate {
        1
    } else {
        subject.max_latency as u64 + 1
    };
    // with contexts, a word waits up to C cycles for its turn, and a gap counts turns
    let limit = last_reset
        + (n as u64 * per_word * c + gaps * c + max_lat + 8) * (pattern + 2)
        + 16
        + max_lat;
    let idle = vec![0u32; l.in_words.max(1)];

    let mut report = Report::default();
    // the reset every stream starts with
    if let Some(r) = rst {
        let mut w = idle.clone();
        w[r] = 0;
        sim.step_words(&w);
    }
    let starts = group_starts(subject, words);
    let mut drv = Driver::new(subject.contexts, &starts, &case.gaps, &case.contexts);
    // results due, in order: (word index, cycle its last word was accepted, its context)
    let mut q: VecDeque<(usize, u64, Option<u32>)> = VecDeque::new();
    let mut held: Option<Vec<u32>> = None;
    let mut drain = 0u64;
    let mut cycle = 0u64;
    loop {
        let done = drv.done() && q.is_empty() && cycle >= last_reset;
        if done {
            // a few more cycles with the consumer ready: nothing may come out
            drain += 1;
            if drain > max_lat + 2 {
                break;
            }
        }
        if cycle > limit {
            let lost: Vec<usize> = q.iter().map(|x| x.0).collect();
            let next = drv.accepted();
            return fail(
                cycle,
                lost.first().copied().or(Some(next)),
                format!(
                    "results lost: words {lost:?} were accepted and gave no result ({next} of {n} \
                     accepted)"
                ),
            );
        }
        let reset = in_reset(cycle);
        let offer = if reset || done { None } else { drv.offer() };
        let ready_now = done || ready.next();
        let mut inp = offer.map_or(&idle, |k| &words[k].inputs).clone();
        inp[in_valid] = offer.is_some() as u32;
        inp[out_ready] = ready_now as u32;
        if let Some(r) = rst {
            inp[r] = !reset as u32;
        }
        let out = sim.step_words(&inp).to_vec();
        let (o_valid, o_ready) = (out[out_valid] & 1 == 1, out[in_ready] & 1 == 1);
        if reset {
            if o_valid {
                return fail(cycle, None, "out_valid_o is high during reset".into());
            }
            report.flushed += q.len() as u64;
            q.clear();
            held = None;
            drv.reset();
            cycle += 1;
            continue;
        }
        let turn = drv.turn();
        if let (Some(t), Some(s)) = (turn, &ctx_slot) {
            let shown = sim::get(out.view_bits(), s);
            if shown != u64::from(t) {
                return fail(
                    cycle,
                    offer,
                    format!(
                        "ctx_o is {shown}; the turn is {t} (it moves on exactly when in_ready_o \
                         is high, from 0 after a reset)"
                    ),
                );
            }
        }
        if let Some(h) = &held {
            if !o_valid {
                return fail(
                    cycle,
                    q.front().map(|x| x.0),
                    "out_valid_o fell before the result was accepted".into(),
                );
            }
            if !same(&out, h, &checked) {
                return fail(
                    cycle,
                    q.front().map(|x| x.0),
                    format!(
                        "a held result changed before it was accepted: was {}, now {}",
                        subject.describe(h),
                        subject.describe(&out)
                    ),
                );
            }
        }
        if no_backpressure && subject.full_rate && !o_ready {
            return fail(
                cycle,
                Some(drv.accepted()),
                "in_ready_o is low although the consumer never stalls".into(),
            );
        }
        if let Some(k) = offer {
            if o_ready && words[k].expected.is_some() {
                q.push_back((k, cycle, turn));
            }
        }
        drv.after(offer, o_ready);
        held = None;
        if o_valid {
            if ready_now {
                let Some((k, t0, ctx)) = q.pop_front() else {
                    return fail(
                        cycle,
                        None,
                        format!(
                            "a result came out with none due (duplicated or stale): {}",
                            subject.describe(&out)
                        ),
                    );
                };
                let latency = cycle - t0;
                if latency < min_lat || (no_backpressure && latency > max_lat) {
                    let law = if min_lat == max_lat {
                        format!("{min_lat}")
                    } else {
                        format!("{min_lat} to {max_lat}")
                    };
                    return fail(
                        cycle,
                        Some(k),
                        format!(
                            "word {k}'s result came out {latency} cycles after it was accepted; \
                             the latency is {law}"
                        ),
                    );
                }
                let mut e = words[k]
                    .expected
                    .as_ref()
                    .expect("queued words have a result")
                    .clone();
                // the result's context is the one it was presented in
                if let (Some(t), Some(s)) = (ctx, &acc_ctx_slot) {
                    sim::put(e.view_bits_mut(), s, u64::from(t));
                }
                compare(subject, &checked, cycle, k, &out, &e)?;
                report.results += 1;
            } else {
                held = Some(out);
            }
        }
        cycle += 1;
    }
    report.cycles = cycle;
    Ok(report)
}

/// Input buffers with `in_valid_i` and `out_ready_i` high and reset released, and the expected
/// output buffers of the words with a result: a stream for the C++ loop ([`Sim::cxx_loop`]).
pub fn packed(subject: &Subject, words: &[Word]) -> (Vec<u32>, Vec<u32>) {
    let l = &subject.layout;
    let mut ins = Vec::new();
    let mut outs = Vec::new();
    for w in words {
        let mut i = w.inputs.clone();
        for (name, v) in [("in_valid_i", 1), ("out_ready_i", 1), ("rst_ni", 1)] {
            if let Some(s) = l.slot(name) {
                sim::put(i.view_bits_mut(), s, v);
            }
        }
        ins.extend(i);
        if let Some(e) = &w.expected {
            outs.extend(e);
        }
    }
    (ins, outs)
}
