//! Interfaces as a thread inside a test namespace sees them.

use ipv4kit_net::iface::{interface_by_index, interface_by_name, interfaces};
use ipv4kit_net::{interface_index, interface_name, InterfaceAddr};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B, PREFIX_LEN};

#[test]
fn a_namespace_shows_its_veth_with_address_flags_and_mtu() {
    require_privileges!();
    let link = Link::new().unwrap();
    link.b.run(|| {
        let all = interfaces().unwrap();
        let names: Vec<_> = all.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["lo", link.if_b.as_str()], "only b's own interfaces");
        let i = interface_by_name(&link.if_b).unwrap();
        assert!(i.up && i.running && i.multicast && !i.loopback);
        assert_eq!(
            i.addrs,
            [InterfaceAddr {
                addr: ADDR_B,
                prefix_len: PREFIX_LEN
            }]
        );
        assert_eq!(i.mtu, Some(1500));
        assert_eq!(interface_index(&link.if_b).unwrap(), i.index);
        assert_eq!(interface_name(i.index).unwrap(), link.if_b);
        assert_eq!(interface_by_index(i.index).unwrap(), i);
    });
    // The other namespace does not know it.
    link.a.run(|| {
        let e = interface_index(&link.if_b).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
    });
}
