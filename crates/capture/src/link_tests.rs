use super::*;

const IP: [u8; 4] = [0x45, 0, 0, 20];

fn sll(hatype: u16, proto: u16) -> Vec<u8> {
    let mut f = vec![0, 4];
    f.extend_from_slice(&hatype.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(&proto.to_be_bytes());
    f.extend_from_slice(&IP);
    f
}

#[test]
fn linux_cooked_v1_reaches_ip_for_every_hardware_type() {
    // Ethernet, PPP, loopback (tcpdump -i any on lo), IP-in-IP, GRE, SIT,
    // none (tun), and a type no table has.
    for hatype in [1u16, 512, 772, 768, 778, 776, 0xfffe, 0xabcd] {
        let f = sll(hatype, 0x0800);
        let (h, link) = dissect(linktype::LINUX_SLL, &f);
        assert_eq!(link, Link::Ipv4(&IP), "ARPHRD {hatype}");
        assert_eq!(h.hatype, Some(hatype));
        assert_eq!(h.pkttype, Some(4));
    }
    let f = sll(772, 0x86dd);
    assert_eq!(dissect(linktype::LINUX_SLL, &f).1, Link::Ipv6(&IP));
    let f = sll(824, 0x0000);
    let want = Link::NotIp("netlink (protocol 0)".into());
    assert_eq!(dissect(linktype::LINUX_SLL, &f).1, want);
    assert_eq!(
        dissect(linktype::LINUX_SLL, &sll(772, 0x0800)[..15]).1,
        Link::Truncated("Linux cooked (SLL) header")
    );
}

#[test]
fn linux_cooked_v2_reaches_ip_for_every_hardware_type() {
    for hatype in [1u16, 512, 772, 0xfffe] {
        let mut f = vec![0x08, 0x00, 0, 0, 0, 0, 0, 7];
        f.extend_from_slice(&hatype.to_be_bytes());
        f.extend_from_slice(&[2, 6, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0]);
        f.extend_from_slice(&IP);
        let (h, link) = dissect(linktype::LINUX_SLL2, &f);
        assert_eq!(link, Link::Ipv4(&IP));
        assert_eq!(
            (h.hatype, h.ifindex, h.pkttype),
            (Some(hatype), Some(7), Some(2))
        );
        assert_eq!(h.src.unwrap().to_string(), "00:11:22:33:44:55");
        assert_eq!(
            dissect(linktype::LINUX_SLL2, &f[..10]).1,
            Link::Truncated("Linux cooked v2 (SLL2) header")
        );
    }
}

#[test]
fn ethernet_with_two_vlan_tags_reaches_ipv4() {
    let mut frame = vec![1, 0, 0x5e, 0, 0, 1, 2, 0, 0, 0, 0, 9];
    frame.extend_from_slice(&[0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0xa0, 0x14, 0x08, 0x00]);
    frame.extend_from_slice(&IP);
    let (h, link) = dissect(linktype::ETHERNET, &frame);
    assert_eq!(link, Link::Ipv4(&IP));
    assert_eq!(
        h.vlans,
        [
            Vlan {
                tpid: 0x88a8,
                id: 10,
                pcp: 0
            },
            Vlan {
                tpid: 0x8100,
                id: 20,
                pcp: 5
            }
        ]
    );
    assert_eq!(h.dst.unwrap().to_string(), "01:00:5e:00:00:01");
    assert_eq!(h.src.unwrap().to_string(), "02:00:00:00:00:09");
    assert_eq!(
        dissect(linktype::ETHERNET, &frame[..16]).1,
        Link::Truncated("802.1Q tag")
    );
}

#[test]
fn fcs_bits_in_the_link_type_strip_the_fcs() {
    let mut frame = vec![0u8; 12];
    frame.extend_from_slice(&[0x08, 0x00]);
    frame.extend_from_slice(&IP);
    frame.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    // F bit (28) set, FCS length 2 words (bits 29-31 = 2).
    let lt = 0x1000_0000 | (2 << 29) | linktype::ETHERNET;
    let (h, link) = dissect(lt, &frame);
    assert_eq!(link, Link::Ipv4(&IP));
    assert_eq!((h.linktype, h.fcs_len), (1, Some(4)));
}

#[test]
fn bsd_loopback_in_either_byte_order_and_openbsd_loop() {
    let mut le = vec![2, 0, 0, 0];
    le.extend_from_slice(&IP);
    assert_eq!(dissect(linktype::NULL, &le).1, Link::Ipv4(&IP));
    let mut be = vec![0, 0, 0, 2];
    be.extend_from_slice(&IP);
    assert_eq!(dissect(linktype::NULL, &be).1, Link::Ipv4(&IP));
    assert_eq!(dissect(linktype::LOOP, &be).1, Link::Ipv4(&IP));
    let v6 = [30, 0, 0, 0, 0x60];
    assert_eq!(dissect(linktype::NULL, &v6).1, Link::Ipv6(&[0x60]));
    assert_eq!(
        dissect(linktype::NULL, &[2, 0]).1,
        Link::Truncated("BSD loopback header")
    );
}

#[test]
fn ppp_hdlc_and_cisco_hdlc() {
    let mut f = vec![0xff, 0x03, 0x00, 0x21];
    f.extend_from_slice(&IP);
    assert_eq!(dissect(linktype::PPP, &f).1, Link::Ipv4(&IP));
    assert_eq!(dissect(linktype::PPP_HDLC, &f).1, Link::Ipv4(&IP));
    assert_eq!(dissect(linktype::PPP, &f[2..]).1, Link::Ipv4(&IP));
    // Protocol-field compression: one odd octet.
    assert_eq!(dissect(linktype::PPP, &f[3..]).1, Link::Ipv4(&IP));
    let mut d = vec![1];
    d.extend_from_slice(&f);
    assert_eq!(dissect(linktype::PPP_WITH_DIR, &d).1, Link::Ipv4(&IP));
    assert_eq!(
        dissect(linktype::PPP, &[0xc0, 0x21, 1]).1,
        Link::NotIp("PPP protocol 0xc021".into())
    );
    let mut c = vec![0x0f, 0x00, 0x08, 0x00];
    c.extend_from_slice(&IP);
    assert_eq!(dissect(linktype::C_HDLC, &c).1, Link::Ipv4(&IP));
}

#[test]
fn arp_is_named_and_short_ethernet_is_truncated() {
    let mut frame = vec![0u8; 12];
    frame.extend_from_slice(&[0x08, 0x06, 0, 1]);
    assert_eq!(
        dissect(linktype::ETHERNET, &frame).1,
        Link::NotIp("ARP (ethertype 0x0806)".into())
    );
    assert_eq!(
        dissect(linktype::ETHERNET, &frame[..10]).1,
        Link::Truncated("Ethernet header")
    );
}

#[test]
fn unsupported_link_types_are_named() {
    assert_eq!(dissect(105, &IP).1, Link::Unsupported(105));
    assert_eq!(linktype_name(105), "IEEE 802.11");
    assert_eq!(linktype_name(127), "IEEE 802.11 plus radiotap header");
    assert_eq!(linktype_name(60_000), "unknown");
}
