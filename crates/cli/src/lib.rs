//! The library behind the `ipv4kit` command: the command line, capture
//! reading, decoding and the printed forms, and every subcommand's work. It is public so that tests and fuzz targets can drive the
//! same code the command runs; it is not a stable API.

pub mod args;
pub mod capture;
pub mod decode;
pub mod decode_cmd;
pub mod igmp_send;
pub mod model;
pub mod monitor;
pub mod perf;
pub mod records;
pub mod stop;
