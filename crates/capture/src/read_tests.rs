use std::time::Duration;

use super::*;
use crate::write::{PcapNgWriter, PcapWriter};

/// An IGMPv2 report for 239.1.1.1 in Ethernet.
pub(crate) fn igmp_frame() -> Vec<u8> {
    let mut f = vec![
        0x01, 0x00, 0x5e, 0x01, 0x01, 0x01, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x00,
    ];
    f.extend_from_slice(&[
        0x46, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x72, 0xc8, 0xc0, 0xa8, 0x01,
        0x65, 0xef, 0x01, 0x01, 0x01, 0x94, 0x04, 0x00, 0x00, 0x16, 0x00, 0xf9, 0xfc, 0xef, 0x01,
        0x01, 0x01,
    ]);
    f
}

/// Every frame of `bytes`: (index, linktype, orig_len, interface, data), or
/// the error after them.
#[allow(clippy::type_complexity)]
fn frames(
    bytes: &[u8],
) -> (
    Vec<(u64, u32, u32, Option<String>, Vec<u8>)>,
    Option<CaptureError>,
) {
    let mut out = Vec::new();
    let r = for_each_frame_in(bytes, "t", |f| {
        out.push((
            f.index,
            f.linktype,
            f.orig_len,
            f.interface.map(str::to_owned),
            f.data.to_vec(),
        ));
        ControlFlow::Continue(())
    });
    (out, r.err())
}

fn block(t: u32, body: &[u8]) -> Vec<u8> {
    let len = (body.len() + 12) as u32;
    let mut b = t.to_le_bytes().to_vec();
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

fn opt(code: u16, v: &[u8]) -> Vec<u8> {
    let mut o = code.to_le_bytes().to_vec();
    o.extend_from_slice(&(v.len() as u16).to_le_bytes());
    o.extend_from_slice(v);
    while !o.len().is_multiple_of(4) {
        o.push(0);
    }
    o
}

fn shb(opts: &[u8]) -> Vec<u8> {
    let mut b = 0x1a2b3c4du32.to_le_bytes().to_vec();
    b.extend_from_slice(&[1, 0, 0, 0]);
    b.extend_from_slice(&(-1i64).to_le_bytes());
    b.extend_from_slice(opts);
    block(0x0a0d0d0a, &b)
}

fn idb(linktype: u16, opts: &[u8]) -> Vec<u8> {
    let mut b = linktype.to_le_bytes().to_vec();
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&65535u32.to_le_bytes());
    b.extend_from_slice(opts);
    block(1, &b)
}

fn epb(data: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 12];
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(data);
    while !b.len().is_multiple_of(4) {
        b.push(0);
    }
    block(6, &b)
}

/// pcapng files whose option lists lack opt_endofopt (the spec lets writers
/// leave it out), as some tools write them.
pub(crate) fn pcapng_without_end_of_options() -> Vec<u8> {
    let mut f = shb(&opt(4, b"sometool"));
    f.extend(idb(1, &opt(2, b"eth0")));
    f.extend(epb(&igmp_frame()));
    f
}

/// pcapng whose `shb_userappl` and `if_name` are not UTF-8.
pub(crate) fn pcapng_with_non_utf8_options() -> Vec<u8> {
    let mut o = opt(4, b"tool\xff\xfe");
    o.extend(opt(0, b""));
    let mut f = shb(&o);
    let mut o = opt(2, b"eth\xe90");
    o.extend(opt(0, b""));
    f.extend(idb(1, &o));
    f.extend(epb(&igmp_frame()));
    f
}

#[test]
fn pcapng_without_end_of_options_reads() {
    let (f, e) = frames(&pcapng_without_end_of_options());
    assert!(e.is_none(), "{e:?}");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].3.as_deref(), Some("eth0"));
    assert_eq!(f[0].4, igmp_frame());
}

#[test]
fn non_utf8_string_options_read_with_replacement_characters() {
    let (f, e) = frames(&pcapng_with_non_utf8_options());
    assert!(e.is_none(), "{e:?}");
    assert_eq!(f[0].3.as_deref(), Some("eth\u{fffd}0"));
}

#[test]
fn written_pcap_and_pcapng_read_back() {
    let mut w = PcapWriter::new(Vec::new(), 1, 40).unwrap();
    w.write_packet(Duration::new(1_600_000_000, 123_456_000), 46, &igmp_frame())
        .unwrap();
    let bytes = w.into_inner().unwrap();
    let mut seen = Vec::new();
    for_each_frame_in(&bytes[..], "t", |f| {
        seen.push((
            f.ts.unwrap().rfc3339().to_string(),
            f.orig_len,
            f.data.len(),
        ));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(seen, [("2020-09-13T12:26:40.123456Z".to_string(), 46, 40)]);

    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    let a = w.add_interface(1, 0, "eth0").unwrap();
    let b = w.add_interface(101, 0, "tun0").unwrap();
    w.write_packet(b, Duration::new(7, 1), 32, &igmp_frame()[14..])
        .unwrap();
    w.write_packet(a, Duration::new(8, 2), 46, &igmp_frame())
        .unwrap();
    assert!(w.write_packet(5, Duration::ZERO, 1, &[0]).is_err());
    let bytes = w.into_inner().unwrap();
    let mut seen = Vec::new();
    for_each_frame_in(&bytes[..], "t", |f| {
        seen.push((
            f.linktype,
            f.interface.unwrap().to_owned(),
            f.ts.unwrap().time_of_day().to_string(),
        ));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(
        seen,
        [
            (101, "tun0".to_string(), "00:00:07.000000001".to_string()),
            (1, "eth0".to_string(), "00:00:08.000000002".to_string())
        ]
    );
}

fn pcap_with(records: &[&[u8]]) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), 1, 65535).unwrap();
    for r in records {
        w.write_packet(Duration::ZERO, r.len() as u32, r).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn truncated_pcap_says_how_many_octets_were_missing() {
    let frame = igmp_frame();
    let mut bytes = pcap_with(&[&frame, &frame]);
    bytes.truncate(bytes.len() - 36);
    let (f, e) = frames(&bytes);
    assert_eq!(f.len(), 1);
    let e = e.unwrap();
    assert_eq!(e.kind, CaptureErrorKind::Truncated);
    assert_eq!(
        e.message,
        "t: truncated file: the record after frame 1 needs 62 octets, only 26 remain"
    );
    let (_, e) = frames(&bytes[..bytes.len() - 20]);
    assert_eq!(
        e.unwrap().message,
        "t: truncated file: 6 octet(s) after frame 1, too few for a record header"
    );
    let e = frames(&bytes[..10]).1.unwrap();
    assert_eq!(e.message, "t: truncated pcap file header: 10 of 24 octets");
}

#[test]
fn truncated_pcapng_says_how_many_octets_were_missing() {
    let mut bytes = pcapng_without_end_of_options();
    bytes.extend(epb(&igmp_frame()));
    bytes.truncate(bytes.len() - 10);
    let (f, e) = frames(&bytes);
    assert_eq!(f.len(), 1);
    assert_eq!(
        e.unwrap().message,
        "t: truncated file: the block after frame 1 needs 80 octets, only 70 remain"
    );
}

#[test]
fn impossible_record_length_is_named() {
    let mut bytes = pcap_with(&[&igmp_frame()]);
    let mut rec = vec![0u8; 8];
    rec.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
    rec.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
    rec.extend_from_slice(&[0; 64]);
    bytes.extend(rec);
    let (f, e) = frames(&bytes);
    assert_eq!(f.len(), 1);
    let e = e.unwrap();
    assert_eq!(e.kind, CaptureErrorKind::ImpossibleLength);
    assert_eq!(
        e.message,
        "t: frame 2 declares a captured length of 2147483647, impossible (snap length 65535, at most 262144)"
    );
}

#[test]
fn a_frame_larger_than_the_buffer_grows_it() {
    let big = vec![0x45u8; 200_000];
    let mut w = PcapWriter::new(Vec::new(), 101, 262_144).unwrap();
    w.write_packet(Duration::ZERO, 200_000, &big).unwrap();
    w.write_packet(Duration::ZERO, 4, &big[..4]).unwrap();
    let (f, e) = frames(&w.into_inner().unwrap());
    assert!(e.is_none(), "{e:?}");
    assert_eq!(
        f.iter().map(|f| f.4.len()).collect::<Vec<_>>(),
        [200_000, 4]
    );
}

/// A reader that hands out one octet per read, as a slow pipe may.
struct Dribble<'a>(&'a [u8]);

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((b, rest)), Some(out)) => {
                *out = *b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn streams_that_deliver_an_octet_at_a_time_read_whole() {
    let frame = igmp_frame();
    for bytes in [
        pcap_with(&[&frame, &frame, &frame]),
        pcapng_with_non_utf8_options(),
    ] {
        let mut n = 0;
        for_each_frame_in(Dribble(&bytes), "t", |f| {
            assert_eq!(f.data, &frame[..]);
            n += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
        assert!(n >= 1);
    }
}

#[test]
fn break_stops_the_reading() {
    let frame = igmp_frame();
    let bytes = pcap_with(&[&frame, &frame, &frame]);
    let mut n = 0;
    for_each_frame_in(&bytes[..], "t", |_| {
        n += 1;
        ControlFlow::Break(())
    })
    .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn every_bundled_capture_reads_to_the_end() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data");
    let mut total = 0;
    for dir in ["tcpdump", "zeek"] {
        for entry in std::fs::read_dir(data.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "pcap") {
                for_each_frame(&path, |_| {
                    total += 1;
                    ControlFlow::Continue(())
                })
                .unwrap();
            }
        }
    }
    assert!(total > 100, "read {total} frames");
}

#[test]
fn a_text_file_and_a_directory_are_not_captures() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let e = for_each_frame(&path, |_| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(e.kind, CaptureErrorKind::NotCapture);
    assert!(e.message.contains("not a pcap or pcapng file"), "{e}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let e = for_each_frame(dir, |_| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(e.kind, CaptureErrorKind::IsDirectory);
    assert!(
        e.message.ends_with("is a directory, not a capture file"),
        "{e}"
    );
}
