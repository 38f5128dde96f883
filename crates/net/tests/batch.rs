//! Batched I/O across namespaces: 10,000 datagrams through send_batch and
//! recv_batch arrive intact, for several batch sizes; per-datagram
//! destinations and sources; partial sends are reported.

mod common;

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Instant;

use common::{parse, timeout, Hdr};
use ipv4kit_net::wire::checksum::checksum;
use ipv4kit_net::{
    ControlFlags, ControlMessage, DatagramOptions, PacketConn, RawConn, RecvBatch, SendBatch,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

const PROTO: u8 = 253;
const TOTAL: u32 = 10_000;
const SLOT: usize = 2048;

/// The payload of datagram `seq`: its number, a pattern of varying length,
/// and the internet checksum of all that.
fn payload(seq: u32, out: &mut [u8]) -> usize {
    let n = 4 + (seq as usize * 37) % 700;
    out[..4].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in out[4..n].iter_mut().enumerate() {
        *b = (seq as usize).wrapping_mul(7).wrapping_add(i) as u8;
    }
    let c = checksum(&out[..n]);
    out[n..n + 2].copy_from_slice(&c.to_be_bytes());
    n + 2
}

fn round_trip(per_call: usize) {
    let link = Link::new().unwrap();
    let rx = link.b.run(|| {
        let c = RawConn::new(PROTO).unwrap();
        c.set_recv_buffer_size(64 << 20).unwrap();
        assert!(c.recv_buffer_size().unwrap() >= 64 << 20, "SO_RCVBUFFORCE");
        timeout(&c, 3000);
        c
    });
    let tx = link.a.run(|| RawConn::new(PROTO).unwrap());

    let receiver = std::thread::spawn(move || {
        let mut batch = RecvBatch::new(per_call, SLOT);
        let mut seen = HashSet::new();
        let mut bytes = 0usize;
        let mut expect = vec![0u8; SLOT];
        while seen.len() < TOTAL as usize {
            match rx.recv_batch(&mut batch) {
                Ok(n) => assert!(n >= 1 && n <= per_call),
                Err(e) => panic!("after {} datagrams: {e}", seen.len()),
            }
            for d in batch.packets() {
                assert!(!d.meta.truncated);
                assert_eq!(d.meta.orig_len, d.meta.len);
                let p = d.packet.expect("valid IPv4, header checksum included");
                assert_eq!(
                    (p.src(), p.dst(), u8::from(p.protocol())),
                    (ADDR_A, ADDR_B, PROTO)
                );
                let body = p.payload_ref();
                let seq = u32::from_be_bytes(body[..4].try_into().unwrap());
                assert_eq!(
                    p.ident(),
                    seq as u16 + 1,
                    "ID as sent (never 0, which the kernel replaces)"
                );
                let n = payload(seq, &mut expect);
                assert_eq!(body, &expect[..n], "datagram {seq}");
                let (data, sum) = body.split_at(n - 2);
                assert_eq!(checksum(data).to_be_bytes(), sum, "payload checksum");
                assert!(seen.insert(seq), "datagram {seq} twice");
                bytes += p.as_bytes().len();
            }
        }
        (seen.len(), bytes)
    });

    let start = Instant::now();
    let mut batch = SendBatch::new(per_call, SLOT);
    let mut sent_bytes = 0usize;
    let flush = |batch: &mut SendBatch| {
        let mut from = 0;
        while from < batch.len() {
            from += tx.send_batch(batch, from).unwrap();
        }
        batch.clear();
    };
    for seq in 0..TOTAL {
        batch
            .push_with(SocketAddrV4::new(ADDR_B, 0), None, |slot| {
                let h = Hdr {
                    id: seq as u16 + 1,
                    protocol: PROTO,
                    src: ADDR_A,
                    dst: ADDR_B,
                    ..Default::default()
                }
                .emit();
                slot[..20].copy_from_slice(&h);
                20 + payload(seq, &mut slot[20..])
            })
            .unwrap();
        sent_bytes += batch.datagram(batch.len() - 1).unwrap().len();
        if batch.is_full() {
            flush(&mut batch);
        }
    }
    flush(&mut batch);
    let (count, bytes) = receiver.join().unwrap();
    assert_eq!(count, TOTAL as usize);
    assert_eq!(bytes, sent_bytes);
    eprintln!(
        "batch {per_call}: {TOTAL} datagrams, {bytes} bytes in {:?}",
        start.elapsed()
    );
}

#[test]
fn ten_thousand_datagrams_arrive_intact_in_batches_of_1() {
    require_privileges!();
    round_trip(1);
}

#[test]
fn ten_thousand_datagrams_arrive_intact_in_batches_of_8() {
    require_privileges!();
    round_trip(8);
}

#[test]
fn ten_thousand_datagrams_arrive_intact_in_batches_of_64() {
    require_privileges!();
    round_trip(64);
}

#[test]
fn ten_thousand_datagrams_arrive_intact_in_batches_of_512() {
    require_privileges!();
    round_trip(512);
}

#[test]
fn each_datagram_of_a_batch_has_its_own_destination_and_source() {
    require_privileges!();
    let link = Link::new().unwrap();
    let a2 = Ipv4Addr::new(198, 18, 0, 11);
    link.add_addr_a(a2).unwrap();
    let (r1, r2) = link.b.run(|| {
        let mk = |port| {
            let c = PacketConn::bind_udp(SocketAddrV4::new(ADDR_B, port)).unwrap();
            c.set_control_message(ControlFlags::DST, true).unwrap();
            timeout(&c, 2000);
            c
        };
        (mk(6001), mk(6002))
    });
    let tx = link
        .a
        .run(|| PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap());
    let mut batch = SendBatch::new(4, 64);
    let src = |a| ControlMessage {
        src: Some(a),
        ..Default::default()
    };
    batch
        .push(SocketAddrV4::new(ADDR_B, 6001), b"one", Some(&src(ADDR_A)))
        .unwrap();
    batch
        .push(SocketAddrV4::new(ADDR_B, 6002), b"two", Some(&src(a2)))
        .unwrap();
    batch
        .push(SocketAddrV4::new(ADDR_B, 6001), b"three", None)
        .unwrap();
    batch
        .push(SocketAddrV4::new(ADDR_B, 6002), b"four", Some(&src(ADDR_A)))
        .unwrap();
    assert!(batch.is_full());
    assert!(batch
        .push(SocketAddrV4::new(ADDR_B, 6001), b"five", None)
        .is_err());
    assert_eq!(tx.send_batch(&mut batch, 0).unwrap(), 4);

    let mut rb = RecvBatch::new(4, 64);
    let mut got = Vec::new();
    for r in [&r1, &r2] {
        while got
            .iter()
            .filter(|(p, _, _)| *p == r.local_addr().unwrap().port())
            .count()
            < 2
        {
            r.recv_batch(&mut rb).unwrap();
            for d in &rb {
                assert_eq!(d.meta.cm.dst, Some(ADDR_B));
                got.push((
                    r.local_addr().unwrap().port(),
                    d.data.to_vec(),
                    *d.meta.src.ip(),
                ));
            }
        }
    }
    let want = vec![
        (6001, b"one".to_vec(), ADDR_A),
        (6001, b"three".to_vec(), ADDR_A),
        (6002, b"two".to_vec(), a2),
        (6002, b"four".to_vec(), ADDR_A),
    ];
    assert_eq!(got, want);
}

#[test]
fn a_failing_datagram_ends_the_batch_call_and_the_caller_continues_after_it() {
    require_privileges!();
    let link = Link::new().unwrap();
    let rx = link.b.run(|| {
        let c = RawConn::new(PROTO).unwrap();
        timeout(&c, 2000);
        c
    });
    let tx = link.a.run(|| RawConn::new(PROTO).unwrap());
    let h = Hdr {
        dst: ADDR_B,
        ..Default::default()
    }
    .emit();
    let mut batch = SendBatch::new(3, 4096);
    batch
        .push_datagram(&[h.as_slice(), b"first"].concat(), None)
        .unwrap();
    // Larger than the veth MTU (1500), and IP_HDRINCL datagrams are not fragmented.
    batch
        .push_datagram(&[h.as_slice(), &[0; 2000]].concat(), None)
        .unwrap();
    batch
        .push_datagram(&[h.as_slice(), b"third"].concat(), None)
        .unwrap();

    assert_eq!(
        tx.send_batch(&mut batch, 0).unwrap(),
        1,
        "partial send reported"
    );
    let e = tx.send_batch(&mut batch, 1).unwrap_err();
    assert_eq!(e.op(), "sendmmsg");
    assert_eq!(e.raw_os_error(), Some(libc::EMSGSIZE), "{e}");
    assert_eq!(tx.send_batch(&mut batch, 2).unwrap(), 1);
    assert_eq!(tx.send_batch(&mut batch, 3).unwrap(), 0);

    let mut rb = RecvBatch::new(8, 4096);
    let mut got = Vec::new();
    while got.len() < 2 {
        rx.recv_batch(&mut rb).unwrap();
        got.extend(rb.iter().map(|d| parse(d.data).payload.to_vec()));
    }
    assert_eq!(got, vec![b"first".to_vec(), b"third".to_vec()]);
}
