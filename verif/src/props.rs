//! The properties of every unit under proptest: cases drawn from a pool of the unit's own vector
//! words (the golden model's expected outputs included), with random input gaps, output stalls and
//! resets. On a failure the case is shrunk (fewer result groups, groups nearer the pool's head,
//! where each unit's corner cases are, shorter stalls), saved as JSON, replayed with a waveform
//! (FST, or VCD), and given a one-line replay command.

use crate::compile::Model;
use crate::sim::Sim;
use crate::stream::{run, Case, Failure, Subject};
use hbfpgen::unit::AnyUnit;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Vector words of one unit cut into result groups (a group is one word, or for an accumulating
/// unit the words from a `first` to its `last`).
#[derive(Clone, Debug)]
pub struct Pool {
    /// The words, each context's in a run of its own (for a unit without contexts, as in the
    /// vector file).
    pub words: Vec<String>,
    /// The groups, in order.
    pub groups: Vec<Range<usize>>,
    /// The words as in the vector file (for a unit with contexts, in turn order).
    pub stream: Vec<String>,
    /// Contexts of the unit (1: none).
    pub contexts: u32,
}

impl Pool {
    /// About `size` words of `unit`'s vectors from `seed` (its corner cases first, then random
    /// ones), cut into groups.
    pub fn new(
        unit: &dyn AnyUnit,
        subject: &Subject,
        size: usize,
        seed: u64,
    ) -> Result<Pool, String> {
        let (_, text) = unit.vectors(size, seed, false).map_err(|e| e.to_string())?;
        Pool::of_text(subject, &text)
    }

    /// The words of a vector file's text, cut into groups (for a unit with contexts, word i of
    /// the file belongs to context i mod C: each context's words are gathered first).
    pub fn of_text(subject: &Subject, text: &str) -> Result<Pool, String> {
        let stream: Vec<String> = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or("").trim())
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        let c = subject.contexts.max(1) as usize;
        let words: Vec<String> = (0..c)
            .flat_map(|k| stream.iter().skip(k).step_by(c).cloned())
            .collect();
        let decoded = words
            .iter()
            .map(|w| subject.decode(w))
            .collect::<Result<Vec<_>, _>>()?;
        let mut groups = Vec::new();
        let mut start = 0;
        for (i, starts) in crate::stream::group_starts(subject, &decoded)
            .into_iter()
            .enumerate()
        {
            if starts && i > start {
                groups.push(start..i);
                start = i;
            }
        }
        if start < words.len() {
            groups.push(start..words.len());
        }
        if groups.is_empty() {
            return Err(format!(
                "{}: the vector generator gave no words",
                subject.name
            ));
        }
        Ok(Pool {
            words,
            groups,
            stream,
            contexts: c as u32,
        })
    }

    /// The words of groups `picked`, in that order.
    pub fn ops(&self, picked: &[usize]) -> Vec<String> {
        picked
            .iter()
            .flat_map(|&g| self.words[self.groups[g].clone()].iter().cloned())
            .collect()
    }
}

/// Group indices: a third from the pool's first 64 groups (each unit's corner cases come first),
/// the rest from anywhere; shrinking moves toward the head.
fn groups(pool: &Arc<Pool>, max: usize) -> BoxedStrategy<Vec<usize>> {
    let n = pool.groups.len();
    let index = prop_oneof![1 => 0..n.min(64), 2 => 0..n];
    vec(index, 1..=max.max(1)).boxed()
}

/// The context of each group, for a unit with contexts (none without).
fn contexts(pool: &Arc<Pool>, max: usize) -> BoxedStrategy<Vec<u8>> {
    let c = pool.contexts.min(256);
    if c <= 1 {
        Just(Vec::new()).boxed()
    } else {
        vec(0..c as u8, 0..=max.max(1)).boxed()
    }
}

/// Input gaps: mostly none, some short, some long.
fn gaps() -> BoxedStrategy<Vec<u8>> {
    vec(
        prop_oneof![6 => Just(0u8), 3 => 1u8..4, 1 => 20u8..80],
        0..6,
    )
    .boxed()
}

/// Output ready pattern: runs of ready and stalled cycles, stalls short or long.
fn ready() -> BoxedStrategy<Vec<(bool, u8)>> {
    vec(
        prop_oneof![
            3 => (Just(true), 1u8..6),
            3 => (Just(false), 1u8..4),
            1 => (Just(false), 20u8..120),
        ],
        1..6,
    )
    .boxed()
}

/// Up to `max` groups with random input gaps and output stalls, no reset.
pub fn stream(pool: &Arc<Pool>, max: usize) -> BoxedStrategy<Case> {
    let p = pool.clone();
    (groups(pool, max), gaps(), ready(), contexts(pool, max))
        .prop_map(move |(g, gaps, ready, contexts)| Case {
            ops: p.ops(&g),
            gaps,
            ready,
            resets: Vec::new(),
            contexts,
        })
        .boxed()
}

/// Up to `max` groups with random input gaps, the consumer always ready.
pub fn unstalled(pool: &Arc<Pool>, max: usize) -> BoxedStrategy<Case> {
    let p = pool.clone();
    (groups(pool, max), gaps(), contexts(pool, max))
        .prop_map(move |(g, gaps, contexts)| Case {
            ops: p.ops(&g),
            gaps,
            ready: Vec::new(),
            resets: Vec::new(),
            contexts,
        })
        .boxed()
}

/// Up to `max` groups with gaps, stalls, and one to three resets in the middle of the stream.
pub fn with_resets(pool: &Arc<Pool>, max: usize, latency: u32) -> BoxedStrategy<Case> {
    let longest = pool.groups.iter().map(|g| g.len()).max().unwrap_or(1);
    let horizon = ((max * longest) as u16 + latency as u16) * 2 + 4;
    (stream(pool, max), vec((1..horizon, 1u8..4), 1..=3))
        .prop_map(|(mut c, r)| {
            c.resets = r;
            c
        })
        .boxed()
}

/// A failing case as saved on disk: what it ran on, the property and the case.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Saved {
    /// The command line of the unit (`hbfpgen gen <unit> <flags>`).
    pub unit: String,
    /// The RTL file it ran on, when not the generated RTL.
    pub rtl: Option<PathBuf>,
    /// The property that failed.
    pub property: String,
    /// The broken law.
    pub reason: String,
    /// The shrunk case.
    pub case: Case,
}

/// A property that failed, with where its evidence is.
#[derive(Debug)]
pub struct Failed {
    /// The module name.
    pub model: String,
    /// The property.
    pub property: String,
    /// The broken law, in the shrunk case.
    pub reason: String,
    /// Words in the shrunk case.
    pub ops: usize,
    /// The saved case.
    pub case_file: PathBuf,
    /// The waveform of the shrunk case.
    pub waveform: PathBuf,
    /// The one-line command that replays the case.
    pub command: String,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: property `{}` fails: {}\n  shrunk case: {} word(s), saved in {}\n  waveform:    {}\n  replay:      {}",
            self.model,
            self.property,
            self.reason,
            self.ops,
            self.case_file.display(),
            self.waveform.display(),
            self.command
        )
    }
}

/// Where failing cases go: `$VERIF_FAILURES`, else `target/verif-failures` of the workspace.
pub fn default_failure_dir() -> PathBuf {
    std::env::var_os("VERIF_FAILURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
                .join("verif-failures")
        })
}

/// The model a property runs on, and where its evidence goes.
pub struct Bench<'a> {
    /// The built model.
    pub model: Arc<Model>,
    /// The unit.
    pub subject: &'a Subject,
    /// The RTL file, when the model was built from one the user gave.
    pub rtl: Option<PathBuf>,
    /// Where failing cases and waveforms go.
    pub failures: PathBuf,
}

impl Bench<'_> {
    /// Runs `case` on a fresh instance, with a waveform to `vcd` if given (FST or VCD, as the
    /// model was built).
    pub fn play(&self, case: &Case, vcd: Option<&Path>) -> Result<crate::stream::Report, String> {
        let mut sim = Sim::new(self.model.clone());
        if let Some(v) = vcd {
            sim.trace(v)?;
        }
        run(&mut sim, self.subject, case).map_err(|f| f.to_string())
    }

    /// The replay command of a saved case.
    pub fn replay_command(&self, case_file: &Path) -> String {
        let mut c = self
            .subject
            .command
            .replacen("hbfpgen gen ", "hbfpgen cosim ", 1);
        if let Some(r) = &self.rtl {
            c.push_str(&format!(" --rtl {}", r.display()));
        }
        if self.model.waves == crate::compile::Waves::Vcd {
            c.push_str(" --wave-format vcd");
        }
        format!("{c} --replay {}", case_file.display())
    }

    /// Saves a failing `case` of `property`, replays it with a waveform, names the replay command.
    pub fn record(&self, property: &str, case: &Case, reason: String) -> Failed {
        let dir = &self.failures;
        let _ = std::fs::create_dir_all(dir);
        let stem = format!(
            "{}-{}",
            self.subject.name,
            property.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let case_file = dir.join(format!("{stem}.json"));
        let waveform = dir.join(format!("{stem}.{}", self.model.waves.extension()));
        let saved = Saved {
            unit: self.subject.command.clone(),
            rtl: self.rtl.clone(),
            property: property.to_owned(),
            reason: reason.clone(),
            case: case.clone(),
        };
        let json = serde_json::to_string_pretty(&saved).expect("a case serialises");
        let mut reason = reason;
        if let Err(e) = std::fs::write(&case_file, json) {
            reason.push_str(&format!(" (and the case could not be saved: {e})"));
        }
        if let Err(e) = self.play(case, Some(&waveform)) {
            if !waveform.is_file() {
                reason.push_str(&format!(" (and no waveform: {e})"));
            }
        }
        let case_file = case_file.canonicalize().unwrap_or(case_file);
        let waveform = waveform.canonicalize().unwrap_or(waveform);
        Failed {
            model: self.subject.name.clone(),
            property: property.to_owned(),
            reason,
            ops: case.ops.len(),
            command: self.replay_command(&case_file),
            case_file,
            waveform,
        }
    }

    /// Checks `property`: `cases` cases drawn from `strategy` with the random stream of `seed`,
    /// each on a fresh instance; `tick` is called after each case. On a failure the case is
    /// shrunk, saved and replayed with a waveform.
    pub fn check<S>(
        &self,
        property: &str,
        strategy: S,
        cases: u32,
        seed: u64,
        tick: &(dyn Fn() + Sync),
    ) -> Result<(), Box<Failed>>
    where
        S: Strategy<Value = Case>,
    {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..8 + property.len().min(24)]
            .copy_from_slice(&property.as_bytes()[..property.len().min(24)]);
        let mut runner = TestRunner::new_with_rng(
            Config {
                cases,
                failure_persistence: None,
                max_shrink_iters: 4096,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &key),
        );
        let shrinking = std::sync::atomic::AtomicBool::new(false);
        let result = runner.run(&strategy, |case| {
            let mut sim = Sim::new(self.model.clone());
            let r = run(&mut sim, self.subject, &case);
            if !shrinking.load(std::sync::atomic::Ordering::Relaxed) {
                if r.is_ok() {
                    tick();
                } else {
                    shrinking.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            r.map(|_| ())
                .map_err(|f: Failure| TestCaseError::fail(f.to_string()))
        });
        match result {
            Ok(()) => Ok(()),
            Err(TestError::Fail(reason, case)) => {
                Err(Box::new(self.record(property, &case, reason.to_string())))
            }
            Err(TestError::Abort(reason)) => Err(Box::new(Failed {
                model: self.subject.name.clone(),
                property: property.to_owned(),
                reason: format!("proptest aborted: {reason}"),
                ops: 0,
                case_file: PathBuf::new(),
                waveform: PathBuf::new(),
                command: String::new(),
            })),
        }
    }
}
