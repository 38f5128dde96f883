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
