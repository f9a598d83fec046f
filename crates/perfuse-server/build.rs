//! Rebuilds the crate when the embedded web pages or shipped scenarios change.

fn main() {
    println!("cargo:rerun-if-changed=../../web");
    println!("cargo:rerun-if-changed=../../scenarios");
}
