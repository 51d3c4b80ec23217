//! Tells the library the target triple, for which it compiles the Verilated models' C++ at run
//! time (`compile.rs`); the models themselves are built when first used, into a cache.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    println!("cargo:rustc-env=VERIF_TARGET={target}");
}
