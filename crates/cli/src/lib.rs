//! The library behind the `ipv4kit` command: capture reading, decoding and the
//! printed forms. It is public so that tests and fuzz targets can drive the
//! same code the command runs; it is not a stable API.

pub mod capture;
pub mod decode;
pub mod model;
