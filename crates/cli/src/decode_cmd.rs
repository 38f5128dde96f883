//! `decode`: IPv4/IGMP and IPv6/MLD from capture files or hex, as text or
//! JSON Lines.

use std::io::{self, BufWriter, Write};

use crate::args::DecodeArgs;
use std::ops::ControlFlow;

use ipv4kit_capture::read;
use ipv4kit_capture::text::TextOptions;

use crate::{decode, model};

/// Writes one packet and a newline; `line` is scratch space reused across
/// packets (formatting into a `String` and writing once is cheaper than
/// formatting through `io::Write`).
fn emit(
    out: &mut impl Write,
    line: &mut String,
    packet: &model::Packet,
    args: &DecodeArgs,
) -> io::Result<()> {
    if args.json {
        packet.write_json(out)?;
        out.write_all(b"\n")
    } else {
        use std::fmt::Write as _;
        let options = TextOptions {
            link_header: args.link_header,
        };
        line.clear();
        // Writing into a String cannot fail.
        let _ = writeln!(line, "{}", packet.text(options));
        out.write_all(line.as_bytes())
    }
}

/// `ipv4kit decode`.
///
/// Each file is read to its end or to its first error; an error is printed
/// (`ipv4kit: FILE: ...`) and the next file is read. If any file failed,
/// the command ends with an error (exit status 1) after the last one. A
/// closed standard output ends it at once with an `io::Error` of kind
/// `BrokenPipe`, which `main` turns into a quiet exit.
pub fn run_decode(args: &DecodeArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.hex.is_empty() && args.files.is_empty() {
        return Err("decode needs a FILE or --hex HEX (see ipv4kit decode --help)".into());
    }
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = String::with_capacity(256);
    for h in &args.hex {
        let bytes = ipv4kit_capture::hex::parse(h)
            .map_err(|e| crate::args::usage(format!("--hex {h:?}: {e}")))?;
        emit(&mut out, &mut line, &decode::ip_packet(&bytes), args)?;
    }
    let several = args.files.len() > 1;
    let mut failed = 0usize;
    for path in &args.files {
        let mut io_error = None;
        let stdin = path.as_os_str() == "-";
        let name = if stdin {
            "standard input".to_string()
        } else {
            path.display().to_string()
        };
        let file = several.then(|| name.clone());
        let each = |frame: read::Frame<'_>| {
            let mut packet = decode::frame(&frame);
            packet.file.clone_from(&file);
            let mut written = emit(&mut out, &mut line, &packet, args);
            // A pipe from a live capture (`tcpdump -U -w - | ipv4kit
            // decode -`) shows each packet as it comes.
            if stdin && written.is_ok() {
                written = out.flush();
            }
            match written {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    io_error = Some(e);
                    ControlFlow::Break(())
                }
            }
        };
        let result = if stdin {
            read::for_each_frame_in(io::stdin().lock(), &name, each)
        } else {
            read::for_each_frame(path, each)
        };
        if let Some(e) = io_error {
            return Err(e.into());
        }
        if let Err(e) = result {
            // What was decoded before the error goes out first.
            out.flush()?;
            eprintln!("ipv4kit: {e}");
            failed += 1;
        }
    }
    out.flush()?;
    files_read(failed, args.files.len())
}

/// The command's result after reading `files` files of which `failed`
/// could not be read to the end (each already said on standard error).
pub(crate) fn files_read(failed: usize, files: usize) -> Result<(), Box<dyn std::error::Error>> {
    if failed > 0 {
        return Err(format!("{failed} of {files} file(s) could not be read to the end").into());
    }
    Ok(())
}
