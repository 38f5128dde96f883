//! Bodies over the `ipv4kit decode` path: `cli_capture` (a capture stream
//! through `read::for_each_frame_in`, `link::ipv4_of` and
//! `decode::ipv4_packet` / `decode::ipv6_packet` to both printed forms), `cli_args` (the `--hex`
//! argument, parsed by `hex::parse`) and `capture_pcapng_blocks`.

use std::ops::ControlFlow;

use ipv4kit_capture::decode;
use ipv4kit_capture::hex::HexError;
use ipv4kit_capture::link::{self, linktype, Link};
use ipv4kit_capture::model::Packet;
use ipv4kit_capture::read;

/// Every link type `link::ipv4_of` knows, and one it does not.
const LINKTYPES: [u32; 7] = [
    linktype::ETHERNET,
    linktype::RAW_OPENBSD,
    linktype::RAW,
    linktype::LINUX_SLL,
    linktype::IPV4,
    linktype::LINUX_SLL2,
    147, // LINKTYPE_USER0: not known, always Other
];

/// The same under the link types that carry IPv6 only.
const LINKTYPES_V6: [u32; 1] = [linktype::IPV6];

/// The bytes as a pcap/pcapng stream: `for_each_frame_in` hands out frames
/// with indices 1, 2, ... or returns an error with a message, never panics;
/// for every frame, `ipv4_of` under every link type returns a datagram inside
/// the frame, and each datagram decodes and prints (text and JSON) without a
/// panic, the JSON being valid.
pub fn cli_capture(data: &[u8]) {
    // The frame bytes alone, under every link type.
    frame(data, None);

    let mut expected_index = 0u64;
    let result = read::for_each_frame_in(data, "fuzz input", |f| {
        expected_index += 1;
        assert_eq!(f.index, expected_index, "frame indices are not 1, 2, ...");
        frame(f.data, Some(f.linktype));
        render(decode::frame(&f));
        ControlFlow::Continue(())
    });
    if let Err(e) = result {
        assert!(e.message.starts_with("fuzz input: "), "{e}");
        assert!(e.message.len() > "fuzz input: ".len());
    }
}

/// Link layer, decode and both printed forms for one frame.
fn frame(data: &[u8], linktype: Option<u32>) {
    for lt in linktype.into_iter().chain(LINKTYPES).chain(LINKTYPES_V6) {
        match link::ipv4_of(lt, data) {
            Link::Ipv4(bytes) => {
                let start = bytes.as_ptr() as usize - data.as_ptr() as usize;
                assert!(
                    start + bytes.len() <= data.len(),
                    "datagram outside the frame"
                );
                assert_eq!(&data[start..start + bytes.len()], bytes);
                render(decode::ipv4_packet(bytes));
            }
            Link::Ipv6(bytes) => {
                let start = bytes.as_ptr() as usize - data.as_ptr() as usize;
                assert!(
                    start + bytes.len() <= data.len(),
                    "packet outside the frame"
                );
                let packet = decode::ipv6_packet(bytes);
                // A decoded MLD message holds no more records or sources
                // than its octets have room for.
                if let Some(m) = &packet.mld {
                    let room = bytes.len() / 16 + 1;
                    assert!(m.sources.as_ref().is_none_or(|s| s.len() <= room));
                    assert!(m.records.as_ref().is_none_or(|r| r.len() <= room));
                }
                render(packet);
            }
            Link::NotIp(_) | Link::Unsupported(_) | Link::Truncated(_) => {}
        }
        if linktype.is_some() {
            // The frame's own link type is enough for frames read from a file.
            break;
        }
    }
}

/// Both printed forms of a decoded packet; the JSON must parse back.
fn render(mut packet: Packet) {
    packet.frame = Some(1);
    let text = packet.to_string();
    assert!(!text.contains('\n'), "a text line spans lines: {text:?}");
    let with_link = packet
        .text(ipv4kit_capture::text::TextOptions { link_header: true })
        .to_string();
    assert!(
        !with_link.contains('\n'),
        "a text line spans lines: {with_link:?}"
    );
    let json = packet.to_json();
    let mut fast = Vec::new();
    packet.write_json(&mut fast).unwrap();
    assert_eq!(
        String::from_utf8(fast).unwrap(),
        json,
        "the fast JSON writer differs from serde"
    );
    let value: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("invalid JSON {json:?}: {e}"));
    assert!(value.is_object());
    assert!(!json.contains('\n'));
}

/// The `decode --hex HEX` argument: hex with optional whitespace, colons and
/// a leading `0x` (the syntax `ipv4kit decode --help` documents), then the
/// decode and print path.
///
/// The library's parser ([`ipv4kit_capture::hex::parse`], which the command
/// calls) must agree with [`reference_hex`], the documented syntax written
/// out (it once took a `+` sign as part of a digit pair); an error names a
/// character that is in the input at the offset it gives; every accepted
/// value goes through the decode and print path the command runs.
///
/// The cargo-fuzz target `cli_args` also gives the text to the command's
/// `report --record` parser, whose body lives with it in `ipv4kit-cli`
/// (`records::fuzz_record_spec`, replayed by that crate's tests).
pub fn cli_args(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = ipv4kit_capture::hex::parse(text);
    let reference = reference_hex(text);
    assert_eq!(
        ours.is_ok(),
        reference.is_ok(),
        "{text:?}: {ours:?} vs {reference:?}"
    );
    match &ours {
        Ok(a) => assert_eq!(Ok(a), reference.as_ref(), "{text:?}"),
        Err(HexError::InvalidCharacter { character, offset }) => {
            assert_eq!(text[*offset..].chars().next(), Some(*character), "{text:?}");
        }
        Err(HexError::OddLength { digits }) => assert!(digits % 2 == 1, "{text:?}"),
    }
    if let Err(e) = &ours {
        assert!(!e.to_string().is_empty());
    }
    if let Ok(bytes) = reference {
        render(decode::ipv4_packet(&bytes));
    }
}

/// The `--hex` syntax: trim, drop one leading `0x`, ignore ASCII whitespace
/// and colons; what remains must be an even number of hex digits.
pub fn reference_hex(text: &str) -> Result<Vec<u8>, String> {
    let t = text.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    let digits: Vec<u8> = t
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err("odd number of digits".into());
    }
    let nibble = |d: u8| char::from(d).to_digit(16).map(|v| v as u8);
    digits
        .chunks(2)
        .map(|p| match (nibble(p[0]), nibble(p[1])) {
            (Some(h), Some(l)) => Ok(h << 4 | l),
            _ => Err("non-hex digit".into()),
        })
        .collect()
}

/// A Section Header Block (little-endian, no options) that
/// [`capture_pcapng_blocks`] puts before its input.
const SHB: [u8; 28] = [
    0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
];

/// A reader that hands out at most 7 octets per read, as a pipe may.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(7);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// Everything a read hands out: per frame (index, link type, time, original
/// length, interface, data), then the error, if any.
type Reading = (
    Vec<(u64, u32, Option<String>, u32, Option<String>, Vec<u8>)>,
    Option<(read::CaptureErrorKind, String)>,
);

fn reading(r: impl std::io::Read) -> Reading {
    let mut frames = Vec::new();
    let result = read::for_each_frame_in(r, "fuzz input", |f| {
        frames.push((
            f.index,
            f.linktype,
            f.ts.map(|t| t.rfc3339().to_string()),
            f.orig_len,
            f.interface.map(str::to_owned),
            f.data.to_vec(),
        ));
        ControlFlow::Continue(())
    });
    (frames, result.err().map(|e| (e.kind, e.message)))
}

/// The bytes as pcapng blocks after a fixed Section Header Block: the
/// reader (ipv4kit-capture over pcap-parser's block parser) hands out the
/// same frames and the same error whether the stream arrives whole or seven
/// octets at a time; frames are numbered 1, 2, ...; each frame's data is a
/// run of the input; every frame decodes and prints.
pub fn capture_pcapng_blocks(data: &[u8]) {
    let mut stream = SHB.to_vec();
    stream.extend_from_slice(data);
    let whole = reading(&stream[..]);
    let trickled = reading(Trickle(&stream));
    assert_eq!(whole, trickled, "reading depends on how the stream arrives");
    for (i, frame) in whole.0.iter().enumerate() {
        assert_eq!(frame.0, i as u64 + 1);
        let bytes = &frame.5;
        assert!(
            bytes.is_empty() || stream.windows(bytes.len()).any(|w| w == &bytes[..]),
            "frame data that is not in the input"
        );
    }
    if let Some((_, message)) = &whole.1 {
        assert!(message.starts_with("fuzz input: "), "{message}");
    }
    let _ = read::for_each_frame_in(&stream[..], "fuzz input", |f| {
        render(decode::frame(&f));
        ControlFlow::Continue(())
    });
}

/// `ipv4kit analyze` over a capture: the bytes as a pcap/pcapng stream, or
/// (first octet `A`) as a script of IGMP messages put into a raw-IP pcap
/// — each step one octet of time (tenths of a second), one of source
/// (198.18.0.x), one of destination choice, one of length, then the
/// message — so that the analysis logic itself gets arbitrary messages in
/// order. An odd third octet gives a link prefix (198.18.0.0 with a length
/// from the rest of it), so that off-link queries are checked too. The
/// analysis never panics, its lists and tables stay within their caps,
/// every violation names a frame of the capture and they come in frame
/// order, and the report prints as text, JSON and SVG.
pub fn analyze_capture(data: &[u8]) {
    use ipv4kit_analyze::{analyze_reader, Options};

    let owned;
    let stream: &[u8] = match data.split_first() {
        Some((b'A', script)) => {
            owned = script_pcap(script);
            &owned
        }
        _ => data,
    };
    let at = data.get(1).map(|&b| {
        ipv4kit_analyze::AtTime::Offset(std::time::Duration::from_millis(u64::from(b) * 100))
    });
    let link_prefixes = data
        .get(2)
        .filter(|&&b| b & 1 == 1)
        .and_then(|&b| {
            ipv4kit_analyze::Ipv4Net::new(std::net::Ipv4Addr::new(198, 18, 0, 0), (b >> 1) % 33)
                .ok()
        })
        .map(|p| p.trunc())
        .into_iter()
        .collect();
    let Ok(r) = analyze_reader(
        stream,
        "fuzz input",
        Options {
            at,
            link_prefixes,
            ..Options::default()
        },
    ) else {
        return;
    };
    assert!(r.violations.len() <= ipv4kit_analyze::MAX_VIOLATIONS_LISTED);
    assert!(r.violations.len() as u64 <= r.summary.violations);
    assert!(r.unparsable.len() <= ipv4kit_analyze::MAX_UNPARSABLE_LISTED);
    for v in &r.violations {
        assert!(v.frame >= 1 && v.frame <= r.summary.frames, "{v:?}");
        assert!(v.rfc.starts_with("RFC "));
    }
    assert!(r.violations.windows(2).all(|w| w[0].frame <= w[1].frame));
    for l in &r.links {
        for p in &l.protocols {
            assert!(p.table.groups.len() <= ipv4kit_analyze::MAX_GROUPS);
            assert!(p.groups.len() <= ipv4kit_analyze::MAX_GROUPS);
            assert!(p
                .groups
                .iter()
                .all(|g| g.timeline.len() <= ipv4kit_analyze::MAX_TIMELINE));
        }
    }
    let json = serde_json::to_string(&r).expect("the report serialises");
    serde_json::from_str::<serde_json::Value>(&json).expect("valid JSON");
    assert!(ipv4kit_analyze::text::to_string(&r).starts_with("capture: "));
    assert!(ipv4kit_analyze::svg::to_svg(&r).ends_with("</svg>\n"));
}

/// The script of [`analyze_capture`] as a raw-IP pcap.
fn script_pcap(mut s: &[u8]) -> Vec<u8> {
    use ipv4kit_capture::write::PcapWriter;
    use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Repr, ROUTER_ALERT};
    use std::net::Ipv4Addr;

    let mut w = match PcapWriter::new(Vec::new(), 101, 65535) {
        Ok(w) => w,
        Err(_) => return Vec::new(),
    };
    let mut ms = 0u64;
    while let [dt, src, dst, len, rest @ ..] = s {
        let n = usize::from(*len).min(rest.len());
        let (msg, tail) = rest.split_at(n);
        s = tail;
        ms += u64::from(*dt) * 100;
        let src = Ipv4Addr::new(198, 18, 0, src % 8);
        let dst = match dst % 4 {
            0 => Ipv4Addr::new(224, 0, 0, 1),
            1 => Ipv4Addr::new(224, 0, 0, 22),
            2 => Ipv4Addr::new(224, 0, 0, 2),
            _ => msg.get(4..8).map_or(Ipv4Addr::UNSPECIFIED, |g| {
                Ipv4Addr::new(g[0], g[1], g[2], g[3])
            }),
        };
        let mut ip = Ipv4Repr::new(src, dst, IpProtocol::IGMP, msg.len()).with_ttl(1);
        if dst_ra(*len) {
            ip.options = &ROUTER_ALERT;
        }
        let mut buf = vec![0u8; ip.total_len()];
        let Ok(h) = ip.emit(&mut buf) else { continue };
        buf[h..].copy_from_slice(msg);
        let _ = w.write_packet(std::time::Duration::from_millis(ms), buf.len() as u32, &buf);
    }
    w.into_inner().unwrap_or_default()
}

/// Router Alert on most messages: the length octet's top bit clear.
fn dst_ra(len: u8) -> bool {
    len & 0x80 == 0
}
