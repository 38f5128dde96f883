//! Bugs the fuzz bodies found in library code, one regression test each.
//! While a bug is open its test is `#[ignore]`d so main stays green; the fix
//! removes the `ignore` (and any bridge in the fuzz body that names the test).

use ipv4kit_wire::checksum;
use ipv4kit_wire::igmp::{IgmpError, IgmpMessage};

/// Fixed: `IgmpMessage::parse` reported `BadChecksum { computed: 0x0000, stored: 0x0000 }`
/// for an 8-octet all-zero message: the error says the stored value is wrong
/// and names the same value as the right one. `bad_checksum` in
/// `crates/wire/src/igmp/mod.rs` takes the stored field back out of the sum
/// with one's complement subtraction (`add_u16(!stored)`), which turns a sum
/// of +0 into −0 (0xffff) and the checksum into 0x0000; the right checksum of
/// octets that are all zero is 0xffff (`checksum::checksum(&[0; 8])`). Only
/// messages whose octets other than the checksum are all zero are affected
/// (any non-zero word keeps the sum away from +0). Fix: compute it as the IPv4
/// side does, over the message with octets 2–3 skipped.
#[test]
fn bad_checksum_of_an_all_zero_message_names_the_checksum_that_verifies() {
    let msg = [0u8; 8];
    let Err(IgmpError::BadChecksum { computed, stored }) = IgmpMessage::parse(&msg) else {
        panic!("an all-zero message has a bad checksum");
    };
    assert_eq!(stored, 0);
    assert_eq!(computed, checksum::checksum(&msg));
    assert_eq!(computed, 0xffff);
    let mut fixed = msg;
    fixed[2..4].copy_from_slice(&computed.to_be_bytes());
    assert!(IgmpMessage::parse(&fixed).is_ok());
}
