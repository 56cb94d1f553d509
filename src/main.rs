fn main() {
    let cli = match sshtriage::cli::parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                sshtriage::cli::EXIT_USAGE
            } else {
                0
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sshtriage: cannot start the async runtime: {e}");
            std::process::exit(sshtriage::cli::EXIT_USAGE);
        }
    };
    let code = runtime.block_on(sshtriage::cli::main(cli));
    // Probes still winding down must not delay the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(code);
}
