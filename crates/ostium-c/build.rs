//! Compiles `src/jump.c`, the setjmp/longjmp that lets `door_return` not return (see its
//! head comment): Rust cannot call `setjmp` soundly, C can.

fn main() {
    println!("cargo:rerun-if-changed=src/jump.c");
    cc::Build::new().file("src/jump.c").warnings_into_errors(true).compile("ostium_c_jump");
}
