//! Errors of the generator library, each with a message that says what to change.

use std::path::PathBuf;

/// Everything that can go wrong in the generator library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is outside its allowed range.
    #[error("invalid parameter `{name}`: {value} is out of range; allowed: {allowed}")]
    OutOfRange {
        /// The parameter, as spelt on the command line and in TOML files.
        name: &'static str,
        /// The rejected value, printed.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// A module name that is not a usable SystemVerilog identifier.
    #[error(
        "invalid parameter `name`: {name:?} is not a usable SystemVerilog identifier; \
         allowed: a letter or `_` followed by letters, digits or `_` (at most 128 characters), \
         not a SystemVerilog keyword"
    )]
    BadName {
        /// The rejected name.
        name: String,
    },
    /// A configuration file could not be read or parsed.
    #[error("configuration file {path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A file or directory could not be written.
    #[error("cannot write {path}: {source}; choose a writable output location with -o")]
    Write {
        /// The path that failed.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path that failed.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A vector file is malformed.
    #[error("vector file {path}, line {line}: {message}")]
    Vectors {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An operand does not fit the format of the unit it is given to.
    #[error("operand does not fit the format: {0}")]
    Operand(String),
    /// A program the flow needs is missing or cannot run.
    #[error("{tool}: {message}")]
    ToolMissing {
        /// The program.
        tool: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A tool of the flow failed.
    #[error("{step} failed (exit code {}):\n{excerpt}", code.map_or("none".to_owned(), |c| c.to_string()))]
    ToolFailed {
        /// The step that failed.
        step: String,
        /// The tool's exit code.
        code: Option<i32>,
        /// The lines of its log that say why.
        excerpt: String,
    },
    /// The design does not fit the chosen device.
    #[error("the design does not fit the device ({step}):\n{excerpt}\nchoose a larger target, fewer lanes, or --dsp/--no-dsp to move multipliers")]
    DoesNotFit {
        /// The step that found it.
        step: String,
        /// What the tool said.
        excerpt: String,
    },
    /// A report of a tool or of the flow is malformed.
    #[error("report {path}: {message}")]
    Report {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Some configurations of a sweep failed (their errors were printed).
    #[error("{failed} configuration(s) of the sweep failed; fix the cause and run the sweep again (finished configurations are kept)")]
    SweepFailed {
        /// How many.
        failed: usize,
    },
    /// A template failed to render (a bug in the generator, not in the input).
    #[error("internal error while rendering template {template}: {message}")]
    Template {
        /// The template's name.
        template: String,
        /// Tera's message, with its causes.
        message: String,
    },
    /// Something a unit does not offer for this configuration.
    #[error("{what}")]
    Unsupported {
        /// What was asked for, and why it is not there.
        what: String,
    },
    /// A bug in the generator, not in the input.
    #[error("internal error: {message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

/// Result type of the generator library.
pub type Result<T> = std::result::Result<T, Error>;
