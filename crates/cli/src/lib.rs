//! The library behind the `ipv4kit` command: the command line and every
//! subcommand's work. Capture reading, decoding and the printed forms live in
//! `ipv4kit-capture` (re-exported here as `decode` and `model`, so the
//! subcommands keep their paths). It is public so that tests and fuzz targets
//! can drive the same code the command runs; it is not a stable API.

pub mod analyze;
pub mod args;
pub mod decode_cmd;
pub mod emulate;
pub mod emulate_measure;
pub mod igmp_send;
pub mod mld_send;
pub mod monitor;
pub mod perf;
pub mod perf6;
pub mod querier;
pub mod querier6;
pub mod records;
pub mod stop;
pub mod table;

pub use ipv4kit_capture::{decode, model};
