//! Embeds every template under `rtl-templates/` (any depth) in the library: writes
//! `$OUT_DIR/templates.rs`, a table of (name, text) in which a file `<dir>/<stem>.sv.tera` is named
//! `<stem>.sv`. A unit's templates live in `rtl-templates/<unit>/`, the shared ones in
//! `rtl-templates/shared/`; no list of them is kept by hand. Two templates of one name are an error.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.to_string_lossy().ends_with(".tera") {
            out.push(p);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rtl-templates");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    let mut names: Vec<String> = Vec::new();
    let mut table = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let file = f.file_name().expect("a file name").to_string_lossy();
        let name = file.trim_end_matches(".tera").to_owned();
        if names.contains(&name) {
            panic!("two templates are named {name}: template file names must be unique");
        }
        table.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            f.canonicalize().expect("the template exists").display()
        ));
        names.push(name);
    }
    table.push(']');
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("templates.rs"), table).expect("write templates.rs");
}
