//! The FPGA flow: a unit, its benchmarking wrapper and its integer floor through Yosys and nextpnr,
//! into one [`Report`] of LUTs, flip-flops, DSPs, carries and Fmax over placement seeds.
//!
//! Every figure of the unit is the unit's own: its area comes from synthesising the unit alone, the
//! wrapper's from synthesising the wrapper with the unit as a black box, and Fmax from placing and
//! routing the two together (the wrapper registers every port, so every path of the unit is register
//! to register). The flow and the meaning of each figure are documented in `docs/fpga-flow.md`.

mod report;
mod target;
mod tools;

pub use crate::design::Design;
use crate::error::{Error, Result};
use crate::wrapper::{pins_used, wrapper_sv};
pub use report::{
    parse_nextpnr_report, Area, FloorReport, FmaxSummary, Report, SeedRun, ToolVersions,
    WrapperReport,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
pub use target::{Family, SynthOptions, Target, YosysFlavour};
pub use tools::{find_tool, Tools};
use tools::{run_logged, yosys_script};

/// Synthesises `design` with `options` into `dir`, which receives the sources, the Yosys scripts,
/// every log and report, and `report.json` (written last, so a directory with a `report.json` is
/// a finished run). On failure the run's files are removed and nothing is left in `dir`.
pub fn synthesise(design: &Design, options: &SynthOptions, dir: &Path) -> Result<Report> {
    options.validate()?;
    let tools = Tools::find(options)?;
    let created = !dir.exists();
    let work = dir.join(".hbfpgen-synth-partial");
    let result = (|| {
        if work.exists() {
            std::fs::remove_dir_all(&work).map_err(|source| Error::Write {
                path: work.clone(),
                source,
            })?;
        }
        std::fs::create_dir_all(&work).map_err(|source| Error::Write {
            path: work.clone(),
            source,
        })?;
        let report = run_flow(design, options, &tools, &work)?;
        std::fs::write(work.join("report.json"), report.to_json()).map_err(|source| {
            Error::Write {
                path: dir.join("report.json"),
                source,
            }
        })?;
        // move everything into place, report.json last
        let mut names: Vec<PathBuf> = std::fs::read_dir(&work)
            .map_err(|source| Error::Read {
                path: work.clone(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort_by_key(|p| p.file_name() == Some(std::ffi::OsStr::new("report.json")));
        for p in names {
            let to = dir.join(p.file_name().expect("a file name"));
            std::fs::rename(&p, &to).map_err(|source| Error::Write { path: to, source })?;
        }
        let _ = std::fs::remove_dir(&work);
        Ok(report)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&work);
        if created {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result
}

fn run_flow(design: &Design, options: &SynthOptions, tools: &Tools, work: &Path) -> Result<Report> {
    let family = options.target.family();
    let style = options.target.wrapper_style();
    if let Some(pins) = options.target.io_pins() {
        let need = pins_used(&design.ports, style);
        if need > pins {
            return Err(Error::DoesNotFit {
                step: "pin planning".into(),
                excerpt: format!(
                    "the wrapper needs {need} pins and {} has {pins}",
                    options.target
                ),
            });
        }
    }
    let write = |name: &str, text: &str| -> Result<()> {
        std::fs::write(work.join(name), text).map_err(|source| Error::Write {
            path: work.join(name),
            source,
        })
    };
    let mut all_files = design.files.clone();
    if let Some(f) = &design.floor {
        all_files.extend(f.files.iter().cloned());
    }
    for (name, text) in &all_files {
        write(name, text)?;
    }
    let wrapper = format!("{}_bench", design.module);
    write(
        &format!("{wrapper}.sv"),
        &wrapper_sv(&wrapper, &design.module, &design.ports, style)?,
    )?;
    let unit_sv = format!("{}.sv", design.module);
    let yosys = |script_name: &str, script: String| -> Result<()> {
        write(script_name, &script)?;
        run_logged(
            work,
            &tools.yosys,
            &["-s".into(), script_name.into()],
            &script_name.replace(".ys", ".log"),
            &format!("Yosys ({script_name})"),
        )
    };
    let area_of = |stat: &str| -> Result<Area> {
        let text = std::fs::read_to_string(work.join(stat)).map_err(|source| Error::Read {
            path: work.join(stat),
            source,
        })?;
        Area::from_stat_json(&text, family).map_err(|message| Error::Report {
            path: PathBuf::from(stat),
            message,
        })
    };
    // the unit alone
    yosys(
        "unit.ys",
        yosys_script(
            family,
            options.dsp,
            &design.module,
            &[format!("read_verilog -sv {unit_sv}")],
            false,
            "unit.stat.json",
        ),
    )?;
    let unit_area = area_of("unit.stat.json")?;
    // the wrapper alone, the unit a black box
    yosys(
        "wrapper.ys",
        yosys_script(
            family,
            options.dsp,
            &wrapper,
            &[
                format!("read_verilog -sv -lib {unit_sv}"),
                format!("read_verilog -sv {wrapper}.sv"),
            ],
            false,
            "wrapper.stat.json",
        ),
    )?;
    let wrapper_area = area_of("wrapper.stat.json")?;
    // the floor
    let floor = match &design.floor {
        Some(f) => {
            yosys(
                "floor.ys",
                yosys_script(
                    family,
                    options.dsp,
                    &f.module,
                    &[format!("read_verilog -sv {}.sv", f.module)],
                    false,
                    "floor.stat.json",
                ),
            )?;
            let area = area_of("floor.stat.json")?;
            let pct = |u: u64, f: u64| (u as f64 - f as f64) / f as f64 * 100.0;
            Some(FloorReport {
                module: f.module.clone(),
                lut_overhead_pct: pct(unit_area.luts, area.luts.max(1)),
                ff_overhead_pct: (area.ffs > 0).then(|| pct(unit_area.ffs, area.ffs)),
                area,
            })
        }
        None => None,
    };
    // unit and wrapper together, for place and route
    yosys(
        "full.ys",
        yosys_script(
            family,
            options.dsp,
            &wrapper,
            &[format!("read_verilog -sv {unit_sv} {wrapper}.sv")],
            true,
            "full.stat.json",
        ),
    )?;
    let netlist = format!("{wrapper}.netlist.json");
    let mut seeds = Vec::new();
    let mut placed = BTreeMap::new();
    for seed in 1..=options.seeds {
        let rep = format!("nextpnr.seed{seed}.json");
        let mut args: Vec<String> = options
            .target
            .nextpnr_args()
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend([
            "--json".into(),
            netlist.clone(),
            "--report".into(),
            rep.clone(),
            "--timing-allow-fail".into(),
            "--seed".into(),
            seed.to_string(),
            "--freq".into(),
            format!("{}", options.freq_mhz),
        ]);
        if family == Family::Ice40 {
            // the serial wrapper's pins go wherever the placer likes
            args.push("--pcf-allow-unconstrained".into());
        }
        run_logged(
            work,
            &tools.nextpnr,
            &args,
            &format!("nextpnr.seed{seed}.log"),
            &format!("nextpnr on {} (seed {seed})", options.target),
        )?;
        let text = std::fs::read_to_string(work.join(&rep)).map_err(|source| Error::Read {
            path: work.join(&rep),
            source,
        })?;
        let (fmax, used) = parse_nextpnr_report(&text).map_err(|message| Error::Report {
            path: PathBuf::from(&rep),
            message,
        })?;
        if seed == 1 {
            placed = used;
        }
        seeds.push(SeedRun {
            seed,
            fmax_mhz: fmax,
        });
    }
    // the netlist can be rebuilt from full.ys; it is large
    let _ = std::fs::remove_file(work.join(&netlist));
    let fmax = FmaxSummary::of(&seeds.iter().map(|s| s.fmax_mhz).collect::<Vec<_>>())
        .expect("at least one seed, all finite");
    Ok(Report {
        unit: design.unit.clone(),
        module: design.module.clone(),
        parameters: design.parameters.clone(),
        target: options.target,
        dsp: options.dsp,
        yosys: options.yosys,
        freq_mhz: options.freq_mhz,
        luts: unit_area.luts,
        ffs: unit_area.ffs,
        dsps: unit_area.dsps,
        carries: unit_area.carries,
        cells: unit_area.cells,
        fmax_mhz: fmax,
        seeds,
        wrapper: WrapperReport {
            module: wrapper,
            style,
            area: wrapper_area,
        },
        placed,
        floor,
        tools: tools.versions()?,
    })
}

#[cfg(test)]
mod tests {
    use super::tools::tool_failure;
    use super::*;
    use crate::render::GENERATOR_VERSION;
    use crate::wrapper::WrapperStyle;
    use proptest::prelude::*;

    fn stat_json(cells: &BTreeMap<String, u64>) -> String {
        serde_json::json!({
            "creator": "Yosys",
            "modules": { "\\top": { "num_cells_by_type": cells } },
            "design": { "num_cells_by_type": cells }
        })
        .to_string()
    }

    proptest! {
        /// ECP5: LUTs are the LUT4 cells plus two per CCU2C; the other figures are their cells.
        #[test]
        fn ecp5_area_counts_carry_luts(lut in 0u64..100_000, ccu in 0u64..10_000, ff in 0u64..100_000,
                                       mult in 0u64..200, mux in 0u64..1000) {
            let cells: BTreeMap<String, u64> = [("LUT4", lut), ("CCU2C", ccu), ("TRELLIS_FF", ff),
                ("MULT18X18D", mult), ("PFUMX", mux)].iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let a = Area::from_stat_json(&stat_json(&cells), Family::Ecp5).unwrap();
            prop_assert_eq!(a.luts, lut + 2 * ccu);
            prop_assert_eq!((a.ffs, a.dsps, a.carries), (ff, mult, ccu));
            prop_assert_eq!(a.cells, cells);
        }

        /// iCE40: LUTs are SB_LUT4; flip-flops are every SB_DFF variant.
        #[test]
        fn ice40_area_counts_every_dff(lut in 0u64..10_000, carry in 0u64..1000, d in 0u64..1000,
                                       de in 0u64..1000, der in 0u64..1000, mac in 0u64..8) {
            let cells: BTreeMap<String, u64> = [("SB_LUT4", lut), ("SB_CARRY", carry), ("SB_DFF", d),
                ("SB_DFFE", de), ("SB_DFFER", der), ("SB_MAC16", mac)].iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let a = Area::from_stat_json(&stat_json(&cells), Family::Ice40).unwrap();
            prop_assert_eq!((a.luts, a.ffs, a.dsps, a.carries), (lut, d + de + der, mac, carry));
        }

        /// The median lies between min and max, and at least half the values lie on each side of it.
        #[test]
        fn fmax_summary_is_a_median(v in proptest::collection::vec(1.0f64..1000.0, 1..12)) {
            let s = FmaxSummary::of(&v).unwrap();
            prop_assert!(s.min <= s.median && s.median <= s.max);
            prop_assert!(v.iter().all(|x| s.min <= *x && *x <= s.max));
            let below = v.iter().filter(|x| **x <= s.median).count();
            let above = v.iter().filter(|x| **x >= s.median).count();
            prop_assert!(2 * below >= v.len() && 2 * above >= v.len());
        }

        /// nextpnr's report: Fmax is the slowest clock's achieved frequency; unused resources dropped.
        #[test]
        fn nextpnr_fmax_is_the_slowest_clock(f in proptest::collection::vec(1.0f64..900.0, 1..4), used in 1u64..1000) {
            let mut fmax = serde_json::Map::new();
            for (i, x) in f.iter().enumerate() {
                fmax.insert(format!("clk{i}"), serde_json::json!({"achieved": x, "constraint": 250}));
            }
            let text = serde_json::json!({
                "fmax": fmax,
                "utilization": {"TRELLIS_COMB": {"used": used, "available": 83640},
                                "DCCA": {"used": 0, "available": 56}}
            }).to_string();
            let (got, u) = parse_nextpnr_report(&text).unwrap();
            prop_assert_eq!(got, f.iter().copied().fold(f64::MAX, f64::min));
            prop_assert_eq!(u.len(), 1);
            prop_assert_eq!(u["TRELLIS_COMB"], [used, 83640]);
        }
    }

    #[test]
    fn malformed_tool_reports_are_errors_that_say_what_is_missing() {
        assert!(parse_nextpnr_report("{").unwrap_err().contains("not JSON"));
        assert!(parse_nextpnr_report(r#"{"utilization": {}}"#)
            .unwrap_err()
            .contains("no `fmax`"));
        assert!(
            parse_nextpnr_report(r#"{"fmax": {"clk": {"constraint": 12}}}"#)
                .unwrap_err()
                .contains("achieved")
        );
        assert!(Area::from_stat_json(r#"{"modules": {}}"#, Family::Ecp5)
            .unwrap_err()
            .contains("num_cells_by_type"));
        assert!(Area::from_stat_json(
            r#"{"design": {"num_cells_by_type": {"LUT4": "many"}}}"#,
            Family::Ecp5
        )
        .unwrap_err()
        .contains("LUT4"));
    }

    fn sample_report() -> Report {
        let unit = crate::units::dot::DotSpec::default().resolve().unwrap();
        let design = crate::unit::AnyUnit::design(&unit).unwrap();
        let seeds = vec![
            SeedRun {
                seed: 1,
                fmax_mhz: 150.5,
            },
            SeedRun {
                seed: 2,
                fmax_mhz: 140.25,
            },
            SeedRun {
                seed: 3,
                fmax_mhz: 160.0,
            },
        ];
        Report {
            unit: design.unit.clone(),
            module: design.module.clone(),
            parameters: design.parameters.clone(),
            target: Target::Ecp5_85k,
            dsp: false,
            yosys: YosysFlavour::Debian,
            freq_mhz: 250.0,
            luts: 1000,
            ffs: 500,
            dsps: 0,
            carries: 100,
            cells: BTreeMap::new(),
            fmax_mhz: FmaxSummary::of(&[150.5, 140.25, 160.0]).unwrap(),
            seeds,
            wrapper: WrapperReport {
                module: "w".into(),
                style: WrapperStyle::Registered,
                area: Area::default(),
            },
            placed: BTreeMap::new(),
            floor: None,
            tools: ToolVersions {
                yosys: "Yosys 0.23".into(),
                nextpnr: "nextpnr-0.11.1".into(),
                hbfpgen: GENERATOR_VERSION.into(),
            },
        }
    }

    #[test]
    fn reports_round_trip_and_inconsistent_ones_are_rejected() {
        let r = sample_report();
        assert_eq!(Report::parse(&r.to_json()).unwrap(), r);
        assert_eq!(r.fmax_mhz.median, 150.5);
        let mut bad = r.clone();
        bad.fmax_mhz.median = 155.0;
        assert!(Report::parse(&bad.to_json())
            .unwrap_err()
            .contains("summarise"));
        let mut empty = r.clone();
        empty.seeds.clear();
        assert!(Report::parse(&empty.to_json())
            .unwrap_err()
            .contains("seeds"));
        let no_luts = r.to_json().replace("\"luts\": 1000,", "");
        assert!(Report::parse(&no_luts).unwrap_err().contains("luts"));
    }

    #[test]
    fn option_errors_name_the_option() {
        let mut o = SynthOptions::new(Target::Ice40Hx8k);
        assert!(!o.dsp);
        o.validate().unwrap();
        o.dsp = true;
        assert!(o
            .validate()
            .unwrap_err()
            .to_string()
            .contains("no DSP blocks"));
        let mut o = SynthOptions::new(Target::Ecp5_85k);
        assert!(o.dsp);
        o.seeds = 0;
        assert!(o.validate().unwrap_err().to_string().contains("seeds"));
        o.seeds = 1;
        o.freq_mhz = f64::NAN;
        assert!(o.validate().unwrap_err().to_string().contains("freq"));
        for t in Target::ALL {
            assert_eq!(t.name().parse::<Target>().unwrap(), t);
        }
        assert!("ecp5-45k"
            .parse::<Target>()
            .unwrap_err()
            .contains("ecp5-85k"));
    }

    #[test]
    fn a_failed_place_and_route_that_ran_out_of_room_is_reported_as_not_fitting() {
        let log = "Info: Packing\nERROR: Unable to place cell 'x', no BELs remaining to implement cell type 'SB_MAC16'\n";
        match tool_failure("nextpnr on ice40-up5k (seed 1)", log, Some(1)) {
            Error::DoesNotFit { excerpt, .. } => assert!(excerpt.contains("SB_MAC16")),
            e => panic!("expected DoesNotFit, got {e:?}"),
        }
        match tool_failure("Yosys (unit.ys)", "ERROR: syntax error\n", Some(1)) {
            Error::ToolFailed { excerpt, code, .. } => {
                assert_eq!(code, Some(1));
                assert!(excerpt.contains("syntax error"));
            }
            e => panic!("expected ToolFailed, got {e:?}"),
        }
    }
}
