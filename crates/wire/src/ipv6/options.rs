//! Options of the Hop-by-Hop and Destination Options headers (RFC 8200
//! §4.2–4.3): Pad1, PadN and Router Alert (RFC 2711), read and written with
//! the padding their alignment needs.

use super::error::{Ipv6EmitError, Ipv6Error};

/// Option Type of Pad1: one octet of padding, no length (RFC 8200 §4.2).
pub const OPTION_PAD1: u8 = 0;
/// Option Type of PadN: two or more octets of padding (RFC 8200 §4.2).
pub const OPTION_PADN: u8 = 1;
/// Option Type of Router Alert, `000 00101` (RFC 2711 §2.1).
pub const OPTION_ROUTER_ALERT: u8 = 5;
/// Router Alert value of MLD messages (RFC 2711 §2.1).
pub const ROUTER_ALERT_MLD: u16 = 0;

/// The hop-by-hop header every MLD message is sent with, as Linux sends it:
/// Next Header 58, length 0, Router Alert 0 (MLD), PadN of 2
/// (RFC 2711 §2.1, RFC 3810 §5).
pub const MLD_HOP_BY_HOP: [u8; 8] = [58, 0, OPTION_ROUTER_ALERT, 2, 0, 0, OPTION_PADN, 0];

/// One option of a Hop-by-Hop or Destination Options header (RFC 8200 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ipv6Option<'a> {
    /// Pad1: a single zero octet.
    Pad1,
    /// PadN with this many octets of data (the option takes 2 more).
    PadN(u8),
    /// Router Alert with its 16-bit value (RFC 2711 §2.1; 0 = MLD).
    RouterAlert(u16),
    /// Any other option, type and data.
    Unknown {
        /// The Option Type; its two high bits say what a node that does not
        /// know it does (RFC 8200 §4.2).
        option_type: u8,
        /// The Option Data.
        data: &'a [u8],
    },
}

/// Iterator over the options area of a Hop-by-Hop or Destination Options
/// header (after its first two octets), RFC 8200 §4.2. It stops after the
/// first malformed option, which it yields as an error.
#[derive(Clone, Debug)]
pub struct Ipv6Options<'a> {
    area: &'a [u8],
    offset: usize,
}

impl<'a> Ipv6Options<'a> {
    /// Options laid out from the start of `area`.
    #[inline]
    pub fn new(area: &'a [u8]) -> Self {
        Ipv6Options { area, offset: 0 }
    }

    /// The value of the Router Alert option, checking every option on the
    /// way; an error if one is malformed or Router Alert appears twice
    /// (RFC 2711 §2.1).
    pub fn router_alert(self) -> Result<Option<u16>, Ipv6Error> {
        let mut found = None;
        for o in self {
            if let Ipv6Option::RouterAlert(v) = o? {
                if found.is_some() {
                    return Err(Ipv6Error::RouterAlertRepeated);
                }
                found = Some(v);
            }
        }
        Ok(found)
    }
}

impl<'a> Iterator for Ipv6Options<'a> {
    type Item = Result<Ipv6Option<'a>, Ipv6Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.area.get(self.offset..)?;
        let (&option_type, tail) = rest.split_first()?;
        let offset = self.offset;
        if option_type == OPTION_PAD1 {
            self.offset += 1;
            return Some(Ok(Ipv6Option::Pad1));
        }
        let truncated = Ipv6Error::OptionTruncated {
            option_type,
            offset,
        };
        let Some((&len, tail)) = tail.split_first() else {
            self.offset = self.area.len();
            return Some(Err(truncated));
        };
        let Some(data) = tail.get(..usize::from(len)) else {
            self.offset = self.area.len();
            return Some(Err(truncated));
        };
        self.offset += 2 + usize::from(len);
        Some(Ok(match option_type {
            OPTION_PADN => Ipv6Option::PadN(len),
            OPTION_ROUTER_ALERT => match data {
                [a, b] => Ipv6Option::RouterAlert(u16::from_be_bytes([*a, *b])),
                _ => {
                    self.offset = self.area.len();
                    return Some(Err(Ipv6Error::RouterAlertLenInvalid { len }));
                }
            },
            option_type => Ipv6Option::Unknown { option_type, data },
        }))
    }
}

impl core::iter::FusedIterator for Ipv6Options<'_> {}

/// An option to write into a hop-by-hop or destination options header; the
/// padding is not listed, [`OptionsHeaderRepr`] inserts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ipv6OptionRepr<'a> {
    /// Router Alert with this value (RFC 2711 §2.1), aligned `2n+0`.
    RouterAlert(u16),
    /// Any other option, written as given (data at most 255 octets), no
    /// alignment.
    Other {
        /// The Option Type.
        option_type: u8,
        /// The Option Data.
        data: &'a [u8],
    },
}

impl Ipv6OptionRepr<'_> {
    /// (x, y) of the option's `xn+y` alignment (RFC 8200 §4.2).
    fn alignment(&self) -> (usize, usize) {
        match self {
            Ipv6OptionRepr::RouterAlert(_) => (2, 0),
            Ipv6OptionRepr::Other { .. } => (1, 0),
        }
    }

    fn data_len(&self) -> usize {
        match self {
            Ipv6OptionRepr::RouterAlert(_) => 2,
            Ipv6OptionRepr::Other { data, .. } => data.len(),
        }
    }
}

/// A Hop-by-Hop or Destination Options header to emit (RFC 8200 §4.3,
/// §4.6): the options in order, each preceded by the Pad1/PadN its alignment
/// needs, the whole padded to a multiple of 8 octets.
///
/// ```
/// use ipv4kit_wire::ipv6::{Ipv6OptionRepr, OptionsHeaderRepr, MLD_HOP_BY_HOP};
///
/// let hbh = OptionsHeaderRepr { next_header: 58, options: &[Ipv6OptionRepr::RouterAlert(0)] };
/// let mut buf = [0xa5u8; 8];
/// assert_eq!(hbh.emit(&mut buf), Ok(8));
/// assert_eq!(buf, MLD_HOP_BY_HOP);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OptionsHeaderRepr<'a> {
    /// The Next Header field.
    pub next_header: u8,
    /// The options, without padding.
    pub options: &'a [Ipv6OptionRepr<'a>],
}

impl OptionsHeaderRepr<'_> {
    /// Octets [`emit`](Self::emit) writes: a multiple of 8.
    pub fn buffer_len(&self) -> usize {
        let mut off = 2;
        for o in self.options {
            off += pad_before(off, o.alignment()) + 2 + o.data_len();
        }
        off.div_ceil(8) * 8
    }

    /// Writes the header with its padding; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Ipv6EmitError> {
        let len = self.buffer_len();
        if len > 8 * 256 || self.options.iter().any(|o| o.data_len() > 255) {
            return Err(Ipv6EmitError::OptionsTooLong { len });
        }
        let available = buf.len();
        let Some(out) = buf.get_mut(..len) else {
            return Err(Ipv6EmitError::BufferTooShort {
                needed: len,
                available,
            });
        };
        out[0] = self.next_header;
        out[1] = (len / 8 - 1) as u8;
        let mut off = 2;
        for o in self.options {
            let pad = pad_before(off, o.alignment());
            write_padding(&mut out[off..off + pad]);
            off += pad;
            let (t, data): (u8, &[u8]) = match o {
                Ipv6OptionRepr::RouterAlert(v) => {
                    out[off] = OPTION_ROUTER_ALERT;
                    out[off + 1] = 2;
                    out[off + 2..off + 4].copy_from_slice(&v.to_be_bytes());
                    off += 4;
                    continue;
                }
                Ipv6OptionRepr::Other { option_type, data } => (*option_type, data),
            };
            out[off] = t;
            out[off + 1] = data.len() as u8;
            out[off + 2..off + 2 + data.len()].copy_from_slice(data);
            off += 2 + data.len();
        }
        write_padding(&mut out[off..]);
        Ok(len)
    }
}

/// Padding needed at offset `off` for an option aligned `xn+y`.
fn pad_before(off: usize, (x, y): (usize, usize)) -> usize {
    (x + y - off % x) % x
}

/// Fills `out` with one Pad1 or one PadN (RFC 8200 §4.2: PadN, not several
/// Pad1, for two octets or more). `out` is at most 7 + 255 octets here.
fn write_padding(out: &mut [u8]) {
    match out.len() {
        0 => {}
        1 => out[0] = OPTION_PAD1,
        n => {
            out.fill(0);
            out[0] = OPTION_PADN;
            out[1] = (n - 2) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn collect(area: &[u8]) -> Vec<Result<Ipv6Option<'_>, Ipv6Error>> {
        Ipv6Options::new(area).collect()
    }

    #[test]
    fn mld_header_options_are_router_alert_and_padn() {
        assert_eq!(
            collect(&MLD_HOP_BY_HOP[2..]),
            [Ok(Ipv6Option::RouterAlert(0)), Ok(Ipv6Option::PadN(0))]
        );
    }

    #[test]
    fn malformed_options_are_errors_and_end_the_walk() {
        assert_eq!(
            collect(&[0, 5, 2, 0]),
            [
                Ok(Ipv6Option::Pad1),
                Err(Ipv6Error::OptionTruncated {
                    option_type: 5,
                    offset: 1
                })
            ]
        );
        assert_eq!(
            collect(&[5, 1, 0, 7, 7]),
            [Err(Ipv6Error::RouterAlertLenInvalid { len: 1 })]
        );
        assert_eq!(
            collect(&[0x3e]),
            [Err(Ipv6Error::OptionTruncated {
                option_type: 0x3e,
                offset: 0
            })]
        );
        assert_eq!(
            Ipv6Options::new(&[5, 2, 0, 0, 5, 2, 0, 1]).router_alert(),
            Err(Ipv6Error::RouterAlertRepeated)
        );
        assert_eq!(
            collect(&[0xc2, 1, 9]),
            [Ok(Ipv6Option::Unknown {
                option_type: 0xc2,
                data: &[9]
            })]
        );
    }

    #[test]
    fn emit_pads_for_alignment_and_to_eight_octets() {
        // An odd-length option first, so Router Alert needs a Pad1 before it.
        let opts = [
            Ipv6OptionRepr::Other {
                option_type: 0x3e,
                data: &[1],
            },
            Ipv6OptionRepr::RouterAlert(2),
        ];
        let h = OptionsHeaderRepr {
            next_header: 17,
            options: &opts,
        };
        assert_eq!(h.buffer_len(), 16);
        let mut buf = [0xa5u8; 16];
        assert_eq!(h.emit(&mut buf), Ok(16));
        assert_eq!(buf, [17, 1, 0x3e, 1, 1, 0, 5, 2, 0, 2, 1, 4, 0, 0, 0, 0]);
        let parsed: Vec<_> = Ipv6Options::new(&buf[2..]).map(Result::unwrap).collect();
        assert_eq!(
            parsed,
            [
                Ipv6Option::Unknown {
                    option_type: 0x3e,
                    data: &[1]
                },
                Ipv6Option::Pad1,
                Ipv6Option::RouterAlert(2),
                Ipv6Option::PadN(4)
            ]
        );
    }

    #[test]
    fn empty_header_is_one_padn_of_six() {
        let h = OptionsHeaderRepr {
            next_header: 59,
            options: &[],
        };
        let mut buf = [0xffu8; 8];
        assert_eq!(h.emit(&mut buf), Ok(8));
        assert_eq!(buf, [59, 0, 1, 4, 0, 0, 0, 0]);
        assert_eq!(
            h.emit(&mut [0u8; 7]),
            Err(Ipv6EmitError::BufferTooShort {
                needed: 8,
                available: 7
            })
        );
    }

    #[test]
    fn oversized_option_data_is_refused() {
        let data = [0u8; 256];
        let opts = [Ipv6OptionRepr::Other {
            option_type: 0x3e,
            data: &data,
        }];
        let h = OptionsHeaderRepr {
            next_header: 59,
            options: &opts,
        };
        assert!(matches!(
            h.emit(&mut [0u8; 400]),
            Err(Ipv6EmitError::OptionsTooLong { .. })
        ));
    }
}
