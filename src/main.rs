//! The `surplus` binary: everything is in the library; see `surplus --help`.

fn main() -> std::process::ExitCode {
    surplus::app::main()
}
