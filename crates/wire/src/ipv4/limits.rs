//! The sizes RFC 791 §3.1 fixes for an IPv4 header and datagram.
//!
//! They sit below every other module of `ipv4` (errors, options, the view,
//! the repr all use them), so no two of those modules need each other.

/// Length of the fixed part of the IPv4 header, in bytes (RFC 791 §3.1, IHL 5).
pub const MIN_HEADER_LEN: usize = 20;
/// Largest IPv4 header, in bytes: IHL 15 (RFC 791 §3.1).
pub const MAX_HEADER_LEN: usize = 60;
/// Largest options area, in bytes: 60 − 20 (RFC 791 §3.1).
pub const MAX_OPTIONS_LEN: usize = MAX_HEADER_LEN - MIN_HEADER_LEN;
/// Largest Total Length, in bytes (RFC 791 §3.1: a 16-bit field).
pub const MAX_TOTAL_LEN: usize = 65535;
