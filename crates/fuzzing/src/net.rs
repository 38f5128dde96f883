//! The `ipv4kit-net` control-message decoder, fed raw cmsg bytes.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipv4kit_net::__fuzz::{decode_control, decode_control6, encode_control, encode_control6};
use ipv4kit_net::{ControlMessage, ControlMessage6, HopByHopOptions};

/// Bytes as a received control buffer: decoding never panics and is a pure
/// function of the bytes; the first octets also make a send-side message
/// (interface index and source), whose encoding decodes back to the same
/// interface index, and, appended to the fuzzed bytes' decodable prefix, does
/// not disturb what was decoded before it.
pub fn net_cmsg(data: &[u8]) {
    let (cm, drops) = decode_control(data);
    assert_eq!(decode_control(data), (cm, drops));
    let _ = format!("{cm:?}");

    let (Some(idx), Some(src)) = (data.get(..4), data.get(4..8)) else {
        return;
    };
    let ifindex = u32::from_ne_bytes([idx[0], idx[1], idx[2], idx[3]]);
    let send = ControlMessage {
        ifindex: Some(ifindex),
        src: Some(Ipv4Addr::new(src[0], src[1], src[2], src[3])),
        ..ControlMessage::default()
    };
    let mut buf = [0u8; 64];
    let n = encode_control(&send, &mut buf).expect("PKTINFO fits 64 octets");
    assert!(n > 0 && n <= buf.len());
    let (back, back_drops) = decode_control(&buf[..n]);
    assert_eq!(back.ifindex, Some(ifindex));
    assert_eq!(back_drops, None);
    // Too small a buffer is refused, never overrun.
    assert_eq!(encode_control(&send, &mut buf[..n - 1]), None);
}

/// Bytes as a received IPv6 control buffer: decoding never panics and is a
/// pure function of the bytes. The first 22 octets also make a send-side
/// message (source, interface, hop limit, traffic class, and the Router
/// Alert hop-by-hop header when octet 21 is odd) whose encoding decodes back
/// to the same interface, hop limit and traffic class (and the source as
/// `dst`: `IPV6_PKTINFO` carries one address), and which too small a buffer
/// refuses instead of overrunning.
pub fn net_cmsg6(data: &[u8]) {
    let (cm, drops) = decode_control6(data);
    assert_eq!(decode_control6(data), (cm, drops));
    assert_eq!((cm.src, cm.hop_by_hop), (None, None), "send-only fields");
    let _ = format!("{cm:?}");

    let Some(head) = data.get(..22) else {
        return;
    };
    let src: [u8; 16] = head[..16].try_into().expect("16 octets");
    let send = ControlMessage6 {
        src: Some(Ipv6Addr::from(src)),
        ifindex: Some(u32::from_ne_bytes([head[16], head[17], head[18], 0])),
        hop_limit: Some(head[19]),
        traffic_class: Some(head[20]),
        hop_by_hop: (head[21] & 1 == 1).then_some(HopByHopOptions::ROUTER_ALERT_MLD),
        dst: None,
    };
    let mut buf = [0u8; 256];
    let n = encode_control6(&send, &mut buf).expect("everything fits 256 octets");
    assert!(n > 0 && n <= buf.len());
    let (back, back_drops) = decode_control6(&buf[..n]);
    assert_eq!(back_drops, None);
    assert_eq!(back.dst, send.src);
    assert_eq!(
        (back.ifindex, back.hop_limit, back.traffic_class),
        (send.ifindex, send.hop_limit, send.traffic_class)
    );
    assert_eq!(encode_control6(&send, &mut buf[..n - 1]), None);
}

/// Bytes as a `TPACKET_V3` ring block the kernel handed over: the walk
/// never panics, is a pure function of the bytes, every frame it gives lies
/// inside the block, and it gives no more frames than 48-byte headers fit.
pub fn net_tap_block(data: &[u8]) {
    let frames = ipv4kit_net::__fuzz::tap_block(data);
    assert_eq!(ipv4kit_net::__fuzz::tap_block(data), frames);
    assert!(frames.len() <= data.len() / 48 + 1);
    for (at, len, _) in frames {
        assert!(at + len <= data.len());
    }
}
