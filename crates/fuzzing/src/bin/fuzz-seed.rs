//! Seeds `fuzz/corpus/<target>/` from the real captures in `tests/data`.
//!
//! Run from anywhere in the workspace: `cargo run -p ipv4kit-fuzzing --bin fuzz-seed`.
//! Each target gets the inputs of its kind that the captures hold: whole
//! small capture files (`cli_capture`), IPv4 datagrams, options areas, IGMP
//! messages, v3 report bodies and `--hex` texts, deduplicated by content and
//! capped per target so the committed corpora stay small. Files are named by
//! a hash of their content, so re-running adds nothing twice.

use std::collections::BTreeMap;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use ipv4kit_capture::link::{ipv4_of, Link};
use ipv4kit_capture::read::for_each_frame;
use ipv4kit_wire::ipv4::Ipv4Packet;

/// Largest capture file copied whole into `cli_capture`.
const MAX_CAPTURE_FILE: usize = 20_000;
/// Most seeds per target.
const MAX_PER_TARGET: usize = 48;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let data = root.join("tests/data");
    let mut seeds: BTreeMap<&'static str, Vec<Vec<u8>>> = BTreeMap::new();
    let mut add = |target: &'static str, bytes: Vec<u8>| {
        let list = seeds.entry(target).or_default();
        if list.len() < MAX_PER_TARGET && !list.contains(&bytes) {
            list.push(bytes);
        }
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["tcpdump", "zeek"] {
        for entry in fs::read_dir(data.join(dir)).expect("tests/data") {
            let path = entry.expect("dir entry").path();
            if path
                .extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in &files {
        let whole = fs::read(path).expect("read capture");
        if whole.len() <= MAX_CAPTURE_FILE {
            add("cli_capture", whole);
        }
        let mut frames: Vec<Vec<u8>> = Vec::new();
        let _ = for_each_frame(path, |f| {
            if let Link::Ipv4(bytes) = ipv4_of(f.linktype, f.data) {
                frames.push(bytes.to_vec());
            }
            std::ops::ControlFlow::Continue(())
        });
        for dgram in frames {
            seed_datagram(&dgram, &mut add);
        }
    }
    // The captures carry Router Alert only; add one area per option kind.
    for area in OPTION_AREAS {
        add("ipv4_options", area.to_vec());
    }
    let corpus = root.join("fuzz/corpus");
    let mut total = 0;
    for (target, list) in &seeds {
        let dir = corpus.join(target);
        fs::create_dir_all(&dir).expect("create corpus dir");
        for bytes in list {
            let mut h = DefaultHasher::new();
            bytes.hash(&mut h);
            fs::write(dir.join(format!("seed-{:016x}", h.finish())), bytes).expect("write seed");
            total += bytes.len();
        }
        println!("{target:24} {:3} seeds", list.len());
    }
    println!("{total} bytes in all");
}

/// Options areas of every kind RFC 791 §3.1 defines, well-formed and not.
const OPTION_AREAS: &[&[u8]] = &[
    &[0x94, 4, 0, 0],
    &[1, 1, 0x94, 4, 0, 0, 0, 0],
    &[7, 11, 4, 192, 0, 2, 1, 0, 0, 0, 0, 0],
    &[0x83, 7, 8, 198, 18, 0, 1, 0],
    &[0x89, 7, 4, 198, 18, 0, 2, 0],
    &[0x44, 12, 5, 0, 0, 0, 0, 1, 0, 0, 0, 2],
    &[0x44, 12, 13, 0x11, 192, 0, 2, 1, 0, 0, 0, 1],
    &[
        0x44, 20, 5, 3, 192, 0, 2, 1, 0, 0, 0, 0, 192, 0, 2, 2, 0, 0, 0, 0,
    ],
    &[0x82, 11, 0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 0],
    &[0x9e, 4, 0xaa, 0xbb],
    &[0x94, 3, 0, 0],
    &[0x07, 0],
    &[0x07, 40],
    &[0x44],
];

fn seed_datagram(dgram: &[u8], add: &mut impl FnMut(&'static str, Vec<u8>)) {
    let Ok(p) = Ipv4Packet::new_lenient(dgram) else {
        add("ipv4_lenient", dgram.to_vec());
        return;
    };
    let datagram = p.datagram_bytes().to_vec();
    if datagram.len() <= 1500 {
        add("ipv4_strict", datagram.clone());
        add("ipv4_lenient", datagram.clone());
        add("differential_etherparse", datagram.clone());
        let hex: String = datagram.iter().map(|b| format!("{b:02x}")).collect();
        add("cli_args", hex.into_bytes());
    }
    if !p.options_bytes().is_empty() {
        add("ipv4_options", p.options_bytes().to_vec());
    }
    // The header fields as an arbitrary repr: the first bytes of the header.
    add("ipv4_repr_roundtrip", p.header_bytes().to_vec());
    if p.protocol().0 == 2 && p.frag_offset() == 0 {
        let igmp = p.payload();
        if igmp.is_empty() || igmp.len() > 1500 {
            return;
        }
        add("igmp_dispatch", igmp.to_vec());
        add("differential_etherparse", igmp.to_vec());
        add("igmp_roundtrip", igmp.to_vec());
        match igmp[0] {
            0x11 => add("igmp_query", igmp.to_vec()),
            0x22 if igmp.len() >= 8 => {
                // igmp_report_v3 takes the record count, then the records.
                add("igmp_report_v3", igmp[6..].to_vec());
            }
            _ => {}
        }
    }
}
