//! `decode`: IPv4/IGMP from capture files or hex, as text or JSON Lines.

use std::io::{self, BufWriter, Write};

use crate::args::DecodeArgs;
use crate::{decode, model};
use ipv4kit_capture::{link, read};

/// Parses hex with optional whitespace, colons or a leading `0x`.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    hex::decode(&digits).map_err(|e| match e {
        hex::FromHexError::OddLength => format!("hex {s:?} has an odd number of digits"),
        _ => format!("hex {s:?} has a non-hex digit"),
    })
}

fn emit(out: &mut impl Write, packet: &model::Packet, json: bool) -> io::Result<()> {
    if json {
        writeln!(out, "{}", packet.to_json())
    } else {
        writeln!(out, "{packet}")
    }
}

/// `ipv4kit decode`.
pub fn run_decode(args: &DecodeArgs) -> Result<(), Box<dyn std::error::Error>> {
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
        let stdin = path.as_os_str() == "-";
        let name = if stdin {
            "standard input".to_string()
        } else {
            path.display().to_string()
        };
        let each = |frame: read::Frame<'_>| {
            if io_error.is_some() {
                return;
            }
            let mut packet = match link::ipv4_of(frame.linktype, frame.data) {
                link::Link::Ipv4(bytes) => decode::ipv4_packet(bytes),
                link::Link::Other => {
                    skipped += 1;
                    return;
                }
                link::Link::Truncated(what) => model::Packet {
                    error: Some(model::LayerError {
                        layer: "link",
                        message: format!("{what} is cut short"),
                    }),
                    ..Default::default()
                },
            };
            packet.frame = Some(frame.index);
            let mut written = emit(&mut out, &packet, args.json);
            if stdin {
                // A pipe from a live capture (`tcpdump -U -w - | ipv4kit
                // decode -`) shows each packet as it comes.
                written = written.and_then(|()| out.flush());
            }
            if let Err(e) = written {
                io_error = Some(e);
            }
        };
        if stdin {
            read::for_each_frame_in(io::stdin().lock(), &name, each)?;
        } else {
            read::for_each_frame(path, each)?;
        }
        if let Some(e) = io_error {
            return Err(e.into());
        }
        if skipped > 0 && !args.json {
            writeln!(out, "# {name}: {skipped} frame(s) not IPv4, skipped")?;
        }
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_accepts_spaces_colons_and_prefix() {
        assert_eq!(parse_hex("0x46 00:0a").unwrap(), vec![0x46, 0x00, 0x0a]);
        assert!(parse_hex("123").unwrap_err().contains("odd"));
        assert!(parse_hex("zz").unwrap_err().contains("non-hex"));
    }
}
