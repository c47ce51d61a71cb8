fn main() -> std::process::ExitCode {
    shopd::cli::main()
}
