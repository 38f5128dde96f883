//! Hex dumps as input: the octets of a datagram written out in hex, as
//! `ipv4kit decode --hex` takes them and as people paste them from
//! `tcpdump -x`, Wireshark's "copy as hex stream" or a colon-separated dump.
//!
//! ```
//! use ipv4kit_capture::hex;
//!
//! assert_eq!(hex::parse("0x46 00:0a").unwrap(), [0x46, 0x00, 0x0a]);
//! assert_eq!(
//!     hex::parse("123").unwrap_err(),
//!     hex::HexError::OddLength { digits: 3 }
//! );
//! ```

use std::fmt;

/// Why a hex dump did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HexError {
    /// A character that is not a hex digit, ASCII whitespace or a colon.
    InvalidCharacter {
        /// The character.
        character: char,
        /// Its byte offset in the text given to [`parse`].
        offset: usize,
    },
    /// The digits do not pair up into octets.
    OddLength {
        /// How many hex digits there were.
        digits: usize,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::InvalidCharacter { character, offset } => {
                write!(f, "non-hex digit {character:?} at offset {offset}")
            }
            HexError::OddLength { digits } => {
                write!(f, "odd number of hex digits ({digits})")
            }
        }
    }
}

impl std::error::Error for HexError {}

/// Parses a hex dump into its octets.
///
/// Surrounding whitespace and one leading `0x` are dropped; ASCII whitespace
/// and colons between digits are ignored, so `46 00 00 20`, `46:00:00:20`
/// and `0x46000020` are the same four octets. Digits are case-insensitive.
/// Anything else (a sign, a second `0x`, a non-ASCII character) is an
/// [`HexError::InvalidCharacter`]; an odd number of digits is an
/// [`HexError::OddLength`]. The empty dump is zero octets.
pub fn parse(text: &str) -> Result<Vec<u8>, HexError> {
    // `start` is the offset of `body` in `text`, for the error.
    let mut start = text.len() - text.trim_start().len();
    let mut body = text.trim();
    if let Some(rest) = body.strip_prefix("0x") {
        body = rest;
        start += 2;
    }
    let mut octets = Vec::with_capacity(body.len() / 2);
    let mut high: Option<u8> = None;
    let mut digits = 0usize;
    for (i, c) in body.char_indices() {
        if c.is_ascii_whitespace() || c == ':' {
            continue;
        }
        let Some(value) = c.to_digit(16) else {
            return Err(HexError::InvalidCharacter {
                character: c,
                offset: start + i,
            });
        };
        digits += 1;
        // `to_digit(16)` is below 16.
        let value = value as u8;
        match high.take() {
            None => high = Some(value),
            Some(h) => octets.push(h << 4 | value),
        }
    }
    if high.is_some() {
        return Err(HexError::OddLength { digits });
    }
    Ok(octets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_colons_case_and_one_prefix_are_accepted() {
        assert_eq!(parse(" 0x46 00:0a\n").unwrap(), [0x46, 0x00, 0x0a]);
        assert_eq!(parse("AbCd").unwrap(), [0xab, 0xcd]);
        assert!(parse("").unwrap().is_empty());
        assert!(parse("0x").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_character_and_its_offset() {
        assert_eq!(parse("123"), Err(HexError::OddLength { digits: 3 }));
        assert_eq!(
            parse(" zz"),
            Err(HexError::InvalidCharacter {
                character: 'z',
                offset: 1
            })
        );
        // A sign is not part of a digit pair (the fuzzer once found `+1`).
        assert_eq!(
            parse("0x+1"),
            Err(HexError::InvalidCharacter {
                character: '+',
                offset: 2
            })
        );
        assert_eq!(
            parse("0x0x12"),
            Err(HexError::InvalidCharacter {
                character: 'x',
                offset: 3
            })
        );
        assert_eq!(
            parse("4é"),
            Err(HexError::InvalidCharacter {
                character: 'é',
                offset: 1
            })
        );
        assert_eq!(
            HexError::OddLength { digits: 3 }.to_string(),
            "odd number of hex digits (3)"
        );
    }
}
