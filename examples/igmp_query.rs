//! Build a complete IGMPv3 group-and-source-specific query the way a querier
//! sends it (TTL 1, TOS 0xc0, Router Alert), then parse it back as a receiver
//! would. No sockets, no privileges: just the codec.
//!
//! `cargo run --example igmp_query`

use std::net::Ipv4Addr;

use ipv4kit::wire::igmp::{IgmpMessage, MaxRespCode, Qqic, QueryV3};
use ipv4kit::wire::ipv4::Ipv4Packet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sources = [Ipv4Addr::new(198, 18, 0, 10), Ipv4Addr::new(198, 18, 0, 11)];
    let query = QueryV3 {
        max_resp_code: MaxRespCode::from_tenths(100), // 10 s
        group: Ipv4Addr::new(232, 1, 2, 3),
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &sources,
    };

    // The IPv4 header IGMPv3 prescribes (RFC 3376 §4): to the query's
    // destination, TTL 1, TOS 0xc0, Router Alert, sized for the query.
    let mut datagram = [0u8; 64];
    let header = query.ipv4_repr(Ipv4Addr::new(198, 18, 0, 1));
    let header_len = header.header_len();
    let igmp_len = query.emit(&mut datagram[header_len..])?;
    header.emit(&mut datagram)?;
    let datagram = &datagram[..header_len + igmp_len];
    println!("sent {} bytes: {}", datagram.len(), hex(datagram));

    // The receiving side: validate the header (checksum included), check the
    // receiver's policy (TTL 1 and Router Alert), then the IGMP message.
    let packet = Ipv4Packet::new_checked(datagram)?;
    println!(
        "{} > {}: ttl {} tos {:#04x} router alert {:?}",
        packet.src(),
        packet.dst(),
        packet.ttl(),
        packet.tos(),
        packet.router_alert()
    );
    match IgmpMessage::parse(packet.payload())? {
        IgmpMessage::QueryV3(q) => {
            println!(
                "IGMPv3 query for {}: max resp {:?}, qrv {}, qqi {} s, sources {:?}",
                q.group(),
                q.max_resp_code().duration(),
                q.qrv(),
                q.qqic().secs(),
                q.sources().collect::<Vec<_>>()
            );
        }
        other => println!("unexpected message: {other:?}"),
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
