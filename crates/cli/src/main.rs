//! `ipv4kit`: decode IPv4/IGMP captures; speak IGMP on a live interface;
//! generate and count raw IPv4 traffic. The work is in the `ipv4kit_cli`
//! library; this file parses the command line and reports errors.

use std::process::ExitCode;

use clap::Parser;

use ipv4kit_cli::args::{Cli, Command};
use ipv4kit_cli::{analyze, querier, table};
use ipv4kit_cli::{decode_cmd, emulate, igmp_send, monitor, perf, stop};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // SIGUSR1 prints the table: blocked before any thread starts, read
    // from a signalfd.
    if matches!(&cli.command, Command::Querier(_))
        || matches!(&cli.command, Command::Monitor(m) if m.table)
    {
        table::block_sigusr1();
    }
    if matches!(
        cli.command,
        Command::Monitor(_)
            | Command::Send(_)
            | Command::Sink(_)
            | Command::Querier(_)
            | Command::Emulate(_)
    ) {
        stop::install();
    }
    let result = match &cli.command {
        Command::Decode(args) => decode_cmd::run_decode(args),
        Command::Query(args) => igmp_send::run_query(args),
        Command::Report(args) => igmp_send::run_report(args),
        Command::Leave(args) => igmp_send::run_leave(args),
        Command::Monitor(args) => monitor::run_monitor(args),
        Command::Send(args) => perf::run_send(args),
        Command::Sink(args) => perf::run_sink(args),
        Command::Querier(args) => querier::run_querier(args),
        Command::Emulate(args) => emulate::run_emulate(args),
        Command::Analyze(args) => analyze::run_analyze(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `ipv4kit decode big.pcap | head -1`: the reader went away. End
        // quietly with the status a shell gives a process SIGPIPE ended.
        Err(e) if broken_pipe(e.as_ref()) => ExitCode::from(141),
        // An impossible request on the command line: status 2, as for
        // clap's own errors.
        Err(e) if ipv4kit_cli::args::is_usage(&*e) => {
            eprintln!("ipv4kit: {e} (see ipv4kit {} --help)", name(&cli.command));
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("ipv4kit: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Whether an error (or one it wraps) is a write into a closed pipe.
fn broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The subcommand's name, for "see ipv4kit NAME --help".
fn name(c: &Command) -> &'static str {
    match c {
        Command::Decode(_) => "decode",
        Command::Query(_) => "query",
        Command::Report(_) => "report",
        Command::Leave(_) => "leave",
        Command::Monitor(_) => "monitor",
        Command::Send(_) => "send",
        Command::Sink(_) => "sink",
        Command::Querier(_) => "querier",
        Command::Emulate(_) => "emulate",
        Command::Analyze(_) => "analyze",
    }
}
