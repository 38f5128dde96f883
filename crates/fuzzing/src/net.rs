//! The `ipv4kit-net` control-message decoder, fed raw cmsg bytes.

use std::net::Ipv4Addr;

use ipv4kit_net::__fuzz::{decode_control, encode_control};
use ipv4kit_net::ControlMessage;

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
