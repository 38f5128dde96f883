//! `analyze`: queriers, membership, latency and RFC violations rebuilt from
//! IGMP/MLD captures (the work is in `ipv4kit-analyze`).

use std::io::{self, Write};
use std::ops::ControlFlow;

use ipv4kit_analyze::{Analyzer, Options};
use ipv4kit_capture::read;

use crate::args::AnalyzeArgs;

/// `ipv4kit analyze`. Files that cannot be read to the end are reported in
/// the output and make the exit status 1, after the analysis of what was read.
pub fn run_analyze(args: &AnalyzeArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.files.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(crate::args::usage("standard input (-) can be read once"));
    }
    let mut a = Analyzer::new(Options {
        iface: args.iface.clone(),
        at: args.at,
        link_prefixes: args.link_prefix.clone(),
    });
    let mut failed = 0usize;
    for path in &args.files {
        let stdin = path.as_os_str() == "-";
        let name = if stdin {
            "standard input".to_string()
        } else {
            path.display().to_string()
        };
        a.begin_file(&name);
        let each = |f: read::Frame<'_>| {
            a.frame(&f);
            ControlFlow::Continue(())
        };
        let result = if stdin {
            read::for_each_frame_in(io::stdin().lock(), &name, each)
        } else {
            read::for_each_frame(path, each)
        };
        if let Err(e) = result {
            eprintln!("ipv4kit: {e}");
            a.file_error(&e);
            failed += 1;
        }
    }
    let report = a.finish();
    if let Some(svg) = &args.svg {
        std::fs::write(svg, ipv4kit_analyze::svg::to_svg(&report))
            .map_err(|e| format!("--svg {}: cannot write: {e}", svg.display()))?;
    }
    // Standard output flushes at every newline; a report can be many
    // thousand lines.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    } else {
        ipv4kit_analyze::text::write_io(&report, &mut out)?;
    }
    out.flush()?;
    crate::decode_cmd::files_read(failed, args.files.len())
}
