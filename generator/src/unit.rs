//! What every unit is: the [`Unit`] trait, which each unit folder of [`crate::units`] implements
//! once, and [`UnitKind`] / [`AnyUnit`], the object-safe views through which the command line, the
//! synthesis flow, the sweeps, the tests and the verification crate reach every unit of the
//! registry ([`crate::units::REGISTRY`]) without naming it.
//!
//! The flow is the same for every unit: its [`Unit::Spec`] (parameters with defaults, from flags or
//! TOML) resolves into the unit itself, its plan (every width and register position, computed in
//! one place); the plan drives the golden model, the ports, the RTL, the manifest, the vectors and
//! the testbench, and through them the co-simulation and the FPGA flow.

use crate::design::Design;
use crate::error::{Error, Result};
use crate::ports::Port;
use crate::vectors::VectorLayout;
use std::path::Path;

/// The user's description of a unit: every field optional (unset takes the default), the same
/// fields as command-line flags (clap), as TOML keys (serde) and in the manifest.
pub trait Spec:
    clap::Args + clap::FromArgMatches + serde::de::DeserializeOwned + serde::Serialize + Default + Clone
{
}

impl<T> Spec for T where
    T: clap::Args
        + clap::FromArgMatches
        + serde::de::DeserializeOwned
        + serde::Serialize
        + Default
        + Clone
{
}

/// A generated unit: implemented once in each unit's folder.
pub trait Unit: Sized + Clone + Send + Sync + 'static {
    /// The unit's parameters as the user gives them.
    type Spec: Spec;
    /// The kind of unit (`hbfp_dot`): the manifest's `unit`, the folder of its templates.
    const KIND: &'static str;
    /// Its name on the command line (`hbfpgen gen <COMMAND>`).
    const COMMAND: &'static str;
    /// What it computes, in a sentence or two (the subcommand's help).
    const ABOUT: &'static str;
    /// The order in which a sweep iterates this unit's parameters (outermost first).
    const SWEEP_AXES: &'static [&'static str] = &["mantissa", "block", "stages"];

    /// Validates `spec` and derives the unit, its every width and register position.
    fn resolve(spec: &Self::Spec) -> Result<Self>;
    /// The module name, also the stem of its files.
    fn name(&self) -> &str;
    /// Every port, in declaration order.
    fn ports(&self) -> Vec<Port>;
    /// The SystemVerilog of the unit.
    fn sv(&self) -> Result<String>;
    /// The comment header of its files: what `what` is, the parameters, the latency, the
    /// generator's version and the command that regenerates it.
    fn header(&self, what: &str) -> String;
    /// The command line that regenerates the unit.
    fn command_line(&self) -> String;
    /// The manifest (`NAME.json`), pretty-printed.
    fn manifest(&self) -> String;
    /// One line that says what was generated.
    fn summary(&self) -> String;
    /// `count` vectors from `seed` as the text of a vector file, and how many words it holds.
    fn vectors(&self, count: usize, seed: u64) -> Result<(usize, String)>;
    /// Every vector of the unit's exhaustive set, where it has one for this configuration.
    fn exhaustive_vectors(&self, _seed: u64) -> Option<Result<(usize, String)>> {
        None
    }
    /// The vector field that marks the words which produce a result (for units that take several
    /// words per result); `None` when every word produces one.
    fn result_flag(&self) -> Option<&'static str> {
        None
    }
    /// The longest latency in cycles from an accepted word to its result, without back-pressure.
    fn latency(&self) -> u32;
    /// The vector field that marks the first word of a result's group (`first`), for units that
    /// take several words per result: after a reset, a stream resumes at such a word.
    fn group_flag(&self) -> Option<&'static str> {
        None
    }
    /// Cycles from the acceptance of a result's last word to the result, without back-pressure,
    /// as (fewest, most): the co-simulation's latency law.
    fn accept_latency(&self) -> (u32, u32) {
        (self.latency(), self.latency())
    }
    /// Whether, with a consumer that never stalls, the unit accepts a word in every cycle.
    fn full_rate(&self) -> bool {
        true
    }
    /// Independent streams taking turns (`ctx_o`): word i of its vectors belongs to context
    /// i mod C (docs/vectors.md, "Contexts"). 1 for every unit without contexts.
    fn contexts(&self) -> u32 {
        1
    }
    /// The parameters the synthesis report and the sweep tables record.
    fn synth_parameters(&self) -> serde_json::Value;
    /// The plain integer datapath of the same shape, whose area a synthesis report compares with.
    fn floor(&self) -> Result<Option<Design>> {
        Ok(None)
    }
    /// Whether the unit has a handshake, and so vectors and a self-checking testbench.
    const TESTBENCH: bool = true;
}

/// A resolved unit of any kind: what the generic layers ask of it.
pub trait AnyUnit: Send + Sync {
    /// The kind (`hbfp_dot`).
    fn kind(&self) -> &'static str;
    /// The command-line name (`dot`).
    fn command(&self) -> &'static str;
    /// The module name.
    fn name(&self) -> &str;
    /// Every port, in declaration order.
    fn ports(&self) -> Vec<Port>;
    /// The SystemVerilog.
    fn sv(&self) -> Result<String>;
    /// The manifest.
    fn manifest(&self) -> String;
    /// The self-checking testbench, where the unit has one.
    fn testbench(&self) -> Option<Result<String>>;
    /// The files `hbfpgen gen` writes: NAME.sv, NAME.json and with `testbench` NAME_tb.sv.
    fn files(&self, testbench: bool) -> Result<Vec<(String, String)>>;
    /// One line that says what was generated.
    fn summary(&self) -> String;
    /// `count` vectors (or the exhaustive set) from `seed`: (words, text).
    fn vectors(&self, count: usize, seed: u64, exhaustive: bool) -> Result<(usize, String)>;
    /// The layout of its vector words.
    fn layout(&self) -> VectorLayout;
    /// The design the FPGA flow synthesises.
    fn design(&self) -> Result<Design>;
    /// The vector field that marks the words which produce a result, if not every word does.
    fn result_flag(&self) -> Option<&'static str>;
    /// The vector field that marks the first word of a result's group, if results take groups.
    fn group_flag(&self) -> Option<&'static str>;
    /// The longest latency in cycles from a word's first presentation to its result.
    fn latency(&self) -> u32;
    /// Cycles from the acceptance of a result's last word to the result (fewest, most).
    fn accept_latency(&self) -> (u32, u32);
    /// Whether the unit accepts a word in every cycle when its consumer never stalls.
    fn full_rate(&self) -> bool;
    /// Independent streams taking turns (1: none).
    fn contexts(&self) -> u32;
    /// The command line that regenerates the unit (`hbfpgen gen <unit> <flags>`).
    fn command_line(&self) -> String;
}

impl<U: Unit> AnyUnit for U {
    fn kind(&self) -> &'static str {
        U::KIND
    }
    fn command(&self) -> &'static str {
        U::COMMAND
    }
    fn name(&self) -> &str {
        Unit::name(self)
    }
    fn ports(&self) -> Vec<Port> {
        Unit::ports(self)
    }
    fn sv(&self) -> Result<String> {
        Unit::sv(self)
    }
    fn manifest(&self) -> String {
        Unit::manifest(self)
    }
    fn testbench(&self) -> Option<Result<String>> {
        let name = Unit::name(self);
        U::TESTBENCH.then(|| {
            crate::testbench::testbench_sv(&crate::testbench::TestbenchOf {
                name,
                command: U::COMMAND,
                ports: Unit::ports(self),
                header: self.header(&format!("{name}_tb: self-checking testbench of {name}")),
                latency: self.latency(),
                result_flag: self.result_flag(),
                contexts: Unit::contexts(self),
            })
        })
    }
    fn files(&self, testbench: bool) -> Result<Vec<(String, String)>> {
        let name = Unit::name(self);
        let mut files = vec![
            (format!("{name}.sv"), Unit::sv(self)?),
            (format!("{name}.json"), Unit::manifest(self)),
        ];
        if testbench {
            match AnyUnit::testbench(self) {
                Some(tb) => files.push((format!("{name}_tb.sv"), tb?)),
                None => {
                    return Err(Error::Unsupported {
                        what: format!("{} has no handshake, so no testbench", U::KIND),
                    })
                }
            }
        }
        Ok(files)
    }
    fn summary(&self) -> String {
        Unit::summary(self)
    }
    fn vectors(&self, count: usize, seed: u64, exhaustive: bool) -> Result<(usize, String)> {
        if exhaustive {
            self.exhaustive_vectors(seed).unwrap_or_else(|| {
                Err(Error::Unsupported {
                    what: format!(
                        "{} has no exhaustive vector set for this configuration",
                        Unit::name(self)
                    ),
                })
            })
        } else {
            Unit::vectors(self, count, seed)
        }
    }
    fn layout(&self) -> VectorLayout {
        VectorLayout::of_ports(&Unit::ports(self))
    }
    fn result_flag(&self) -> Option<&'static str> {
        Unit::result_flag(self)
    }
    fn group_flag(&self) -> Option<&'static str> {
        Unit::group_flag(self)
    }
    fn latency(&self) -> u32 {
        Unit::latency(self)
    }
    fn accept_latency(&self) -> (u32, u32) {
        Unit::accept_latency(self)
    }
    fn full_rate(&self) -> bool {
        Unit::full_rate(self)
    }
    fn contexts(&self) -> u32 {
        Unit::contexts(self)
    }
    fn command_line(&self) -> String {
        Unit::command_line(self)
    }
    fn design(&self) -> Result<Design> {
        Ok(Design {
            unit: U::KIND.into(),
            module: Unit::name(self).to_owned(),
            files: self.files(false)?,
            ports: Unit::ports(self),
            parameters: self.synth_parameters(),
            floor: self.floor()?.map(Box::new),
        })
    }
}

/// One entry of the registry: a unit kind, before it is resolved.
pub trait UnitKind: Sync {
    /// The kind (`hbfp_dot`).
    fn kind(&self) -> &'static str;
    /// The command-line name (`dot`).
    fn command(&self) -> &'static str;
    /// What it computes.
    fn about(&self) -> &'static str;
    /// Its parameters as a clap command named [`UnitKind::command`].
    fn cli(&self) -> clap::Command;
    /// The unit from parsed flags over the TOML file `config` (flags win).
    fn resolve_cli(
        &self,
        flags: &clap::ArgMatches,
        config: Option<&Path>,
    ) -> Result<Box<dyn AnyUnit>>;
    /// The unit from a TOML table of its parameters (`path` names its source in errors).
    fn resolve_table(&self, table: toml::Table, source: &Path) -> Result<Box<dyn AnyUnit>>;
    /// The order in which a sweep iterates its parameters.
    fn sweep_axes(&self) -> &'static [&'static str];
    /// The names of its parameters (the TOML keys).
    fn keys(&self) -> Vec<String>;
    /// Whether it has vectors and a self-checking testbench.
    fn has_testbench(&self) -> bool;
}

/// The registry entry of the unit `U`.
pub struct Kind<U: Unit>(std::marker::PhantomData<fn() -> U>);

impl<U: Unit> Kind<U> {
    /// The entry.
    pub const fn new() -> Self {
        Kind(std::marker::PhantomData)
    }
}

impl<U: Unit> Default for Kind<U> {
    fn default() -> Self {
        Self::new()
    }
}

/// `spec` with every field that `over` sets taken from `over` (flags over a TOML file).
pub fn overlay<S: Spec>(base: S, over: &S) -> Result<S> {
    let mut b = serde_json::to_value(base).expect("a spec serialises");
    let o = serde_json::to_value(over).expect("a spec serialises");
    if let (Some(b), Some(o)) = (b.as_object_mut(), o.as_object()) {
        for (k, v) in o {
            if !v.is_null() {
                b.insert(k.clone(), v.clone());
            }
        }
    }
    serde_json::from_value(b).map_err(|e| Error::Internal {
        message: format!("merging the flags over the TOML file: {e}"),
    })
}

impl<U: Unit> UnitKind for Kind<U> {
    fn kind(&self) -> &'static str {
        U::KIND
    }
    fn command(&self) -> &'static str {
        U::COMMAND
    }
    fn about(&self) -> &'static str {
        U::ABOUT
    }
    fn cli(&self) -> clap::Command {
        <U::Spec as clap::Args>::augment_args(clap::Command::new(U::COMMAND).about(U::ABOUT))
    }
    fn resolve_cli(
        &self,
        flags: &clap::ArgMatches,
        config: Option<&Path>,
    ) -> Result<Box<dyn AnyUnit>> {
        let flags = <U::Spec as clap::FromArgMatches>::from_arg_matches(flags).map_err(|e| {
            Error::Internal {
                message: e.to_string(),
            }
        })?;
        let base = match config {
            Some(path) => {
                let text = crate::output::read_text(path)?;
                parse_toml::<U>(&text, path)?
            }
            None => U::Spec::default(),
        };
        Ok(Box::new(U::resolve(&overlay(base, &flags)?)?))
    }
    fn resolve_table(&self, table: toml::Table, source: &Path) -> Result<Box<dyn AnyUnit>> {
        let text = toml::to_string(&table).expect("a table serialises");
        Ok(Box::new(U::resolve(&parse_toml::<U>(&text, source)?)?))
    }
    fn sweep_axes(&self) -> &'static [&'static str] {
        U::SWEEP_AXES
    }
    fn keys(&self) -> Vec<String> {
        keys::<U>()
    }
    fn has_testbench(&self) -> bool {
        U::TESTBENCH
    }
}

/// The TOML keys of `U`'s spec: its flags' names with `_` for `-`.
fn keys<U: Unit>() -> Vec<String> {
    <U::Spec as clap::Args>::augment_args(clap::Command::new("x"))
        .get_arguments()
        .map(|a| a.get_id().as_str().to_owned())
        .collect()
}

/// Parses a TOML spec of `U`; unknown keys and wrong types are errors that name the key and list
/// the known ones.
pub fn parse_toml<U: Unit>(text: &str, path: &Path) -> Result<U::Spec> {
    toml::from_str(text).map_err(|e| Error::Config {
        path: path.to_owned(),
        message: crate::output::toml_message(text, &e, &keys::<U>().join(", ")),
    })
}

/// Every combination of `axes` (name, values), the first axis outermost, as TOML tables of one
/// value each: the grids of sweeps and test matrices.
pub fn grid(axes: &[(String, Vec<toml::Value>)]) -> Vec<toml::Table> {
    let mut tables = vec![toml::Table::new()];
    for (k, values) in axes {
        tables = tables
            .into_iter()
            .flat_map(|t| {
                values.iter().map(move |v| {
                    let mut t = t.clone();
                    t.insert(k.clone(), v.clone());
                    t
                })
            })
            .collect();
    }
    tables
}
