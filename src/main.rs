//! The `ruling` command-line tool.

mod cli;

/// Many small allocations per case (values, JSON, HTTP) from several threads at once: mimalloc
/// serves them from per-thread pages where glibc's arenas contend (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
