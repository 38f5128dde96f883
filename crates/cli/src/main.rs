//! `ipv4kit`: decode IPv4/IGMP captures; speak IGMP on a live interface.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use ipv4kit_cli::{capture, decode, model};

/// IPv4 and IGMP at the packet level.
#[derive(Debug, Parser)]
#[command(name = "ipv4kit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Decode(DecodeArgs),
}

/// Decode IPv4 packets, with IGMP in full, from pcap/pcapng files or hex.
///
/// Link types: Ethernet (with 802.1Q/802.1ad tags), raw IPv4 (101, 228),
/// Linux cooked capture v1 and v2 (113, 276). Frames that are not IPv4 are
/// counted and skipped; a damaged packet prints its error and decoding goes on.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit decode tests/data/tcpdump/IGMP_V2.pcap
  ipv4kit decode --json capture.pcapng
  ipv4kit decode --hex '46000020 00000000 0102 72c8 c0a80165 ef010101 94040000 1600f9fcef010101'")]
struct DecodeArgs {
    /// Print JSON Lines (one object per packet) instead of text.
    #[arg(long)]
    json: bool,
    /// An IPv4 datagram as hex (spaces and colons allowed); may repeat.
    #[arg(long = "hex", value_name = "HEX")]
    hex: Vec<String>,
    /// pcap or pcapng files.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => run_decode(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ipv4kit: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Parses hex with optional whitespace, colons or a leading `0x`.
fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("hex {s:?} has an odd number of digits"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("hex {s:?} has a non-hex digit"))
        })
        .collect()
}

fn emit(out: &mut impl Write, packet: &model::Packet, json: bool) -> io::Result<()> {
    if json {
        writeln!(out, "{}", packet.to_json())
    } else {
        writeln!(out, "{packet}")
    }
}

fn run_decode(args: &DecodeArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.hex.is_empty() && args.files.is_empty() {
        return Err("decode needs a FILE or --hex HEX (see ipv4kit decode --help)".into());
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for h in &args.hex {
        let bytes = parse_hex(h)?;
        emit(&mut out, &decode::ipv4_packet(&bytes), args.json)?;
    }
    for path in &args.files {
        let mut skipped = 0u64;
        let mut io_error = None;
        capture::for_each_frame(path, |frame| {
            if io_error.is_some() {
                return;
            }
            let mut packet = match capture::ipv4_of(frame.linktype, frame.data) {
                capture::Link::Ipv4(bytes) => decode::ipv4_packet(bytes),
                capture::Link::Other => {
                    skipped += 1;
                    return;
                }
                capture::Link::Truncated(what) => model::Packet {
                    error: Some(model::LayerError {
                        layer: "link",
                        message: format!("{what} is cut short"),
                    }),
                    ..Default::default()
                },
            };
            packet.frame = Some(frame.index);
            if let Err(e) = emit(&mut out, &packet, args.json) {
                io_error = Some(e);
            }
        })?;
        if let Some(e) = io_error {
            return Err(e.into());
        }
        if skipped > 0 && !args.json {
            writeln!(
                out,
                "# {}: {skipped} frame(s) not IPv4, skipped",
                path.display()
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn hex_accepts_spaces_colons_and_prefix() {
        assert_eq!(parse_hex("0x46 00:0a").unwrap(), vec![0x46, 0x00, 0x0a]);
        assert!(parse_hex("123").unwrap_err().contains("odd"));
        assert!(parse_hex("zz").unwrap_err().contains("non-hex"));
    }
}
